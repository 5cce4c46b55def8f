"""Wake arbitration: several speakers heard one wake word; the one that heard it best answers.

Each speaker's uplink posts a claim on the household's MQTT broker when its
listener wakes, collects the other speakers' claims for the same word that
reach it within `window` of its own, and decides with one rule (`winner`):
the best loudness-weighted score, ties broken by id. Every speaker sees the
same claims and applies the same rule, so all reach the same answer without
a coordinator.

Claims are grouped by when they reach this speaker (its own monotonic clock),
not by the time they carry: the speakers' clocks may disagree by seconds, the
broker's delivery by milliseconds. A claim arriving up to `window` before this
speaker's own wake counts as well as one arriving up to `window` after it, so
two speakers whose wakes are less than `window` apart both see each other's.

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
WORD = re.compile(r"[a-z0-9_]{1,64}")
CLAIM_KEYS = {"v", "id", "room", "word", "time", "score", "loudness"}
MAX_CLAIM_BYTES = 512
LOUDNESS_RANGE = (-60.0, 150.0)  # dB over the noise floor
MIN_SCORE = 0.001


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
    """The loudness-weighted score: the loudness (dB) plus the score as a level (20 log10 score), so a
    score of 0.5 counts as 6 dB quieter. Rounded, so every speaker computes the very same number."""
    return round(claim.loudness + 20 * math.log10(max(claim.score, MIN_SCORE)), 2)


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
    broker connection is up. ask() answers at once when the broker is away, else after the window."""

    def __init__(self, me: str, room: str, window_s: float, publish: Callable[[bytes], bool],
                 connected: Callable[[], bool], clock: Callable[[], float] = time.monotonic):
        self.me, self.room, self.window_s = me, room, window_s
        self.publish, self.connected, self.clock = publish, connected, clock
        self._heard: deque[tuple[float, Claim]] = deque(maxlen=256)  # (arrival, claim) of other speakers
        self._lock = threading.Lock()
        self.bad = 0  # claims that did not parse

    def heard(self, data: bytes) -> str | None:
        """A message on the claims topic. Returns why it was dropped, or None."""
        try:
            claim = parse_claim(data)
        except BadClaim as e:
            self.bad += 1
            return str(e)
        if claim.id == self.me:
            return None  # our own, back from the broker
        now = self.clock()
        with self._lock:
            while self._heard and now - self._heard[0][0] > 4 * self.window_s:
                self._heard.popleft()
            self._heard.append((now, claim))
        return None

    def ask(self, word: str, score: float, loudness: float, wake_time: float,
            answer: Callable[[Decision], None]) -> None:
        """Claim the floor for a wake; `answer` is called once, from this thread or a timer's."""
        if not self.connected():
            answer(Decision(True, self.room, 1, "the household broker is unreachable"))
            return
        own = Claim(self.me, self.room, word, wake_time, min(max(score, 0.0), 1.0),
                    min(max(loudness, LOUDNESS_RANGE[0]), LOUDNESS_RANGE[1]))
        asked = self.clock()
        if not self.publish(own.encode()):
            answer(Decision(True, self.room, 1, "the claim could not be posted"))
            return
        timer = threading.Timer(self.window_s, lambda: answer(self.decide(own, asked)))
        timer.daemon = True
        timer.start()

    def decide(self, own: Claim, asked: float) -> Decision:
        """The rule over our claim and the others' for the same word that arrived within the window."""
        with self._lock:
            others = {c.id: c for t, c in self._heard if abs(t - asked) <= self.window_s and c.word == own.word}
        best = winner([own, *others.values()])
        return Decision(best.id == self.me, best.room, 1 + len(others))
