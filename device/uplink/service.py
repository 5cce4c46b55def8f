"""The uplink process: socket for the listener, the gate, "no light, no send", delivery.

Only the listener's user may connect (SO_PEERCRED, checked at accept; others
are closed at once and audited by uid and pid). The light role belongs to the
listener that drives the ring: the first live connection whose hello came with
the listener's single-instance lock (the open file that holds it, passed over
the socket: files.proves_lock), until it goes or stops answering; another
process of the same user, which cannot have that file, never takes it (issue
24). A light is answered only on the connection it was asked on. What a connection
says is parsed by protocol.py, and what leaves is built from validated fields
only. The work queue, each connection's output and each line are bounded, so
no client can make the uplink die or stall.

Every accepted payload is written to the spool before anything is sent and
removed only once delivered, so nothing is lost to a crash; delivery runs
from the spool, oldest first, one sink at a time. Before the first byte of a
send, the listener must confirm that the ring shows "sending"; if it does not
(within light_timeout_s, or it is not connected), nothing is sent and the
payload waits in the spool.

A command sink's payload (Home Assistant, Hermes) that is not delivered within
the sink's max_delay_s is dropped, audited "expired", and the listener is told
("dropped"): a command runs now or never. A sink that refused the credentials
is not tried again until its secret file changes or auth_retry_s passes, and
the listener shows it as a problem until then.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import logging
import os
import pwd
import queue
import socket
import struct
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from device.config import Config, ConfigError
from device.files import hold_lock, proves_lock
from device.notify import notify, stop_later
from device.peer import credentials
from device.redact import Redactor
from device.uplink.audit import AuditError, AuditLog
from device.uplink.delivery import SinkState
from device.uplink.gate import Gate
from device.uplink.identity import device_id, hardware_identifiers, install_id, session_id
from device.uplink.protocol import (
    SESSION,
    Refused,
    Rules,
    Utterance,
    build_payload,
    dumps,
    parse_line,
    parse_payload,
    parse_utterance,
    requantise,
)
from device.uplink.sinks import AuthError, SinkError, make_sinks
from device.uplink.spool import Spool

log = logging.getLogger(__name__)

MAX_LINE = 64 * 1024  # an utterance of MAX_TEXT characters fits many times over
MAX_LINE_AUDIO = 16 * 1024 * 1024  # room for redacted audio when send_audio is on
MAX_CONNECTIONS = 8  # the listener needs one; a reconnect may briefly overlap the old one
HELLO_TIMEOUT_S = 5.0  # a connection that has not said hello by then is closed
SEND_TIMEOUT_S = 1.0  # a peer that does not read for this long is dropped, never waited on longer
WORK_MAX = 16  # utterances waiting for the worker; more get "busy"
SESSIONS_KEPT = 4096  # the listener's sessions remembered for the uplink's (dropped, replies)
MAX_STRIKES = 16  # bad messages in a row before a connection is dropped
LIGHT_GRACE_S = 1.0  # beyond light_timeout_s: a listener that answers nothing at all is dropped
REFUSAL_AUDITS = (10, 60.0)  # at most this many refused connections audited per this many seconds
IGNORED_AUDITS = (10, 60.0)  # at most this many ignored broker commands audited per this many seconds
RING_STATES = ("idle", "listening", "thinking", "sending", "muted", "error")  # what Home Assistant is shown
MAX_LOUDNESS = 150.0


class _LightWait:
    def __init__(self):
        self.event = threading.Event()
        self.shown = False
        self.at = 0.0

    def answer(self, shown: bool) -> None:
        self.shown, self.at = shown, time.monotonic()
        self.event.set()


class _Connection:
    """One authenticated connection on the uplink socket."""

    def __init__(self, sock: socket.socket, uid: int, pid: int):
        self.sock, self.uid, self.pid = sock, uid, pid
        self.lock = threading.Lock()
        self.alive = True
        self.said_hello = False
        self.proved_lock = False  # it sent the listener's lock, held, with its hello (Uplink._proof)
        self.drives_ring = False  # the light role may be its own (set at hello)
        self.lights: dict[int, _LightWait] = {}  # light requests asked on this connection, unanswered
        self.strikes = 0
        # Sends block at most SEND_TIMEOUT_S (the kernel's send timeout; reads are not affected), and
        # a connection must say hello within HELLO_TIMEOUT_S (the receive timeout, lifted at hello).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(SEND_TIMEOUT_S))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(HELLO_TIMEOUT_S))

    def hello(self) -> None:
        self.said_hello = True
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(0))

    def send(self, message: dict) -> bool:
        data = (dumps(message) + "\n").encode()
        with self.lock:
            if not self.alive:
                return False
            try:
                self.sock.sendall(data)
                return True
            except OSError:  # gone, or not reading: drop it rather than wait
                self._close()
                return False

    def close(self) -> None:
        with self.lock:
            self._close()

    def _close(self) -> None:
        self.alive = False
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # the reader thread sees the end and cleans up


def _timeval(seconds: float) -> bytes:
    return struct.pack("ll", int(seconds), int((seconds % 1) * 1e6))


def _peer(sock: socket.socket) -> tuple[int, int]:
    """(uid, pid) of the process at the other end, as the kernel has them."""
    pid, uid, _ = credentials(sock)
    return uid, pid


def listener_uid(config: Config) -> int:
    """Who may speak on the uplink socket: [uplink] listener_user, or this process's own user."""
    user = config.uplink.listener_user
    if not user:
        return os.getuid()
    try:
        return pwd.getpwnam(user).pw_uid
    except KeyError:
        raise ConfigError(f"no such user {user!r}", config.path, "[uplink] listener_user") from None


class Uplink:
    def __init__(self, config: Config, sinks: dict | None = None):
        self.config = config
        u = config.uplink
        state = config.paths.state_dir
        self.sinks = sinks if sinks is not None else make_sinks(config)
        self.audit = AuditLog(state / "audit.jsonl", u.audit_max_bytes)
        self.spool = Spool(state / "spool", u.spool_max_items, u.spool_max_age_s)
        self.gate = Gate(Redactor.from_config(config),
                         hardware_identifiers() + list(config.identity.never_send))
        self.rules = Rules.from_config(config)
        self.listener_uid = listener_uid(config)
        self.listener_lock = config.paths.state_dir / "listener.lock"  # held by the listener (cli.cmd_listen)
        self.max_line = MAX_LINE_AUDIO if u.send_audio else MAX_LINE
        self.secret_path = state / "device-secret"
        self.path = config.uplink_socket()
        self._connections: list[_Connection] = []  # in the order they said hello (the others at the end)
        self._connections_lock = threading.Lock()
        self.work: queue.Queue = queue.Queue(WORK_MAX)
        self.stopping = threading.Event()
        # The uplink's session ids -> the listener's, for what goes back to the listener (dropped, replies).
        self._listener_sessions: dict[str, str] = {}
        self._sessions_lock = threading.Lock()
        self.counters = {"sent": 0, "spooled": 0, "refused": 0, "expired": 0, "failed": 0, "busy": 0,
                         "quarantined": 0, "refused_connections": 0}
        self._light_seq = 0
        self.sink_states = {name: SinkState(sink, u.retry_min_s, u.retry_max_s, u.auth_retry_s)
                            for name, sink in self.sinks.items()}
        self._tried: set[tuple[str, str]] = set()  # (sink, payload id) attempted since start
        self._expired_now: set[tuple[str, str]] = set()  # (sink, payload id) dropped by the last delivery pass
        self._newest_command = 0.0  # when the newest command payload was spooled
        self._refusal_window = (0.0, 0, 0)  # (window start, audited in it, not audited in it)
        self._next_retry = 0.0
        self._server: socket.socket | None = None
        self.problem: str | None = None  # what the listener shows: the audit log, a refused token...
        self._problems: dict[str, str] = {}  # by where: "audit" or a sink's name
        self._ignored_window = (0.0, 0, 0)  # like _refusal_window, for commands ignored from the broker
        self.household, self.arbiter = self._household(config)

    def _household(self, config: Config):
        """The household broker's client and the arbiter, if [arbitration] or [discovery] asks for them.
        The room and the device name leave with every claim and config: the identity guard checks them."""
        a, d = config.arbitration, config.discovery
        if not (a.enabled or d.enabled):
            return None, None
        from device.uplink.arbitration import Arbiter
        from device.uplink.household import Household
        from device.version import __version__

        verdict = self.gate.identifiers({"room": a.room, "name": d.name})
        if not verdict.ok:
            log.error("[arbitration] / [discovery]: %s: nothing goes to the household broker; this speaker "
                      "answers its own wakes", verdict.reason)
            self._problems["household"] = f"household broker not used: {verdict.reason}"
            self.problem = self._problems["household"]
            return None, None
        password = None
        if a.password_file:
            try:
                password = Path(a.password_file).read_text(encoding="utf-8").strip()
            except OSError as e:
                log.error("[arbitration] password_file %s: %s; connecting without a password", a.password_file,
                          e.strerror or e)
        ident = install_id(config.paths.state_dir / "install-id")
        household = Household(a, d, ident, __version__, on_command=self._broker_command, password=password)
        arbiter = None
        if a.enabled:
            arbiter = Arbiter(ident, a.room, a.window_ms / 1000, household.claim, lambda: household.connected)
            household.on_claim = self._heard_claim
        return household, arbiter

    def _heard_claim(self, data: bytes) -> None:
        why = self.arbiter.heard(data)
        if why is not None:
            log.warning("a claim on %s was dropped: %s", self.config.arbitration.topic, why)

    @property
    def listener(self) -> _Connection | None:
        """The connection that lights the ring: the first live one that said hello from the process
        that holds the listener's lock, until it goes."""
        with self._connections_lock:
            return next((c for c in self._connections if c.said_hello and c.drives_ring and c.alive), None)

    # -- the socket ---------------------------------------------------------
    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o117)
        try:
            server.bind(str(self.path))
        finally:
            os.umask(old)
        server.listen(16)
        self._server = server
        threading.Thread(target=self._accept, name="uplink-accept", daemon=True).start()
        if self.household is not None:
            self.household.start()
        log.info("uplink socket: %s (for uid %d); sinks: %s", self.path, self.listener_uid,
                 ", ".join(self.sinks) or "none")

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._server.accept()
            except OSError as e:
                if self.stopping.is_set() or self._server.fileno() < 0:
                    return
                log.error("uplink socket: accept failed: %s", e.strerror or e)  # e.g. out of descriptors
                time.sleep(0.1)
                continue
            try:
                uid, pid = _peer(sock)
            except OSError:
                sock.close()
                continue
            refusal = None
            if uid != self.listener_uid:
                refusal = "not the listener's user"
            else:
                with self._connections_lock:
                    if len(self._connections) >= MAX_CONNECTIONS:
                        refusal = "too many connections"
                    else:
                        conn = _Connection(sock, uid, pid)
                        self._connections.append(conn)
            if refusal:
                sock.close()  # at once: not a byte read from it, not a byte written to it
                self._refused_connection(uid, pid, refusal)
                continue
            threading.Thread(target=self._serve, args=(conn,), name="uplink-connection", daemon=True).start()

    def _refused_connection(self, uid: int, pid: int, reason: str) -> None:
        """Audit a refused connection: who, never what. Rate-limited, so a flood of connects
        cannot rotate the real entries out of the log."""
        self.counters["refused_connections"] += 1
        log.warning("uplink socket: refused a connection from uid %d pid %d: %s", uid, pid, reason)
        start, audited, skipped = self._refusal_window
        now = time.monotonic()
        if now - start > REFUSAL_AUDITS[1]:
            start, audited, skipped = now, 0, skipped
        if audited >= REFUSAL_AUDITS[0]:
            self._refusal_window = (start, audited, skipped + 1)
            return
        entry = {"outcome": "refused_connection", "uid": uid, "pid": pid, "reason": reason}
        if skipped:
            entry["not_audited_before"] = skipped  # refusals past the rate limit, counted only
        self._refusal_window = (start, audited + 1, 0)
        with contextlib.suppress(AuditError):
            self.audit.append(entry)

    def _serve(self, conn: _Connection) -> None:
        try:
            for line in _lines(conn.sock, self.max_line, on_fds=lambda fds: self._proof(conn, fds)):
                if line is None:
                    conn.send({"type": "error", "message": f"line longer than {self.max_line} bytes; goodbye"})
                    break
                self._handle(conn, line)
                if conn.strikes >= MAX_STRIKES:
                    conn.send({"type": "error", "message": "too many bad messages; goodbye"})
                    break
                if not conn.alive:
                    break
        except OSError:
            pass  # gone, or silent past the hello timeout
        finally:
            conn.close()
            for wait in list(conn.lights.values()):
                wait.answer(False)  # a light asked on a connection that is gone was not shown
            with self._connections_lock:
                self._connections.remove(conn)
            with contextlib.suppress(OSError):
                conn.sock.close()
            if conn.drives_ring and self.household is not None and self.listener is None:
                state = self.household.state
                self.household.report("error", state[1] if state else False)  # nobody hears: Home Assistant sees
            if self.listener is not None:
                self._wake_worker()  # another listener connection may take over: try the spool

    def _proof(self, conn: _Connection, fds: list[int]) -> None:
        """Descriptors sent with a hello: the listener's lock, held, makes this connection the one that
        drives the ring (files.proves_lock); anything else is closed and counts for nothing."""
        try:
            if not conn.said_hello and any(proves_lock(fd, self.listener_lock) for fd in fds):
                conn.proved_lock = True
        finally:
            _close_all(fds)

    def _handle(self, conn: _Connection, line: bytes) -> None:
        if not line.strip():
            return
        try:
            message = parse_line(line)
            kind = message["type"]
            if kind == "light_ack":
                self._light_ack(conn, message)
            elif kind == "utterance":
                self._utterance(conn, message)
            elif kind == "hello":
                self._hello(conn, message)
            elif kind == "claim":
                self._claim(conn, message)
            elif kind == "state":
                self._state(conn, message)
            else:
                raise Refused("type", "not a message type of the uplink (hello, utterance, light_ack, claim, state)")
        except Refused as e:
            conn.strikes += 1
            conn.send({"type": "error", "message": str(e)})
            return
        conn.strikes = 0

    def _hello(self, conn: _Connection, message: dict) -> None:
        if set(message) != {"type"}:
            raise Refused("hello", "takes no fields")
        if not conn.said_hello:
            conn.drives_ring = conn.proved_lock
            conn.hello()
            with self._connections_lock:  # the light role goes by order of hello
                self._connections.remove(conn)
                helloed = sum(c.said_hello for c in self._connections)
                self._connections.insert(helloed, conn)
        lights = self.listener is conn
        conn.send({"type": "hello", "spool": len(self.spool), "light": lights})
        if lights:
            if self.problem:
                conn.send({"type": "problem", "message": self.problem})
            self._wake_worker()  # the listener may be back after an absence: try the spool

    # -- the household: arbitration and Home Assistant -----------------------------
    def _claim(self, conn: _Connection, message: dict) -> None:
        """The listener woke and asks for the floor: go on, or stand down for another speaker."""
        if self.listener is not conn:
            raise Refused("claim", "only the listener that drives the ring asks for the floor")
        if set(message) != {"type", "id", "wakeword", "score", "loudness", "time"}:
            raise Refused("claim", "needs exactly id, wakeword, score, loudness and time")
        seq, word = message["id"], message["wakeword"]
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise Refused("id", "not an integer")
        if not isinstance(word, str) or word not in self.rules.wakewords:
            raise Refused("wakeword", "not one of the configured wake words")
        numbers = {"score": (0.0, 1.0), "loudness": (-MAX_LOUDNESS, MAX_LOUDNESS), "time": (0.0, 1e11)}
        for key, (lo, hi) in numbers.items():
            value = message[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
                raise Refused(key, f"not a number from {lo:g} to {hi:g}")
        if self.arbiter is None:
            conn.send({"type": "floor", "id": seq, "go": True, "room": None})
            return
        asked = time.monotonic()

        def record(decision, handed_over: bool = False) -> None:
            entry = {"outcome": "floor", "wakeword": word, "go": decision.go, "claims": decision.claims,
                     "ms": round((time.monotonic() - asked) * 1000, 1)}
            if not decision.go:
                reason = f"stood down for {decision.room}" + (": handed over, its claim came late but louder"
                                                               if handed_over else "")
                entry |= {"outcome": "stood_down", "room": decision.room, "reason": reason}
                log.info("wake %s: %s (%d speakers claimed it)", word, reason, decision.claims)
            elif decision.why:
                entry["reason"] = f"went on alone: {decision.why}"
                log.warning("wake %s: went on alone: %s", word, decision.why)
            with contextlib.suppress(AuditError):
                self.audit.append(entry)

        def answer(decision) -> None:
            conn.send({"type": "floor", "id": seq, "go": decision.go, "room": decision.room})
            record(decision)

        def lost(decision) -> None:  # a louder speaker's late claim took the floor: ours drops what it heard
            conn.send({"type": "floor_lost", "id": seq, "room": decision.room})
            record(decision, handed_over=True)

        self.arbiter.ask(word, float(message["score"]), float(message["loudness"]), float(message["time"]),
                         answer, lost)

    def _state(self, conn: _Connection, message: dict) -> None:
        """What the ring shows, from the listener that drives it: for Home Assistant."""
        if self.listener is not conn:
            raise Refused("state", "only the listener that drives the ring reports its state")
        if set(message) != {"type", "state", "muted"}:
            raise Refused("state", "needs exactly state and muted")
        if message["state"] not in RING_STATES:
            raise Refused("state", f"not one of {', '.join(RING_STATES)}")
        if not isinstance(message["muted"], bool):
            raise Refused("muted", "not true or false")
        if self.household is not None:
            self.household.report(message["state"], message["muted"])

    def _broker_command(self, topic: str, payload: bytes) -> None:
        """A message on the mute button's command topic. Exactly "mute" mutes (the one command the listener
        takes from the uplink); anything else, an unmute above all, is ignored and audited."""
        if payload == b"mute":
            conn = self.listener
            sent = conn is not None and conn.send({"type": "mute"})
            log.info("Home Assistant asked to mute: %s", "passed to the listener" if sent else
                     "the listener is unreachable")
            with contextlib.suppress(AuditError):
                self.audit.append({"outcome": "mute", "from": "home assistant", "topic": topic,
                                   "passed": bool(sent)})
            return
        shown = payload.decode("ascii", "replace") if len(payload) <= 32 and payload.isascii() and \
            payload.decode("ascii").isprintable() else f"{len(payload)} bytes"
        log.warning("ignored a command from the broker on %s: only mute is taken, never unmute", topic)
        start, audited, skipped = self._ignored_window
        now = time.monotonic()
        if now - start > IGNORED_AUDITS[1]:
            start, audited = now, 0
        if audited >= IGNORED_AUDITS[0]:
            self._ignored_window = (start, audited, skipped + 1)
            return
        entry = {"outcome": "ignored_command", "from": "mqtt", "topic": topic, "payload": shown,
                 "reason": "only mute is taken from the broker; nothing unmutes from there"}
        if skipped:
            entry["not_audited_before"] = skipped
        self._ignored_window = (start, audited + 1, 0)
        with contextlib.suppress(AuditError):
            self.audit.append(entry)

    def _light_ack(self, conn: _Connection, message: dict) -> None:
        if set(message) != {"type", "id", "shown"}:
            raise Refused("light_ack", "needs exactly id and shown")
        seq = message["id"]
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise Refused("id", "not an integer")
        wait = conn.lights.pop(seq, None)  # the first answer is final: shown false cannot be taken back
        if wait is None:
            raise Refused("id", "no light is waiting for an answer with this id on this connection")
        wait.answer(message["shown"] is True)
        if not isinstance(message["shown"], bool):
            raise Refused("shown", "not true or false (taken as false)")

    def _utterance(self, conn: _Connection, message: dict) -> None:
        if not conn.said_hello:
            raise Refused("utterance", "say hello first")
        session = message.get("session")
        session = session if isinstance(session, str) and SESSION.fullmatch(session) else None
        try:
            utterance = parse_utterance(message, self.rules)
        except Refused as e:
            self.counters["refused"] += 1
            log.warning("utterance refused: %s", e)
            with contextlib.suppress(AuditError):
                self.audit.append({"outcome": "refused", "field": e.field, "reason": e.why})
            conn.send({"type": "error", "session": session, "message": str(e)})
            return
        try:
            self.work.put_nowait(("utterance", (conn, utterance)))
        except queue.Full:
            self.counters["busy"] += 1
            conn.send({"type": "busy", "session": utterance.session,
                       "message": f"{WORK_MAX} utterances are waiting; hand it over again later"})

    def _wake_worker(self) -> None:
        with contextlib.suppress(queue.Full):
            self.work.put_nowait(("retry", None))

    # -- the worker -----------------------------------------------------------
    def run(self) -> None:
        """Process utterances and retry the spool until stop()."""
        self._wake_worker()
        while not self.stopping.is_set():
            waiting = len(self.spool) or any(s.refused for s in self.sink_states.values())
            timeout = max(0.05, self._next_retry - time.monotonic()) if waiting else 0.5
            try:
                kind, item = self.work.get(timeout=min(timeout, 0.5))
            except queue.Empty:
                if not waiting or time.monotonic() < self._next_retry:
                    continue
                kind, item = "retry", None
            if kind == "stop":
                break
            try:
                if kind == "utterance":
                    conn, utterance = item
                    outcome = self.accept(utterance)
                    conn.send({"type": "accepted", "session": utterance.session, "outcome": outcome})
                else:
                    self.deliver_spool()
            except Exception as e:  # e.g. the spool cannot be written: one item fails, the worker goes on
                log.exception("uplink worker: %s", kind)
                self._next_retry = time.monotonic() + self.config.uplink.retry_min_s
                if kind == "utterance":
                    conn.send({"type": "error", "session": utterance.session,
                               "message": f"not accepted: {type(e).__name__}; hand it over again later"})

    def stop(self) -> None:
        self.stopping.set()
        self._wake_worker()
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
        for sink in self.sinks.values():
            with contextlib.suppress(Exception):
                getattr(sink, "close", lambda: None)()
        if self.household is not None:
            self.household.stop()

    def session_for(self, listener_session: str) -> str:
        """The uplink's session id for one of the listener's (identity.session_id: keyed with the uplink's
        secret, so no digit the listener chose can be read from it), remembered for what goes back."""
        ours = session_id(self.secret_path, listener_session)
        with self._sessions_lock:
            self._listener_sessions[ours] = listener_session
            while len(self._listener_sessions) > SESSIONS_KEPT:  # the oldest go first
                self._listener_sessions.pop(next(iter(self._listener_sessions)))
        return ours

    def listener_session(self, ours: str | None) -> str | None:
        """The listener's session for one of the uplink's (for what it tells the listener), if known."""
        with self._sessions_lock:
            return self._listener_sessions.get(ours) if ours else None

    def accept(self, utterance: Utterance) -> dict:
        """Gate an utterance, spool it for each sink, then try to deliver. Returns outcome by sink."""
        if utterance.pcm is not None:  # the audio that leaves is the uplink's re-quantised copy
            utterance = dataclasses.replace(utterance, pcm=requantise(utterance.pcm))
        payload = build_payload(utterance, self.session_for(utterance.session),
                                device_id(self.secret_path, self.config.identity.rotate_s),
                                self.config.uplink.homeassistant.language,
                                datetime.now(UTC).isoformat(timespec="milliseconds"))
        verdict = self.gate.check(payload)
        if not verdict.ok:
            self.counters["refused"] += 1
            log.warning("payload refused: %s", verdict.reason)
            # The refused values may hold the very identifier: the id (a hash), labels and counts only.
            with contextlib.suppress(AuditError):
                self.audit.append({"outcome": "refused", "reason": verdict.reason, "id": payload["id"],
                                   "redacted": payload["redacted"]})
            return {name: "refused" for name in self.sinks} or {"none": "refused"}
        items, bad = self.spool.items()
        for name, why in bad:
            self._quarantined(name, why)
        waiting = {(item["sink"], item["payload"]["id"]) for _, item in items}
        for name in self.sinks:
            if (name, payload["id"]) not in waiting:  # the listener may hand the same utterance over twice
                self.spool.put(name, payload, age_s=utterance.waited_s)
        left = self.deliver_spool()
        return {name: "spooled" if (name, payload["id"]) in left
                else "expired" if (name, payload["id"]) in self._expired_now else "sent" for name in self.sinks}

    NO_LISTENER = "no light: the listener is unreachable"

    def deliver_spool(self) -> set[tuple[str, str]]:
        """Send what the spool holds, oldest first. Returns the (sink, id) pairs still waiting."""
        self._expired_now = set()
        items, expired, bad = self.spool.prune()
        for name, why in bad:
            self._quarantined(name, why)
        for item in expired:
            self._expire(item, f"spooled longer than spool_max_age_s ({self.spool.max_age_s:g} s) "
                               "or past spool_max_items")
        blocked: set[str] = set()
        left: set[tuple[str, str]] = set()
        waiting: list[dict] = []
        # A new payload is tried at once; what already failed waits for its sink's back-off.
        untried = {item["sink"] for _, item in items if (item["sink"], item["payload"]["id"]) not in self._tried}
        # A reply to a command older than the newest one waiting is late (see _respond).
        self._newest_command = max([self._newest_command] + [
            item["spooled"] for _, item in items if getattr(self.sinks.get(item["sink"]), "max_delay_s", None)])
        for path, item in items:
            name, key = item["sink"], item["payload"]["id"]
            sink, state = self.sinks.get(name), self.sink_states.get(name)
            if sink is None:
                self.spool.remove(path)
                with contextlib.suppress(AuditError):
                    self.audit.append({"outcome": "expired", "sink": name, "id": key,
                                       "reason": "sink no longer configured"})
                continue
            if sink.max_delay_s is not None and time.time() - item["spooled"] > sink.max_delay_s:
                self.spool.remove(path)
                self._expire(item, self._why_late(sink, state))
                continue
            if name in blocked:
                left.add((name, key))
                waiting.append(item)
                continue  # keep the order: nothing overtakes an older payload to the same sink
            # A listener that is back after an absence need not wait out the back-off.
            light_back = state.last_error == self.NO_LISTENER and self.listener is not None
            if not state.credentials_may_work() or not (name in untried or light_back or state.due()):
                blocked.add(name)
                left.add((name, key))
                waiting.append(item)
                continue
            try:  # the spool outlives versions and crashes: what was spooled is checked again
                payload = parse_payload(item["payload"], self.rules)
                verdict = self.gate.check(payload)
                if not verdict.ok:
                    raise Refused("payload", verdict.reason)
            except Refused as e:
                self._quarantined(path.name, str(e), self.spool.quarantine(path))
                continue
            self._tried.add((name, key))
            outcome = self._send(sink, payload, item["spooled"])
            if outcome == "sent":
                self.spool.remove(path)
                self._tried.discard((name, key))
                state.delivered()
            elif outcome == "expired":
                self.spool.remove(path)
                self._expire(item, self._why_late(sink, state))
            else:
                state.failed()
                blocked.add(name)
                left.add((name, key))
                waiting.append(item)
        self._sink_problems()
        self._next_retry = time.monotonic() + self._next_wake(waiting)
        return left

    def _next_wake(self, waiting: list[dict]) -> float:
        """Seconds until a retry is due, a command expires, or a refused secret is worth a look."""
        waits = [60.0] + [s.wake_in() for s in self.sink_states.values() if s.refused]
        for item in waiting:
            sink = self.sinks[item["sink"]]
            waits.append(self.sink_states[sink.name].wake_in())
            if sink.max_delay_s is not None:
                waits.append(item["spooled"] + sink.max_delay_s - time.time())
        return max(0.0, min(waits))

    @staticmethod
    def _why_late(sink, state: SinkState) -> str:
        why = state.refused or state.last_error or "it could not be sent"
        return f"not delivered to {sink.upstream} within {sink.max_delay_s:g} s: {why}"

    def _expire(self, item: dict, reason: str) -> None:
        """Audit a payload dropped undelivered; a dropped command is the listener's to show."""
        self.counters["expired"] += 1
        payload, name = item["payload"], item["sink"]
        self._tried.discard((name, payload["id"]))
        self._expired_now.add((name, payload["id"]))
        log.warning("%s: payload %s dropped: %s", name, payload["id"], reason)
        with contextlib.suppress(AuditError):
            self.audit.append({"outcome": "expired", "sink": name, "id": payload["id"],
                               "session": payload.get("session"), "spooled": item["spooled"], "reason": reason})
        sink = self.sinks.get(name)
        conn = self.listener
        if sink is not None and sink.max_delay_s is not None and conn is not None:
            conn.send({"type": "dropped", "session": self.listener_session(payload.get("session")), "sink": name,
                       "reason": reason})

    def _send(self, sink, payload: dict, spooled: float) -> str:
        """One attempt: audit, light, send, light off, audit. Returns "sent", "failed" (it waits in
        the spool) or "expired" (a command that the light handshake made too late)."""
        state = self.sink_states[sink.name]
        entry = {"sink": sink.name, "destination": sink.destination, "id": payload["id"],
                 "payload": _as_audited(payload), "redacted": payload["redacted"]}
        try:
            self.audit.append({**entry, "outcome": "sending"})
        except AuditError as e:
            log.error("%s: nothing sent", e)
            self.counters["failed"] += 1
            self._problem("audit", f"{e}: nothing is sent until it can be")
            return "failed"
        self._problem("audit", None)
        light, why = self._light_on()
        if light is None:
            why = "no light: " + why
            log.warning("%s: nothing sent to %s; it waits in the spool", why, sink.name)
            state.last_error = why
            self.counters["spooled"] += 1
            with contextlib.suppress(AuditError):
                self.audit.append({**entry, "payload": None, "outcome": "spooled", "reason": why})
            return "failed"
        if sink.max_delay_s is not None and time.time() - spooled > sink.max_delay_s:
            self._light_off(light)
            return "expired"
        try:
            response = sink.send(payload)
        except AuthError as e:
            self._light_off(light)
            state.auth_failed(str(e))
            state.last_error = str(e)
            log.error("%s: %s; not retried until %s changes or %g s pass", sink.name, e,
                      " / ".join(sink.secret_files()) or "the configuration", state.auth_retry_s)
            with contextlib.suppress(AuditError):
                self.audit.append({**entry, "payload": None, "outcome": "refused-auth", "reason": str(e)})
            return "failed"
        except SinkError as e:
            self._light_off(light)
            state.last_error = str(e)
            self.counters["spooled"] += 1
            log.warning("%s: %s; spooled", sink.name, e)
            with contextlib.suppress(AuditError):
                self.audit.append({**entry, "payload": None, "outcome": "spooled", "reason": str(e)})
            return "failed"
        self._light_off(light)
        state.last_error = None
        self.counters["sent"] += 1
        with contextlib.suppress(AuditError):
            self.audit.append({**entry, "payload": None, "outcome": "sent"})
        if response and response.get("speech"):
            self._respond(response["speech"], self.listener_session(payload["session"]),
                          late=spooled < self._newest_command)
        return "sent"

    def _quarantined(self, name: str, why: str, failed: str | None = None) -> None:
        self.counters["quarantined"] += 1
        log.error("spool item %s moved to quarantine: %s", name, why)
        with contextlib.suppress(AuditError):
            self.audit.append({"outcome": "quarantined", "file": name, "reason": why + (f"; {failed}" if failed
                                                                                         else "")})

    def _sink_problems(self) -> None:
        for name, state in self.sink_states.items():
            state.credentials_may_work()  # a fixed secret file clears the refusal
            if state.refused:
                fix = " / ".join(state.sink.secret_files()) or "the configuration"
                self._problem(name, f"{state.refused}; fix {fix} (delivery resumes when it changes)")
            else:
                self._problem(name, None)

    def _problem(self, where: str, message: str | None) -> None:
        """Tell the listener (ring and status) about a problem here, or that it is gone."""
        if message:
            self._problems[where] = message
        else:
            self._problems.pop(where, None)
        combined = "; ".join(self._problems.values()) or None
        if combined != self.problem:
            self.problem = combined
            conn = self.listener
            if conn is not None:
                conn.send({"type": "problem", "message": combined})

    # -- no light, no send -----------------------------------------------------
    def _light_on(self) -> tuple[tuple[_Connection, int] | None, str]:
        """Ask the listener to show "sending"; ((connection, id), "") once it has, else (None, why).

        Only the connection that holds the light role is asked, and only its answer for this id
        counts. One that answers nothing at all (hung, stopped, half-open) loses the role: it is
        dropped, and the next listener connection that said hello lights the ring from then on."""
        conn = self.listener
        if conn is None:
            return None, "the listener is unreachable"
        self._light_seq += 1
        seq = self._light_seq
        wait = _LightWait()
        conn.lights[seq] = wait
        asked = time.monotonic()
        timeout = self.config.uplink.light_timeout_s
        if not conn.send({"type": "light", "state": "on", "id": seq}):
            conn.lights.pop(seq, None)
            return None, "the listener is unreachable"
        if not wait.event.wait(timeout + LIGHT_GRACE_S):
            conn.lights.pop(seq, None)
            conn.send({"type": "light", "state": "off", "id": seq})
            conn.close()
            return None, "the listener did not answer; its connection was dropped"
        if not wait.shown or wait.at - asked > timeout:
            conn.send({"type": "light", "state": "off", "id": seq})
            return None, "the listener did not show the light"
        return (conn, seq), ""

    def _light_off(self, lit: tuple[_Connection, int]) -> None:
        conn, seq = lit
        conn.send({"type": "light", "state": "off", "id": seq})  # on the connection that lit it

    def _respond(self, speech: str, session: str | None, late: bool = False) -> None:
        """Pass a reply on, with the session it answers. A reply to a command older than the
        newest one is late: the listener is told so, and it is not spoken."""
        conn = self.listener
        if conn is not None:
            conn.send({"type": "response", "session": session, "text": speech, "late": late})
        command = list(self.config.uplink.homeassistant.speak_command)
        if command and not late:
            try:
                subprocess.run(command, input=speech.encode(), timeout=60, check=False)
            except (OSError, subprocess.SubprocessError) as e:
                log.error("speak_command failed: %s", e)


def _lines(sock: socket.socket, max_line: int, on_fds=None):
    """Lines from a socket without their newline; None once a line is longer than max_line. Descriptors
    that come with the bytes (SCM_RIGHTS) go to on_fds, which closes them."""
    buf = bytearray()
    while True:
        chunk, fds, _, _ = socket.recv_fds(sock, 65536, 4)
        if fds:
            (on_fds or _close_all)(fds)
        if not chunk:
            return
        searched = len(buf)
        buf += chunk
        while (nl := buf.find(b"\n", searched)) >= 0:
            yield bytes(buf[:nl])
            del buf[: nl + 1]
            searched = 0
        if len(buf) > max_line:
            yield None
            return


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _as_audited(payload: dict) -> dict:
    """The payload as sent, with audio (if any) summarised by size and hash."""
    if "audio" not in payload:
        return payload
    raw = base64.b64decode(payload["audio"])  # built by protocol.wav_base64: valid
    return {**payload, "audio": {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}}


def run_uplink(config: Config) -> int:
    import signal

    # The handlers come first: a SIGTERM at any later moment (systemd may send one while the
    # socket is being made) stops the uplink through its clean-up, not the default death.
    stopping, running = threading.Event(), []

    def stop(signum, frame):
        log.info("uplink stopping on %s", signal.Signals(signum).name)
        stopping.set()  # (no lock of the main thread's: it only reads this flag)
        for uplink in running:
            stop_later(uplink.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # One uplink per state directory and per socket: a second one would share the spool
    # and unlink the first one's socket. The locks are held until the process ends.
    locks = [hold_lock(config.paths.state_dir / "uplink.lock", "earmuff uplink"),  # noqa: F841
             hold_lock(config.uplink_socket().with_name(config.uplink_socket().name + ".lock"), "earmuff uplink")]
    uplink = Uplink(config)
    running.append(uplink)
    if stopping.is_set():  # asked to stop before there was anything to clean up
        return 0
    uplink.start()
    if stopping.is_set():  # while the socket was being made: take it away again
        uplink.stop()
        return 0
    notify("READY=1")
    uplink.run()
    notify("STOPPING=1")
    uplink.stop()
    return 0


def audit_path(config: Config) -> Path:
    return config.paths.state_dir / "audit.jsonl"
