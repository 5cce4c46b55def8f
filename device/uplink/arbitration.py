"""Wake arbitration: several speakers heard one wake word; the one that heard it best answers.

Each speaker's uplink posts a claim on the household's MQTT broker when its
listener wakes, collects the other speakers' claims for the same word that
reach it within `window` of its own, and decides with one rule (`winner`):
the best loudness-weighted score, ties broken by id. Every speaker sees the
same claims and applies the same rule, so all reach the same answer without
a coordinator.

Claims are grouped by when they reach this speaker (its own monotonic clock),
not by the time they carry: the speakers' clocks may disagree by seconds, the
broker's delivery by milliseconds. One wake's group is every claim for the
word that arrives within `window` of the first one (its anchor); every speaker
sees the same anchor, so all agree on the group, and each decides when the
anchor's window closes. A claim that comes later than that, but within
SAME_WAKE_S of the anchor, is late for a wake already settled (two wakes of one
word by one household within a second are one wake): if it beats every claim of
the wake so far it takes the floor over (detectors fire up to half a second apart, and
the louder speaker is often the later one), and the speaker that held it yields
(`on_lost`: it drops what it has heard, before anything was sent); else it
stands down at once. Every speaker replays the same claims in the order the
broker delivered them (`_holder`), so all agree on who holds the floor. A claim
more than SAME_WAKE_S after the anchor starts a new wake.

A claim holds only: a random id made at install (identity.install_id, never
the serial, MAC or hostname), the room the owner named, the wake word, the
sender's wake time, its score and a loudness (the wake segment's speech level
over the noise floor, dB). Nothing heard. What does not parse as exactly that
is dropped and counted, never acted on.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from device.config import MAX_ROOM, ROOM_CHARS

INSTALL_ID = re.compile(r"[0-9a-f]{16}")
WORD = re.compile(r"[A-Za-z0-9_.-]{1,64}")  # a wake word model's name
CLAIM_KEYS = {"v", "id", "room", "word", "time", "score", "loudness"}
MAX_CLAIM_BYTES = 512
LOUDNESS_RANGE = (-60.0, 150.0)  # dB over the noise floor
MIN_SCORE = 0.001
SCORE_KNEE = 0.5  # a wake scored below this counts as quieter
SAME_WAKE_S = 1.0  # claims for one word this close to the first are one wake (at least twice the window)


@dataclass(frozen=True)
class Claim:
    id: str  # the speaker's install id
    room: str
    word: str
    time: float  # the sender's wall clock at its wake, seconds (informative only: clocks differ)
    score: float  # the wake word's score, 0-1
    loudness: float  # the wake segment's speech level over the noise floor, dB

    def encode(self) -> bytes:
        return json.dumps({"v": 1, "id": self.id, "room": self.room, "word": self.word,
                           "time": round(self.time, 3), "score": round(self.score, 4),
                           "loudness": round(self.loudness, 2)}, separators=(",", ":")).encode()


class BadClaim(ValueError):
    pass


def _number(value, name: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not lo <= value <= hi:
        raise BadClaim(f"{name} is not a number from {lo:g} to {hi:g}")
    return float(value)


def parse_claim(data: bytes) -> Claim:
    """A claim as it came off the broker -> Claim, or BadClaim naming the field (never its value)."""
    if not isinstance(data, (bytes, bytearray)) or len(data) > MAX_CLAIM_BYTES:
        raise BadClaim(f"not a claim: more than {MAX_CLAIM_BYTES} bytes")
    try:
        message = json.loads(data, parse_constant=lambda name: math.nan)
    except (ValueError, RecursionError):
        raise BadClaim("not JSON") from None
    if not isinstance(message, dict) or set(message) != CLAIM_KEYS or message.get("v") != 1:
        raise BadClaim("not the fields of a claim (v 1)")
    ident, room, word = message["id"], message["room"], message["word"]
    if not isinstance(ident, str) or not INSTALL_ID.fullmatch(ident):
        raise BadClaim("id is not 16 lowercase hex digits")
    if not isinstance(room, str) or not room_ok(room):
        raise BadClaim("room is not a room name")
    if not isinstance(word, str) or not WORD.fullmatch(word):
        raise BadClaim("word is not a wake word name")
    return Claim(ident, room, word, _number(message["time"], "time", 0, 1e11),
                 _number(message["score"], "score", 0.0, 1.0),
                 _number(message["loudness"], "loudness", *LOUDNESS_RANGE))


def room_ok(room: str) -> bool:
    return 0 < len(room) <= MAX_ROOM and all(ch in ROOM_CHARS for ch in room) and room == room.strip()


def strength(claim: Claim) -> float:
    """The loudness-weighted score: the loudness (dB), less 10 log10(score / SCORE_KNEE) for a score below
    SCORE_KNEE, so a doubtful wake (a score of 0.25: 3 dB) loses to a sure one as loud. Above the knee the
    score does not count: every speaker heard the same words, and among sure wakes the detector's score
    says little about who is nearest (weighting it all the way picked the loudest speaker less often in
    benchmarks/arbitration.py's trials with other seeds). Rounded, so every speaker computes the same number."""
    return round(claim.loudness + 10 * math.log10(min(1.0, max(claim.score, MIN_SCORE) / SCORE_KNEE)), 2)


def winner(claims: list[Claim]) -> Claim:
    """The one rule: the strongest claim wins; between equals, the smallest id."""
    return min(claims, key=lambda c: (-strength(c), c.id))


@dataclass(frozen=True)
class Decision:
    go: bool
    room: str | None  # the winner's room
    claims: int  # how many speakers claimed this wake (1: alone)
    why: str = ""  # why this speaker went on alone, if it did


class Arbiter:
    """Collects claims from the broker and decides this speaker's wakes.

    `publish(bytes) -> bool` posts a claim (False: it could not); `connected() -> bool` says whether the
    broker connection is up. ask() answers at once when the broker is away; else its claim is posted, and
    when it comes back from the broker (so that every claim's arrival is timed alike, broker to here) the
    wake's anchor is known: the answer comes when the anchor's window closes, or at once if late. No echo
    within the window and ECHO_GRACE_S: the broker is not passing claims on, and the speaker goes alone."""

    ECHO_GRACE_S = 0.025  # a claim comes back from a home broker in a few ms

    def __init__(self, me: str, room: str, window_s: float, publish: Callable[[bytes], bool],
                 connected: Callable[[], bool], clock: Callable[[], float] = time.monotonic):
        self.me, self.room, self.window_s = me, room, window_s
        self.publish, self.connected, self.clock = publish, connected, clock
        self.same_wake_s = max(SAME_WAKE_S, 2 * window_s)
        self._heard: deque[tuple[float, Claim]] = deque(maxlen=256)  # (arrival, claim), ours included
        self._pending: dict[bytes, _Pending] = {}  # our claims posted, not yet back from the broker
        self._holding: dict[str, _Holding] = {}  # word -> the wake whose floor we hold, while a late claim may take it
        self._lock = threading.Lock()
        self.bad = 0  # claims that did not parse

    def _later(self, delay: float, fn: Callable[[], None]) -> None:
        timer = threading.Timer(max(0.0, delay), fn)
        timer.daemon = True
        timer.start()

    def heard(self, data: bytes) -> str | None:
        """A message on the claims topic (ours come back too). Returns why it was dropped, or None."""
        try:
            claim = parse_claim(data)
        except BadClaim as e:
            self.bad += 1
            return str(e)
        now = self.clock()
        with self._lock:
            while self._heard and now - self._heard[0][0] > 3 * self.same_wake_s:
                self._heard.popleft()
            self._heard.append((now, claim))
            pending = self._pending.pop(claim.encode(), None) if claim.id == self.me else None
            lost = self._taken_over(claim, now)
        if pending is not None:
            self._placed(pending, now)
        if lost is not None:
            lost()
        return None

    def _taken_over(self, claim: Claim, now: float) -> Callable[[], None] | None:
        """(Under the lock.) If a late claim takes over a floor we hold, what tells our listener to yield."""
        holding = self._holding.get(claim.word)
        if holding is None or claim.id == self.me:
            return None
        if now - holding.anchor > self.same_wake_s:  # that wake is over: no one can take it now
            del self._holding[claim.word]
            return None
        best, claims = self._holder(claim.word, holding.anchor, now)
        if best == holding.own:
            return None
        del self._holding[claim.word]
        return lambda: holding.on_lost(Decision(False, best.room, claims, "a louder claim came late"))

    def ask(self, word: str, score: float, loudness: float, wake_time: float,
            answer: Callable[[Decision], None], on_lost: Callable[[Decision], None] = lambda d: None) -> None:
        """Claim the floor for a wake; `answer` is called once, from this thread or a timer's. After a go,
        `on_lost` is called (at most once, within SAME_WAKE_S of the wake) if a late claim takes the floor."""
        if not self.connected():
            answer(Decision(True, self.room, 1, "the household broker is unreachable"))
            return
        own = Claim(self.me, self.room, word, wake_time, min(max(score, 0.0), 1.0),
                    min(max(loudness, LOUDNESS_RANGE[0]), LOUDNESS_RANGE[1]))
        try:
            own = parse_claim(own.encode())  # as the others see it: rounded alike, so all apply the rule alike
        except BadClaim as e:  # a wake word's name a claim cannot carry, say
            answer(Decision(True, self.room, 1, f"no claim could be made: {e}"))
            return
        pending = _Pending(own, answer, on_lost)
        with self._lock:
            self._pending[own.encode()] = pending
        if not self.publish(own.encode()):
            with self._lock:
                self._pending.pop(own.encode(), None)
            pending.answer(Decision(True, self.room, 1, "the claim could not be posted"))
            return

        def no_echo() -> None:
            with self._lock:
                self._pending.pop(own.encode(), None)
            pending.answer(Decision(True, self.room, 1, "the broker did not pass the claim on in time"))

        self._later(self.window_s + self.ECHO_GRACE_S, no_echo)

    def _placed(self, pending: _Pending, arrived: float) -> None:
        """Our claim is back from the broker: late for a settled wake, or wait for its window to close."""
        anchor, _ = self.anchor(pending.own.word, arrived)
        if arrived - anchor > self.window_s:  # that wake was settled without us: take it over, or stand down
            self._settle(pending, anchor, arrived)
            return
        self._later(anchor + self.window_s - self.clock(), lambda: self._settle(pending, anchor, self.clock()))

    def _settle(self, pending: _Pending, anchor: float, now: float) -> None:
        """Answer our claim with who holds the floor now; if we do, a late claim may still take it over."""
        own = pending.own
        with self._lock:
            best, claims = self._holder(own.word, anchor, now, own)
            if best == own:
                self._holding[own.word] = _Holding(anchor, own, pending.on_lost)
        late = now - anchor > self.window_s and best != own
        why = "late: the others had settled this wake" if late else ""
        pending.answer(Decision(best == own, best.room, claims, why))

    def anchor(self, word: str, now: float) -> tuple[float, Claim]:
        """When the wake that a claim arriving at `now` belongs to began (its first claim's arrival), and
        that first claim."""
        with self._lock:
            heard = sorted(((t, c) for t, c in self._heard if c.word == word and t <= now), key=lambda x: x[0])
        anchor, first = now, None
        for t, c in heard:
            if first is None or t - anchor > self.same_wake_s:
                anchor, first = t, c
        return anchor, first

    def _holder(self, word: str, anchor: float, now: float, own: Claim | None = None) -> tuple[Claim, int]:
        """(Under the lock.) Who holds the floor of the wake that began at `anchor`, given the claims for the
        word that arrived until `now` (ours as `own` too, should its echo be missing), and how many speakers
        claimed it. The window's claims decide first (`winner`); then each later claim, in the order it
        arrived, takes the floor if it beats the holder (which beats every claim before it)."""
        arrived = sorted(((t, c) for t, c in self._heard if c.word == word and anchor <= t <= now),
                         key=lambda x: x[0])
        group = {c.id: c for t, c in arrived if t <= anchor + self.window_s}
        if own is not None:
            group.setdefault(own.id, own)
        best, ids = winner(list(group.values())), set(group)
        for t, c in arrived:
            if t > anchor + self.window_s:
                ids.add(c.id)
                best = winner([best, c])
        return best, len(ids)


@dataclass(frozen=True)
class _Holding:
    """A wake whose floor we hold: when it began here, our claim, and whom to tell if a late claim takes it."""
    anchor: float
    own: Claim
    on_lost: Callable[[Decision], None]


class _Pending:
    """One claim's answer, given once: the first of the decision and the no-echo fallback wins."""

    def __init__(self, own: Claim, answer: Callable[[Decision], None], on_lost: Callable[[Decision], None]):
        self.own, self._answer, self.on_lost = own, answer, on_lost
        self._lock = threading.Lock()
        self.done = False

    def answer(self, decision: Decision) -> None:
        with self._lock:
            if self.done:
                return
            self.done = True
        self._answer(decision)
