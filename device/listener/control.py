"""The control socket: newline-delimited JSON-RPC 2.0 on a local Unix socket.

The listener's only way in, so it is as careful as the uplink is on the way
out. It runs an asyncio loop in its own thread; the audio loop only ever
calls `publish()`, which hands the event over without waiting. Every
subscriber has its own bounded queue: a slow one loses its oldest events (and
is told how many), nobody else waits for it.

Who may do what is decided by the peer's credentials (SO_PEERCRED): root and
the service's own user may do everything; members of the control group may
read status, subscribe, and mute; anyone who can connect may mute. Unmuting
never beats a latched hardware switch. No client can hold the socket: a
request line must end within seconds, an idle connection is closed, and
users other than root and the service user have a connection cap, so the
owner always gets in. Replies are strict JSON, whatever a request holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import grp
import json
import logging
import math
import os
import pwd
import socket
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from device.peer import credentials

log = logging.getLogger(__name__)
UNIT_FILE = Path("/etc/systemd/system/earmuff-listener.service")  # where scripts/install puts it

MAX_LINE = 64 * 1024
MAX_STRIKES = 16  # bad requests in a row before a client is disconnected
SUBSCRIBER_QUEUE = 256
PARTIAL_LINE_TIMEOUT_S = 10.0  # from the first byte of a request to its newline (slowloris)
IDLE_TIMEOUT_S = 60.0  # a connection that neither asks nor subscribes is closed after this
SEND_TIMEOUT_S = 30.0  # a reply or event not taken by the client by then: the client is dropped
# Connections held by users other than root and the service's own user: per uid, and all of them
# together, so that with LimitNOFILE=1024 there is always room for the owner's status and mute.
MAX_PER_UID = 32
MAX_OTHERS = 256

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
FORBIDDEN, REFUSED, BUSY, INTERNAL = -32001, -32002, -32003, -32603

# Which methods each kind of caller may use.
EVERYONE = {"version", "mute"}
MEMBERS = EVERYONE | {"status", "subscribe", "toggle"}
OWNER = MEMBERS | {"unmute", "audit"}


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


@dataclass
class Peer:
    pid: int
    uid: int
    gid: int
    role: str  # owner | member | other

    def may(self, method: str) -> bool:
        return method in {"owner": OWNER, "member": MEMBERS}.get(self.role, EVERYONE)


def peer_of(sock: socket.socket, group_gid: int | None) -> Peer:
    pid, uid, gid = credentials(sock)
    if uid in (0, os.getuid()):
        return Peer(pid, uid, gid, "owner")
    groups = {gid} | _process_groups(pid)
    if len(groups) == 1:  # /proc not readable: fall back to the user database
        with contextlib.suppress(KeyError):
            groups.update(os.getgrouplist(pwd.getpwuid(uid).pw_name, gid))
    return Peer(pid, uid, gid, "member" if group_gid is not None and group_gid in groups else "other")


def _process_groups(pid: int) -> set[int]:
    """The peer process's supplementary groups, as the kernel has them."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Groups:"):
                return {int(g) for g in line.split()[1:]}
    except (OSError, ValueError):
        pass
    return set()


@dataclass
class Api:
    """What the socket can reach. The listener fills it in; tests can give their own parts."""

    status: Callable[[], dict]
    privacy: Any  # device.ring.privacy.Privacy
    audit_path: Path | None = None
    version: Callable[[], dict] = field(default_factory=lambda: versions)


@functools.cache
def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    from device import __version__

    out = {"earmuff": __version__}
    for package in ("openwakeword", "vosk", "onnxruntime", "pyaudio", "gpiozero"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = None
    return out


class _Connection:
    def __init__(self, server: ControlServer, reader, writer, peer: Peer):
        self.server, self.reader, self.writer, self.peer = server, reader, writer, peer
        self.events: deque[dict] | None = None  # set when subscribed
        self.lost = 0
        self.wakeup = asyncio.Event()
        self.strikes = 0

    async def send(self, obj: dict) -> None:
        try:  # strict JSON only, whatever a result holds
            line = json.dumps(obj, separators=(",", ":"), allow_nan=False)
        except (ValueError, TypeError):
            log.exception("control reply is not JSON")
            line = json.dumps(_error(obj.get("id"), INTERNAL, "internal error: the reply is not JSON"))
        self.writer.write((line + "\n").encode())
        await asyncio.wait_for(self.writer.drain(), SEND_TIMEOUT_S)  # a client that never reads is dropped

    async def lines(self):
        """Lines without their newline; a line over MAX_LINE comes as None (and is skipped).

        A line must be finished within PARTIAL_LINE_TIMEOUT_S of its first byte, and a connection
        that is not subscribed must ask something within IDLE_TIMEOUT_S: then it is closed."""
        buf = b""
        too_long = False
        clock = asyncio.get_running_loop().time
        line_began = 0.0  # when the first byte of the unfinished line came: a dribble does not restart it
        while True:
            if buf or too_long:
                timeout = max(0.0, line_began + PARTIAL_LINE_TIMEOUT_S - clock())
            else:
                timeout = None if self.events is not None else IDLE_TIMEOUT_S
            try:
                chunk = await asyncio.wait_for(self.reader.read(65536), timeout)
            except TimeoutError:
                if buf or too_long:
                    await self.send(_error(None, INVALID_REQUEST, "timed out waiting for the end of the line; "
                                                                  "goodbye"))
                return
            if not chunk:
                return
            if not (buf or too_long):
                line_began = clock()
            buf += chunk
            while True:
                nl = buf.find(b"\n")
                if nl < 0:
                    if len(buf) > MAX_LINE:
                        too_long, buf = True, b""  # keep reading until the newline, keep nothing
                    break
                line_began = clock()  # what follows this newline came in this chunk
                line, buf = buf[:nl], buf[nl + 1 :]
                if too_long or len(line) > MAX_LINE:
                    too_long = False
                    yield None
                else:
                    yield line

    async def serve(self) -> None:
        pump = None
        try:
            async for line in self.lines():
                reply = self.handle(line)
                if reply is not None:
                    await self.send(reply)
                if self.events is not None and pump is None:
                    pump = asyncio.create_task(self.pump())
                if self.strikes >= MAX_STRIKES:
                    await self.send(_error(None, INVALID_REQUEST, "too many bad requests; goodbye"))
                    return
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass  # the client went away mid-reply, or stopped reading: nothing to clean up but this connection
        finally:
            if pump is not None:
                pump.cancel()
            self.server.subscribers.discard(self)
            self.server.open.discard(self)
            with contextlib.suppress(Exception):
                self.writer.close()

    def handle(self, line: bytes | None) -> dict | None:
        if line is None:
            self.strikes += 1
            return _error(None, INVALID_REQUEST, f"line longer than {MAX_LINE} bytes")
        if not line.strip():
            return None
        try:
            request = json.loads(line, parse_constant=_not_json)
        except RecursionError:
            self.strikes += 1
            return _error(None, INVALID_REQUEST, "invalid request: nested too deeply")
        except ValueError:  # also UnicodeDecodeError, NaN and Infinity, integers too long
            self.strikes += 1
            return _error(None, PARSE_ERROR, "parse error: not JSON")
        rid = request.get("id") if isinstance(request, dict) else None
        if not _valid_id(rid):
            self.strikes += 1
            return _error(None, INVALID_REQUEST, "invalid request: id must be a string, a finite number or null")
        try:
            if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or not isinstance(
                    request.get("method"), str):
                raise RpcError(INVALID_REQUEST, 'invalid request: need {"jsonrpc": "2.0", "method": ..., "id": ...}')
            result = self.call(request["method"], request.get("params", {}))
        except RpcError as e:
            self.strikes += e.code in (INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS)
            # Invalid requests always get an answer; a valid notification never does.
            if e.code == INVALID_REQUEST or "id" in request:
                return _error(rid, e.code, e.message, e.data)
            return None
        except Exception as e:  # a bug must cost one reply, not the server
            log.exception("control method failed")
            return _error(rid, INTERNAL, f"internal error: {type(e).__name__}")
        self.strikes = 0
        if "id" not in request:
            return None  # a notification: no reply
        return {"jsonrpc": "2.0", "id": rid, "result": result}

    def call(self, method: str, params: Any) -> Any:
        api = self.server.api
        known = {"status", "mute", "unmute", "toggle", "subscribe", "audit", "version"}
        if method not in known:
            raise RpcError(METHOD_NOT_FOUND, f"no method {method!r} (methods: {', '.join(sorted(known))})")
        if not isinstance(params, (dict, list)):
            raise RpcError(INVALID_PARAMS, "params must be an object")
        params = params if isinstance(params, dict) else {}
        allowed = {"audit": {"limit"}}.get(method, set())
        extra = set(params) - allowed
        if extra:
            raise RpcError(INVALID_PARAMS, f"{method} takes no parameter {sorted(extra)[0]!r}")
        if method == "toggle" and api.privacy.muted:
            method = "unmute"  # toggling off is an unmute, with its rules
        if not self.peer.may(method):
            raise RpcError(FORBIDDEN, f"{method} is not allowed for uid {self.peer.uid}"
                                      + ("" if self.peer.role != "other" else ": not in the control group"))
        if method == "status":
            return api.status()
        if method == "version":
            return api.version()
        if method in ("mute", "unmute", "toggle"):
            outcome = api.privacy.mute("socket") if method in ("mute", "toggle") else api.privacy.unmute("socket")
            if not outcome.ok:
                raise RpcError(REFUSED, outcome.reason, {"muted": outcome.muted})
            return {"muted": outcome.muted}
        if method == "subscribe":
            if self.events is None:
                self.events = deque()
                self.server.subscribers.add(self)
            return {"subscribed": True}
        limit = params.get("limit", 50)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 1000:
            raise RpcError(INVALID_PARAMS, "limit must be an integer from 1 to 1000")
        return read_audit(api.audit_path, limit)

    def offer(self, event: dict) -> None:
        """Called on the loop for each event; never waits."""
        if len(self.events) >= SUBSCRIBER_QUEUE:
            self.events.popleft()
            self.lost += 1
        self.events.append(event)
        self.wakeup.set()

    async def pump(self) -> None:
        try:
            await self._pump()
        except (ConnectionError, TimeoutError):
            self.writer.close()  # a subscriber that stopped reading; serve() cleans up when the read ends

    async def _pump(self) -> None:
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            while self.events:
                if self.lost:
                    lost, self.lost = self.lost, 0
                    await self.send({"jsonrpc": "2.0", "method": "event",
                                     "params": {"type": "lost", "count": lost,
                                                "message": f"lost {lost} events: reading too slowly"}})
                await self.send({"jsonrpc": "2.0", "method": "event", "params": self.events.popleft()})


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON")


def _valid_id(rid) -> bool:
    """A JSON-RPC id we can echo as JSON: a string, an integer, a finite number or null
    (1e400 parses as infinity and cannot be written back)."""
    if isinstance(rid, float):
        return math.isfinite(rid)
    return rid is None or isinstance(rid, str) or isinstance(rid, int) and not isinstance(rid, bool)


def _error(rid, code: int, message: str, data: Any = None) -> dict:
    error = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": rid, "error": error}


def read_audit(path: Path | None, limit: int) -> list:
    """The last `limit` entries of the audit log (JSON lines), newest last."""
    if path is None or not path.exists():
        return []
    out: deque = deque(maxlen=limit)
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
    return list(out)


class ControlServer:
    def __init__(self, path: Path, api: Api, group: str = "earmuff", mode: int = 0o660):
        self.path = Path(path)
        self.api = api
        self.group = group
        self.mode = mode
        self.group_gid: int | None = None
        self.subscribers: set[_Connection] = set()
        self.open: set[_Connection] = set()
        self.connections: Counter[int] = Counter()  # open connections by uid, besides the owner's
        self.loop: asyncio.AbstractEventLoop | None = None
        self._server = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="control-socket", daemon=True)

    def start(self) -> None:
        self._prepare_path()
        self._thread.start()
        self._ready.wait(10)
        if self._error:
            raise self._error

    def _prepare_path(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() or self.path.is_symlink():
            probe = socket.socket(socket.AF_UNIX)
            try:
                probe.connect(str(self.path))
                raise OSError(f"another earmuff is already listening on {self.path}")
            except (ConnectionRefusedError, FileNotFoundError):
                self.path.unlink()  # a stale socket from a crash
            finally:
                probe.close()
        try:
            self.group_gid = grp.getgrnam(self.group).gr_gid if self.group else None
        except KeyError:
            # Expected in a checkout (scripts/install makes the group): worth a word only when installed.
            log.log(logging.WARNING if UNIT_FILE.exists() else logging.DEBUG,
                    "control group %r does not exist; only root and this user can use the socket", self.group)

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        try:
            self.loop.run_until_complete(self._start_server())
        except BaseException as e:
            self._error = e
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()

    async def _start_server(self) -> None:
        old = os.umask(0o177)  # no moment with a socket anyone could connect to
        try:
            self._server = await asyncio.start_unix_server(self._accept, path=str(self.path))
        finally:
            os.umask(old)
        if self.group_gid is not None:
            with contextlib.suppress(PermissionError):
                os.chown(self.path, -1, self.group_gid)
        os.chmod(self.path, self.mode)

    async def _accept(self, reader, writer) -> None:
        try:
            peer = peer_of(writer.get_extra_info("socket"), self.group_gid)
        except OSError:
            writer.close()
            return
        capped = peer.role != "owner"  # root and the service user always find room
        if capped and (self.connections[peer.uid] >= MAX_PER_UID or self.connections.total() >= MAX_OTHERS):
            log.warning("control socket: refused uid %d pid %d: too many connections", peer.uid, peer.pid)
            with contextlib.suppress(Exception):
                writer.write((json.dumps(_error(None, BUSY, f"too many connections from uid {peer.uid}"))
                              + "\n").encode())
                writer.close()
            return
        if capped:
            self.connections[peer.uid] += 1
        connection = _Connection(self, reader, writer, peer)
        self.open.add(connection)
        try:
            await connection.serve()
        finally:
            if capped:
                self.connections[peer.uid] -= 1
                if self.connections[peer.uid] <= 0:
                    del self.connections[peer.uid]

    def publish(self, event: dict) -> None:
        """Hand an event to every subscriber. Safe from any thread; never blocks."""
        if self.loop is not None and self.subscribers:
            with contextlib.suppress(RuntimeError):  # the loop is closing
                self.loop.call_soon_threadsafe(self._fanout, event)

    def _fanout(self, event: dict) -> None:
        for connection in list(self.subscribers):
            connection.offer(event)

    def close(self) -> None:
        if self.loop is None:
            return

        async def stop():
            self._server.close()
            for connection in list(self.open):
                connection.writer.close()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


# -- the client side (earmuff status, mute, ...) --------------------------------
class Unreachable(Exception):
    """The daemon's socket cannot be reached; the message says what to check."""


def call(path: Path, method: str, params: dict | None = None, timeout: float = 10.0) -> dict:
    """One request; the whole JSON-RPC response (result or error)."""
    with connect(path, timeout) as sock:
        sock.sendall((json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}) + "\n")
                     .encode())
        return json.loads(_readline(sock))


def _what_to_check(service_command: str) -> str:
    """systemd's tools for an installed earmuff; in a checkout there is no service to ask about."""
    if UNIT_FILE.exists():
        return f"check: {service_command}"
    return "start it with: earmuff run --config FILE"


def connect(path: Path, timeout: float = 10.0) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
    except FileNotFoundError:
        sock.close()
        raise Unreachable(f"earmuff is not running: no socket at {path} "
                          f"({_what_to_check('systemctl status earmuff-listener')})") from None
    except ConnectionRefusedError:
        sock.close()
        raise Unreachable(f"nothing is listening on {path}: earmuff stopped or crashed "
                          f"({_what_to_check('journalctl -u earmuff-listener')})") from None
    except PermissionError:
        sock.close()
        raise Unreachable(f"permission denied on {path}: add yourself to the earmuff group "
                          "(sudo adduser $USER earmuff, then log in again)") from None
    except OSError as e:
        sock.close()
        raise Unreachable(f"cannot connect to {path}: {e.strerror or e}") from None
    return sock


def _readline(sock: socket.socket) -> bytes:
    buf = b""
    while b"\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise Unreachable("earmuff closed the connection without answering")
        buf += chunk
    return buf.split(b"\n", 1)[0]


def follow(path: Path):
    """Subscribe and yield each event until the connection ends."""
    sock = connect(path, timeout=None)
    with sock:
        sock.sendall(b'{"jsonrpc":"2.0","id":1,"method":"subscribe"}\n')
        buf = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                message = json.loads(line)
                if "error" in message:
                    raise RpcError(message["error"]["code"], message["error"]["message"])
                if message.get("method") == "event":
                    yield message["params"]
