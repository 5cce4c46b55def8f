"""The listener's end of the uplink socket.

It hands each redacted utterance to the uplink, answers the uplink's light
requests by showing "sending" on the ring and acknowledging only once it is
drawn (no light, no send), keeps the light on for at least min_light_s, and
passes Home Assistant's spoken replies on as "response" events, marked late
unless they answer the newest utterance, and commands the uplink dropped as
"command_dropped" events. It reconnects with backoff; utterances made while
the uplink is away (or busy) wait in a small queue in memory. The uplink gives
the light role to the first connection that says hello, so this link says
hello before anything.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from device.files import held_lock

log = logging.getLogger(__name__)

PENDING_MAX = 20
BUSY_RETRY_S = 0.5
RETRY_MIN_S, RETRY_MAX_S = 0.2, 5.0  # reconnecting: exponential back-off between these, with jitter
STABLE_S = 5.0  # a connection that lasted this long starts the back-off afresh


class UplinkLink:
    def __init__(self, path: Path, ring, min_light_s: float = 0.5, on_event: Callable[[str, dict], None] | None = None,
                 light_timeout_s: float = 2.0, stale_after_s: float | None = None, lock: Path | None = None,
                 on_mute: Callable[[], None] | None = None, report_state: bool = False):
        self.path = Path(path)
        self.ring = ring
        self.min_light_s = min_light_s
        self.light_timeout_s = light_timeout_s
        self.on_event = on_event or (lambda name, detail: None)
        self.connected = False
        self.ever_connected = False
        self.problem: str | None = None  # what the uplink says is wrong on its side
        self.last_session: str | None = None  # the newest utterance handed over
        self.dropped: dict | None = None  # the last command the uplink dropped, and why
        # Every sink is a command: an utterance that waited here longer than this (the uplink was
        # away) is dropped, not handed over to run late. None: some sink keeps records.
        self.stale_after_s = stale_after_s
        self._submitted: dict[str, float] = {}  # session -> monotonic time of submit()
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._pending: deque[dict] = deque()  # not yet written to the uplink (at most PENDING_MAX new ones)
        self._unanswered: dict[str, dict] = {}  # written, waiting for "accepted"
        self._settled = threading.Condition()
        self._lights: set[int] = set()
        self._timers: list[threading.Timer] = []
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name="uplink-link", daemon=True)
        # The listener's lock (its path) to prove at hello; None: the newest one called listener.lock.
        self.lock = lock
        # The one command the listener takes from the uplink: mute (Home Assistant's button). Never unmute.
        self.on_mute = on_mute
        # With [discovery] on: what the ring shows goes to the uplink (Home Assistant shows it).
        self.report_state = report_state
        self._state: tuple[str, bool] | None = None
        self._floors: dict[int, Floor] = {}  # claims not answered yet
        self._held_floors: dict[int, Floor] = {}  # claims answered go, while a late, louder claim may take them
        self._floor_seq = 0

    def start(self) -> None:
        self._thread.start()

    # -- hand-over -----------------------------------------------------------
    def submit(self, message: dict) -> None:
        """Queue an utterance for the uplink; never blocks the audio loop."""
        self.last_session = message["session"]  # a reply to any other is late
        self._submitted[message["session"]] = time.monotonic()
        with self._lock:
            if len(self._pending) >= PENDING_MAX:
                dropped = self._pending.popleft()
                self._submitted.pop(dropped["session"], None)
                log.error("uplink unreachable: dropped utterance %s", dropped["session"])
            self._pending.append(message)
        self._flush_pending()

    def _flush_pending(self) -> None:
        stale = []
        with self._lock:
            sock = self._sock
            while sock is not None and self._pending:
                message = self._pending[0]
                waited = time.monotonic() - self._submitted.get(message["session"], time.monotonic())
                if self.stale_after_s is not None and waited > self.stale_after_s:
                    self._pending.popleft()
                    self._submitted.pop(message["session"], None)
                    stale.append((message["session"], waited))
                    continue
                try:
                    sock.sendall((json.dumps({**message, "waited_s": round(waited, 3)}) + "\n").encode())
                except OSError:
                    return
                self._pending.popleft()
                with self._settled:
                    self._unanswered[message["session"]] = message
        for session, waited in stale:
            self._dropped({"session": session, "sink": None,
                           "reason": f"the uplink was unreachable for {waited:.0f} s"})

    @property
    def unsettled(self) -> int:
        return len(self._pending) + len(self._unanswered)

    def wait_settled(self, timeout: float) -> bool:
        """Wait until every utterance handed over was delivered or spooled by the uplink."""
        deadline = time.monotonic() + timeout
        with self._settled:
            while self._pending or self._unanswered:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._settled.wait(min(left, 0.2))
        return True

    # -- the connection ------------------------------------------------------
    def _run(self) -> None:
        delay = RETRY_MIN_S
        while not self._closing.is_set():
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(str(self.path))
            except OSError as e:
                sock.close()
                if self.connected or delay == RETRY_MIN_S:
                    log.warning("uplink not reachable at %s (%s); retrying", self.path, e.strerror or e)
                self.connected = False
                delay = self._back_off(delay)
                continue
            connected_at = time.monotonic()
            with self._lock:
                try:  # hello before anything else, so no hand-over overtakes it; with the listener's lock
                    # (its open file) as proof that this is the process that drives the ring
                    proof = (self.lock and held_lock(self.lock)) or held_lock("listener.lock")
                    socket.send_fds(sock, [b'{"type": "hello"}\n'], proof)
                except OSError:
                    sock.close()
                    delay = self._back_off(delay)
                    continue
                self._sock = sock
                # Anything written but not answered before a reconnect is written again.
                with self._settled:
                    self._pending.extendleft(reversed(list(self._unanswered.values())))
                    self._unanswered.clear()
            self.connected = self.ever_connected = True
            self.on_event("uplink_connected", {})
            if self.report_state and self._state is not None:
                self._send(sock, {"type": "state", "state": self._state[0], "muted": self._state[1]})
            self._flush_pending()
            self._read(sock)
            with self._lock:
                self._sock = None
            self.connected = False
            self._all_lights_off()
            for floor in list(self._floors.values()):  # no answer will come on this connection
                floor.settle(True, None, "the uplink went away")
            self._floors.clear()
            self._held_floors.clear()
            with contextlib.suppress(OSError):
                sock.close()
            if not self._closing.is_set():
                self.on_event("uplink_lost", {})
            # An uplink that takes the connection and drops it at once (at its cap, say) is asked again
            # later and later; one that held it for a while, soon.
            delay = self._back_off(RETRY_MIN_S if time.monotonic() - connected_at >= STABLE_S else delay)

    def _back_off(self, delay: float) -> float:
        """Wait about `delay` (jittered, so that restarts do not come in step); the next wait, doubled."""
        self._closing.wait(delay * random.uniform(0.5, 1.0))
        return min(delay * 2, RETRY_MAX_S)

    def _read(self, sock: socket.socket) -> None:
        buf = b""
        while not self._closing.is_set():
            try:
                chunk = sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    message = json.loads(line)
                    self._handle(sock, message)
                except (ValueError, KeyError, TypeError, AttributeError) as e:
                    log.error("bad message from the uplink: %s", e)

    def _handle(self, sock: socket.socket, message: dict) -> None:
        kind = message["type"]
        if kind == "light":
            seq = message["id"]
            if not isinstance(seq, int) or isinstance(seq, bool):
                raise TypeError("light id is not an integer")
            if message["state"] == "on":
                self._lights.add(seq)
                self.ring.set_sending(True)
                shown = self.ring.wait_shown("sending", self.light_timeout_s)
                self._send(sock, {"type": "light_ack", "id": seq, "shown": shown})
                self.on_event("send_begin", {})
            else:
                self._light_off(seq)
                self.on_event("send_end", {})
        elif kind == "accepted":
            self._submitted.pop(message["session"], None)
            with self._settled:
                self._unanswered.pop(message["session"], None)
                self._settled.notify_all()
            self.on_event("uplink_outcome", {"session": message["session"], "outcome": message.get("outcome")})
        elif kind == "busy":  # the uplink's queue is full: hand it over again in a moment
            with self._lock, self._settled:
                message = self._unanswered.pop(message["session"], None)
                if message is not None:
                    self._pending.append(message)
            timer = threading.Timer(BUSY_RETRY_S, self._flush_pending)
            timer.daemon = True
            timer.start()
        elif kind == "problem":
            self.problem = message.get("message")
            self.on_event("uplink_problem", {"message": self.problem})
        elif kind == "response":
            # A reply to anything but the newest utterance must not be taken as its answer.
            session = message.get("session")
            late = bool(message.get("late")) or session != self.last_session
            self.on_event("response", {"session": session, "text": message.get("text"), "late": late})
        elif kind == "dropped":
            self._dropped(message)
        elif kind == "error":
            log.error("uplink: %s", message.get("message"))
            session = message.get("session")
            if session:
                self._submitted.pop(session, None)
                with self._settled:
                    self._unanswered.pop(session, None)
                    self._settled.notify_all()
        elif kind == "floor":
            floor = self._floors.pop(message["id"], None)
            if floor is not None:
                go, room = message["go"], message.get("room")
                if not isinstance(go, bool) or not (room is None or isinstance(room, str) and len(room) <= 64):
                    raise TypeError("floor answer is not go true/false with a room")
                floor.settle(go, room)
                if go:
                    self._held_floors[floor.id] = floor
                    for old in sorted(self._held_floors)[:-4]:  # only the last wakes can still be taken over
                        del self._held_floors[old]
        elif kind == "floor_lost":
            # Another speaker's late, louder claim took a floor we were given: this speaker can only stop.
            ident, room = message.get("id"), message.get("room")
            floor = self._held_floors.pop(ident, None) if isinstance(ident, int) else None
            if floor is not None and isinstance(room, str) and len(room) <= 64:
                floor.lose(room)
        elif kind == "hello":  # the uplink's answer to ours (its spool, whether we light the ring)
            pass
        elif kind == "mute" and set(message) == {"type"}:
            log.info("the uplink passes on a mute (Home Assistant's button)")
            if self.on_mute is not None:
                self.on_mute()
        else:  # the uplink gives no other command: an unmute, above all, is never taken from it
            log.error("refused a message from the uplink: %r is not one the listener takes", str(kind)[:32])
            self.on_event("uplink_refused", {"type": str(kind)[:32]})

    # -- arbitration and state --------------------------------------------------
    def ask_floor(self, wakeword: str, score: float, loudness: float) -> Floor | None:
        """Ask the uplink whether this wake goes on ([arbitration]); None if the uplink is not there
        (then this speaker goes on alone). Never blocks: the answer comes to the Floor."""
        with self._lock:
            sock = self._sock
            if sock is None:
                return None
            self._floor_seq += 1
            floor = Floor(self._floor_seq)
            self._floors[floor.id] = floor
            try:
                sock.sendall((json.dumps({"type": "claim", "id": floor.id, "wakeword": wakeword,
                                          "score": round(float(score), 4), "loudness": round(float(loudness), 2),
                                          "time": round(time.time(), 3)}) + "\n").encode())
            except OSError:
                self._floors.pop(floor.id, None)
                return None
        return floor

    def state(self, state: str, muted: bool) -> None:
        """What the ring shows now (with [discovery]: for Home Assistant, through the uplink)."""
        if not self.report_state or state not in ("idle", "listening", "thinking", "sending", "muted", "error"):
            return
        self._state = (state, muted)
        with self._lock:
            sock = self._sock
        if sock is not None:
            self._send(sock, {"type": "state", "state": state, "muted": muted})

    def _dropped(self, message: dict) -> None:
        """A command dropped, by the uplink or here, rather than run late."""
        self.dropped = {"time": time.time(), "session": message.get("session"),
                        "sink": message.get("sink"), "reason": message.get("reason")}
        log.error("command dropped, never run late: %s", message.get("reason"))
        self.on_event("command_dropped", dict(self.dropped))

    def _light_off(self, seq: int) -> None:
        """Off once the light has been on for min_light_s, without blocking the reader."""
        self._lights.discard(seq)
        remaining = self.ring.shown_at + self.min_light_s - time.clock_gettime(time.CLOCK_MONOTONIC)

        def off():
            if not self._lights:
                self.ring.set_sending(False)

        if remaining > 0 and self.ring.shown == "sending":
            timer = threading.Timer(remaining, off)
            timer.start()  # before close() can see it: a timer not yet started cannot be joined
            self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        else:
            off()

    def _all_lights_off(self) -> None:
        for seq in list(self._lights):
            self._light_off(seq)

    def _send(self, sock: socket.socket, message: dict) -> None:
        with self._lock, contextlib.suppress(OSError):
            sock.sendall((json.dumps(message) + "\n").encode())

    def close(self) -> None:
        for timer in list(self._timers):  # let the last "sending" light finish its minimum time
            timer.join(self.min_light_s + 1)
        self._closing.set()
        with self._lock:
            if self._sock is not None:
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)
        if self._thread.ident is not None:  # close() before start() is fine too
            self._thread.join(timeout=5)


class Floor:
    """The uplink's answer to one claim: go on (True) or stand down for another speaker's room."""

    def __init__(self, ident: int):
        self.id = ident
        self.asked = time.monotonic()
        self.answered = threading.Event()
        self.go: bool | None = None
        self.room: str | None = None
        self.why = ""
        self.latency_s: float | None = None
        self.lost = False  # a go taken back: another speaker's late, louder claim has the floor
        self.lost_to: str | None = None
        self.lost_after_s: float | None = None

    def settle(self, go: bool, room: str | None, why: str = "") -> None:
        if self.answered.is_set():
            return
        self.go, self.room, self.why = go, room, why
        self.latency_s = time.monotonic() - self.asked
        self.answered.set()

    def lose(self, room: str) -> None:
        """After a go: a louder speaker's claim came late and took the floor; this speaker stands down."""
        if self.go and not self.lost:
            self.lost_to, self.lost_after_s = room, time.monotonic() - self.asked
            self.lost = True
