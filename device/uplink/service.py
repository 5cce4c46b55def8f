"""The uplink process: socket for the listener, the gate, "no light, no send", delivery.

Every accepted payload is written to the spool before anything is sent and
removed only once delivered, so nothing is lost to a crash; delivery runs
from the spool, oldest first, one sink at a time. Before the first byte of a
send, the listener must confirm that the ring shows "sending"; if it does not
(within light_timeout_s, or it is not connected), nothing is sent and the
payload waits in the spool.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import queue
import socket
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from device.config import Config
from device.notify import notify
from device.redact import Redactor
from device.uplink.audit import AuditError, AuditLog
from device.uplink.gate import Gate
from device.uplink.identity import device_id, hardware_identifiers
from device.uplink.sinks import SinkError, make_sinks
from device.uplink.spool import Spool

log = logging.getLogger(__name__)

MAX_LINE = 16 * 1024 * 1024  # room for redacted audio when send_audio is on


class _ListenerConnection:
    """The listener's end of the uplink socket."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.lock = threading.Lock()
        self.alive = True

    def send(self, message: dict) -> bool:
        data = (json.dumps(message) + "\n").encode()
        with self.lock:
            try:
                self.sock.sendall(data)
                return True
            except OSError:
                self.alive = False
                return False


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
        self.secret_path = state / "device-secret"
        self.path = config.uplink_socket()
        self.listener: _ListenerConnection | None = None
        self.work: queue.Queue = queue.Queue()
        self.stopping = threading.Event()
        self.counters = {"sent": 0, "spooled": 0, "refused": 0, "expired": 0, "failed": 0}
        self._light_seq = 0
        self._light_waits: dict[int, tuple[threading.Event, list]] = {}
        self._retry_delay = u.retry_min_s
        self._next_retry = 0.0
        self._server: socket.socket | None = None
        self.problem: str | None = None  # e.g. the audit log cannot be written

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
        server.listen(4)
        self._server = server
        threading.Thread(target=self._accept, name="uplink-accept", daemon=True).start()
        log.info("uplink socket: %s; sinks: %s", self.path, ", ".join(self.sinks) or "none")

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(sock,), name="uplink-listener", daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        conn = _ListenerConnection(sock)
        self.listener = conn  # the newest listener is the one that lights the ring
        self.work.put(("retry", None))  # it may be back after an absence: try the spool
        buf = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
                if len(buf) > MAX_LINE and b"\n" not in buf:
                    conn.send({"type": "error", "message": "line too long"})
                    break
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    self._handle(conn, line)
        except OSError:
            pass
        finally:
            conn.alive = False
            if self.listener is conn:
                self.listener = None
            with contextlib.suppress(OSError):
                sock.close()

    def _handle(self, conn: _ListenerConnection, line: bytes) -> None:
        if not line.strip():
            return
        try:
            message = json.loads(line)
            kind = message["type"]
        except (ValueError, KeyError, TypeError):
            conn.send({"type": "error", "message": "not a JSON object with a type"})
            return
        if kind == "light_ack":
            waiter = self._light_waits.get(message.get("id"))
            if waiter is not None:
                waiter[1].append(bool(message.get("shown")))
                waiter[0].set()
        elif kind == "utterance":
            problem = _check_utterance(message)
            if problem:
                conn.send({"type": "error", "session": message.get("session"), "message": problem})
            else:
                self.work.put(("utterance", (conn, message)))
        elif kind == "hello":
            conn.send({"type": "hello", "spool": len(self.spool)})
            if self.problem:
                conn.send({"type": "problem", "message": self.problem})
        else:
            conn.send({"type": "error", "message": f"unknown message type {kind!r}"})

    # -- the worker -----------------------------------------------------------
    def run(self) -> None:
        """Process utterances and retry the spool until stop()."""
        self.work.put(("retry", None))
        while not self.stopping.is_set():
            timeout = max(0.05, self._next_retry - time.monotonic()) if len(self.spool) else None
            try:
                kind, item = self.work.get(timeout=timeout)
            except queue.Empty:
                kind, item = "retry", None
            if kind == "stop":
                break
            if kind == "utterance":
                conn, message = item
                outcome = self.accept(message)
                conn.send({"type": "accepted", "session": message["session"], "outcome": outcome})
            else:
                self.deliver_spool()

    def stop(self) -> None:
        self.stopping.set()
        self.work.put(("stop", None))
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        for sink in self.sinks.values():
            with contextlib.suppress(Exception):
                getattr(sink, "close", lambda: None)()

    def accept(self, message: dict) -> dict:
        """Gate an utterance, spool it for each sink, then try to deliver. Returns outcome by sink."""
        payload = self._payload(message)
        verdict = self.gate.check(payload)
        if not verdict.ok:
            self.counters["refused"] += 1
            log.warning("payload refused: %s", verdict.reason)
            # The refused text may hold the very identifier: record the labels, not the payload.
            with contextlib.suppress(AuditError):
                self.audit.append({"outcome": "refused", "reason": verdict.reason, "id": payload["id"],
                                   "session": payload["session"], "redacted": payload["redacted"]})
            return {name: "refused" for name in self.sinks} or {"none": "refused"}
        waiting = {(item["sink"], item["payload"]["id"]) for _, item in self.spool.items()}
        for name in self.sinks:
            if (name, payload["id"]) not in waiting:  # the listener may hand the same utterance over twice
                self.spool.put(name, payload)
        left = self.deliver_spool()
        return {name: "spooled" if (name, payload["id"]) in left else "sent" for name in self.sinks}

    def _payload(self, message: dict) -> dict:
        payload = {
            # The idempotency key: the same on every retry, and when the listener hands the same
            # utterance over again after a reconnect (its session ids are random).
            "id": hashlib.sha256(f"earmuff-payload:{message['session']}".encode()).hexdigest()[:32],
            "device": device_id(self.secret_path, self.config.identity.rotate_s),
            "session": message["session"],
            "text": message["text"],
            "language": self.config.uplink.homeassistant.language,
            "wakeword": message.get("wakeword"),
            "seconds": message.get("seconds", 0.0),
            "redacted": message.get("redacted", {}),
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        if self.config.uplink.send_audio and message.get("audio"):
            payload["audio"] = message["audio"]  # already redacted by the listener
        return payload

    def deliver_spool(self) -> set[tuple[str, str]]:
        """Send what the spool holds, oldest first. Returns the (sink, id) pairs still waiting."""
        items, expired = self.spool.prune()
        for item in expired:
            self.counters["expired"] += 1
            with contextlib.suppress(AuditError):
                self.audit.append({"outcome": "expired", "sink": item["sink"], "id": item["payload"]["id"],
                                   "spooled": item["spooled"]})
        blocked: set[str] = set()
        left: set[tuple[str, str]] = set()
        for path, item in items:
            name = item["sink"]
            if name in blocked:
                left.add((name, item["payload"]["id"]))
                continue  # keep the order: nothing overtakes an older payload to the same sink
            sink = self.sinks.get(name)
            if sink is None:
                self.spool.remove(path)
                with contextlib.suppress(AuditError):
                    self.audit.append({"outcome": "expired", "sink": name, "id": item["payload"]["id"],
                                       "reason": "sink no longer configured"})
                continue
            if self._send(sink, item["payload"]):
                self.spool.remove(path)
                self._retry_delay = self.config.uplink.retry_min_s
            else:
                blocked.add(name)
                left.add((name, item["payload"]["id"]))
        if blocked:
            self._next_retry = time.monotonic() + self._retry_delay
            self._retry_delay = min(self._retry_delay * 2, self.config.uplink.retry_max_s)
        return left

    def _send(self, sink, payload: dict) -> bool:
        """One attempt: audit, light, send, light off, audit. True once delivered."""
        entry = {"sink": sink.name, "destination": sink.destination, "id": payload["id"],
                 "payload": _as_audited(payload), "redacted": payload["redacted"]}
        try:
            self.audit.append({**entry, "outcome": "sending"})
        except AuditError as e:
            log.error("%s: nothing sent", e)
            self.counters["failed"] += 1
            self._problem(f"{e}: nothing is sent until it can be")
            return False
        self._problem(None)
        light = self._light_on()
        if light is None:
            why = "the listener is unreachable" if self.listener is None else "the listener did not show the light"
            log.warning("%s: nothing sent to %s; it waits in the spool", why, sink.name)
            self.counters["spooled"] += 1
            with contextlib.suppress(AuditError):
                self.audit.append({**entry, "payload": None, "outcome": "spooled",
                                   "reason": "no light: " + why})
            return False
        try:
            response = sink.send(payload)
        except SinkError as e:
            self._light_off(light)
            self.counters["spooled"] += 1
            log.warning("%s: %s; spooled", sink.name, e)
            with contextlib.suppress(AuditError):
                self.audit.append({**entry, "payload": None, "outcome": "spooled", "reason": str(e)})
            return False
        self._light_off(light)
        self.counters["sent"] += 1
        with contextlib.suppress(AuditError):
            self.audit.append({**entry, "payload": None, "outcome": "sent"})
        if response and response.get("speech"):
            self._respond(response["speech"])
        return True

    def _problem(self, message: str | None) -> None:
        """Tell the listener (ring and status) about a problem here, or that it is gone."""
        if message != self.problem:
            self.problem = message
            conn = self.listener
            if conn is not None:
                conn.send({"type": "problem", "message": message})

    # -- no light, no send -----------------------------------------------------
    def _light_on(self) -> int | None:
        conn = self.listener
        if conn is None or not conn.alive:
            return None
        self._light_seq += 1
        seq = self._light_seq
        event, result = threading.Event(), []
        self._light_waits[seq] = (event, result)
        try:
            if not conn.send({"type": "light", "state": "on", "id": seq}):
                return None
            if not event.wait(self.config.uplink.light_timeout_s) or not result or not result[0]:
                conn.send({"type": "light", "state": "off", "id": seq})
                return None
            return seq
        finally:
            self._light_waits.pop(seq, None)

    def _light_off(self, seq: int) -> None:
        conn = self.listener
        if conn is not None:
            conn.send({"type": "light", "state": "off", "id": seq})

    def _respond(self, speech: str) -> None:
        conn = self.listener
        if conn is not None:
            conn.send({"type": "response", "text": speech})
        command = list(self.config.uplink.homeassistant.speak_command)
        if command:
            try:
                subprocess.run(command, input=speech.encode(), timeout=60, check=False)
            except (OSError, subprocess.SubprocessError) as e:
                log.error("speak_command failed: %s", e)


def _as_audited(payload: dict) -> dict:
    """The payload as sent, with audio (if any) summarised by size and hash."""
    if "audio" not in payload:
        return payload
    audio = payload["audio"]
    raw = base64.b64decode(audio) if isinstance(audio, str) else b""
    return {**payload, "audio": {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}}


def _check_utterance(message: dict) -> str | None:
    if not isinstance(message.get("session"), str) or not message["session"]:
        return "utterance needs a session id (string)"
    if not isinstance(message.get("text"), str):
        return "utterance needs text (string)"
    if not isinstance(message.get("redacted", {}), dict):
        return "redacted must be an object of counts by label"
    if "audio" in message and not isinstance(message["audio"], str):
        return "audio must be base64 text"
    return None


def run_uplink(config: Config) -> int:
    import signal

    uplink = Uplink(config)
    uplink.start()

    def stop(signum, frame):
        log.info("uplink stopping on %s", signal.Signals(signum).name)
        uplink.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    notify("READY=1")
    uplink.run()
    notify("STOPPING=1")
    uplink.stop()
    return 0


def audit_path(config: Config) -> Path:
    return config.paths.state_dir / "audit.jsonl"
