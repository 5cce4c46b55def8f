"""The uplink process: socket for the listener, the gate, "no light, no send", delivery.

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
from device.files import hold_lock
from device.notify import notify
from device.redact import Redactor
from device.uplink.audit import AuditError, AuditLog
from device.uplink.delivery import SinkState
from device.uplink.gate import Gate
from device.uplink.identity import device_id, hardware_identifiers
from device.uplink.sinks import AuthError, SinkError, make_sinks
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
        self.gate = Gate(Redactor(config.redact.generic_digits),
                         hardware_identifiers() + list(config.identity.never_send))
        self.secret_path = state / "device-secret"
        self.path = config.uplink_socket()
        self.listener: _ListenerConnection | None = None
        self.work: queue.Queue = queue.Queue()
        self.stopping = threading.Event()
        self.counters = {"sent": 0, "spooled": 0, "refused": 0, "expired": 0, "failed": 0}
        self._light_seq = 0
        self._light_waits: dict[int, tuple[threading.Event, list]] = {}
        self.sink_states = {name: SinkState(sink, u.retry_min_s, u.retry_max_s, u.auth_retry_s)
                            for name, sink in self.sinks.items()}
        self._tried: set[tuple[str, str]] = set()  # (sink, payload id) attempted since start
        self._newest_command = 0.0  # when the newest command payload was spooled
        self._next_retry = 0.0
        self._server: socket.socket | None = None
        self.problem: str | None = None  # what the listener shows: the audit log, a refused token...
        self._problems: dict[str, str] = {}  # by where: "audit" or a sink's name

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
            waiting = len(self.spool) or any(s.refused for s in self.sink_states.values())
            timeout = max(0.05, self._next_retry - time.monotonic()) if waiting else None
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

    NO_LISTENER = "no light: the listener is unreachable"

    def deliver_spool(self) -> set[tuple[str, str]]:
        """Send what the spool holds, oldest first. Returns the (sink, id) pairs still waiting."""
        items, expired = self.spool.prune()
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
            self._tried.add((name, key))
            outcome = self._send(sink, item["payload"], item["spooled"])
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
        log.warning("%s: payload %s dropped: %s", name, payload["id"], reason)
        with contextlib.suppress(AuditError):
            self.audit.append({"outcome": "expired", "sink": name, "id": payload["id"],
                               "session": payload.get("session"), "spooled": item["spooled"], "reason": reason})
        sink = self.sinks.get(name)
        conn = self.listener
        if sink is not None and sink.max_delay_s is not None and conn is not None:
            conn.send({"type": "dropped", "session": payload.get("session"), "sink": name, "reason": reason})

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
        light = self._light_on()
        if light is None:
            why = self.NO_LISTENER if self.listener is None else "no light: the listener did not show the light"
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
            self._respond(response["speech"], payload["session"], late=spooled < self._newest_command)
        return "sent"

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

    def _respond(self, speech: str, session: str, late: bool = False) -> None:
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

    # One uplink per state directory and per socket: a second one would share the spool
    # and unlink the first one's socket. The locks are held until the process ends.
    locks = [hold_lock(config.paths.state_dir / "uplink.lock", "earmuff uplink"),  # noqa: F841
             hold_lock(config.uplink_socket().with_name(config.uplink_socket().name + ".lock"), "earmuff uplink")]
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
