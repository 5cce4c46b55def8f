"""What may cross the uplink socket, and what may leave: parse, don't copy.

A line from the listener is parsed strictly (size, nesting, finite numbers);
an utterance becomes an `Utterance` of validated fields (exact keys and
types, bounded lengths, the listener's own session format, a configured wake
word, known labels with small counts, text a spoken-form transcript can hold,
audio in the listener's format), and the payload that leaves is built from
those fields only. A refusal names the field and the rule, never the value:
the value may be the very identifier that must not be written down.
"""

from __future__ import annotations

import array
import base64
import binascii
import hashlib
import io
import json
import math
import random
import re
import secrets
import sys
import unicodedata
import wave
from dataclasses import dataclass
from pathlib import Path

from device.redact.redactor import LABELS

MAX_TEXT = 4096  # characters: 120 s of fast speech is about 3,500; also caps the redactor's input
MAX_SECONDS = 600.0
MAX_COUNT = 1000  # identifiers of one label in one utterance
SESSION = re.compile(r"[0-9a-f]{32}")  # uuid4().hex: the listener's (listener._handover), and the uplink's own
PAYLOAD_ID = re.compile(r"[0-9a-f]{32}")
DEVICE_ID = re.compile(r"[0-9a-f]{16}")
LANGUAGE = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,3}")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")
END_REASONS = ("silence", "max_length", "no_speech", "end")  # transcribe.Transcript.reason
PLACEHOLDER = re.compile(r"\[(" + "|".join(LABELS) + r")\]")

SAMPLE_RATE = 16000  # the listener's format: 16 kHz mono 16-bit PCM WAV
AUDIO_TOLERANCE_S = 0.1

UTTERANCE_REQUIRED = {"type", "session", "text", "redacted", "wakeword", "seconds"}
UTTERANCE_OPTIONAL = {"reason", "audio", "waited_s"}
MAX_WAITED_S = 7 * 86400.0  # the listener holds at most a few hundred utterances; a week is plenty
PAYLOAD_KEYS = {"id", "device", "session", "text", "language", "wakeword", "seconds", "redacted", "time"}


class Refused(Exception):
    """A message or payload that may not cross. `field` and `why` never hold the value."""

    def __init__(self, field: str, why: str):
        super().__init__(f"{field}: {why}")
        self.field, self.why = field, why


class _NotFinite(ValueError):
    pass


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _no_constant(name: str):
    raise _NotFinite(name)


MAX_DEPTH = 8  # an utterance is two levels deep; a spool item three
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"')
_BRACKET = re.compile(rb"[\[\]{}]")


def _too_deep(data: bytes) -> bool:
    if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:  # the usual case, at C speed
        return False
    depth = 0
    for m in _BRACKET.finditer(_STRING.sub(b"", data)):  # brackets outside strings
        depth += 1 if m.group() in (b"[", b"{") else -1
        if depth > MAX_DEPTH:
            return True
    return False


def strict_loads(data: bytes | str, what: str = "message"):
    """JSON nested at most MAX_DEPTH deep, with finite numbers only, or Refused."""
    if _too_deep(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data):
        raise Refused(what, f"nested deeper than {MAX_DEPTH}")
    try:
        return json.loads(data, parse_float=_finite, parse_constant=_no_constant)
    except _NotFinite:
        raise Refused(what, "numbers must be finite (no NaN, Infinity or overflow)") from None
    except RecursionError:
        raise Refused(what, "nested too deeply") from None
    except ValueError:  # also UnicodeDecodeError, and integers too long to convert
        raise Refused(what, "not JSON") from None


def parse_line(line: bytes) -> dict:
    """One line of the socket -> a JSON object with a string `type`, or Refused."""
    message = strict_loads(line)
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise Refused("message", "not a JSON object with a type")
    return message


def dumps(obj) -> str:
    """Strict JSON for everything the uplink writes: the spool, the audit log, its replies."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


@dataclass(frozen=True)
class Rules:
    """What the configuration allows: the wake word names and whether audio may leave."""

    wakewords: frozenset[str]
    send_audio: bool = False

    @classmethod
    def from_config(cls, config) -> Rules:
        names = {Path(m).stem if m.endswith(".onnx") or "/" in m else m for m in config.wake.models}
        return cls(frozenset(names), config.uplink.send_audio)


@dataclass(frozen=True)
class Utterance:
    session: str
    text: str
    wakeword: str
    seconds: float
    redacted: dict[str, int]
    pcm: bytes | None = None  # 16 kHz mono int16, only with send_audio
    # How long the listener held it before this hand-over (the uplink was away): a command's
    # freshness counts from when it was said, not from when the uplink got it.
    waited_s: float = 0.0


def parse_utterance(message: dict, rules: Rules) -> Utterance:
    """An utterance message -> validated fields, or Refused naming the first field that is wrong."""
    keys = set(message)
    if keys - UTTERANCE_REQUIRED - UTTERANCE_OPTIONAL:
        raise Refused("message", "has a field that is not part of an utterance")
    missing = UTTERANCE_REQUIRED - keys
    if missing:
        raise Refused(sorted(missing)[0], "missing")
    session = message["session"]
    if not isinstance(session, str) or not SESSION.fullmatch(session):
        raise Refused("session", "not a session id (32 lowercase hex digits)")
    wakeword = message["wakeword"]
    if not isinstance(wakeword, str) or wakeword not in rules.wakewords:
        raise Refused("wakeword", "not one of the configured wake words")
    seconds = check_seconds(message["seconds"])
    redacted = check_redacted(message["redacted"])
    reason = message.get("reason", "end")
    if not isinstance(reason, str) or reason not in END_REASONS:
        raise Refused("reason", f"not one of {', '.join(END_REASONS)}")
    text = clean_text(message["text"])
    pcm = None
    if "audio" in message:
        if not rules.send_audio:
            raise Refused("audio", "audio never leaves with [uplink] send_audio = false")
        pcm = check_audio(message["audio"], seconds)
    waited = message.get("waited_s", 0.0)
    if isinstance(waited, bool) or not isinstance(waited, (int, float)) or not math.isfinite(waited) \
            or not 0 <= waited <= MAX_WAITED_S:
        raise Refused("waited_s", f"not a number of seconds between 0 and {MAX_WAITED_S:g}")
    return Utterance(session, text, wakeword, seconds, redacted, pcm, round(float(waited), 3))


def check_seconds(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Refused("seconds", "not a number")
    if not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
        raise Refused("seconds", f"not between 0 and {MAX_SECONDS:g}")
    return round(float(value), 3)


def check_redacted(value) -> dict[str, int]:
    if not isinstance(value, dict) or len(value) > len(LABELS):
        raise Refused("redacted", "not an object of counts by label")
    counts = {}
    for label in LABELS:  # rebuilt in a fixed order from known labels only
        if label in value:
            count = value[label]
            if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
                raise Refused("redacted", f"a count is not an integer from 0 to {MAX_COUNT}")
            counts[label] = count
    if len(counts) != len(value):
        raise Refused("redacted", "a label is not one of " + ", ".join(LABELS))
    return counts


def clean_text(value) -> str:
    """Spoken-form text, normalised, or Refused.

    A transcript from Vosk is lowercase words of one script separated by spaces
    (English: a-z and the apostrophe), and the redactor adds [LABEL]
    placeholders. Anything else - a digit of any script, punctuation, a
    control or format character, upper case, letters of two scripts - is not
    what the listener makes, and is refused rather than guessed at.
    """
    if not isinstance(value, str):
        raise Refused("text", "not a string")
    if len(value) > MAX_TEXT:
        raise Refused("text", f"longer than {MAX_TEXT} characters")
    if any(unicodedata.numeric(ch, None) is not None for ch in value):  # before NFKC turns "ⅻ" into "xii"
        raise Refused("text", "holds a digit or number character")
    text = unicodedata.normalize("NFKC", value)
    scripts = set()
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] == "C" or category in ("Zl", "Zp"):
            raise Refused("text", "holds a control or format character")
        if category[0] == "N" or unicodedata.numeric(ch, None) is not None:
            raise Refused("text", "holds a digit or number character")
    words = text.split()  # NFKC has made every other space a plain one
    if not words:
        raise Refused("text", "empty")
    for word in words:
        if PLACEHOLDER.fullmatch(word.removesuffix("'s")):  # "[PERSON]'s": the redactor keeps the possessive
            continue
        letters = [ch for ch in word if ch != "'"]
        if not letters:
            raise Refused("text", "a word without letters")
        for ch in letters:
            if unicodedata.category(ch) not in ("Ll", "Lo"):
                raise Refused("text", "holds a character a spoken transcript cannot (punctuation, symbol or capital)")
            script = unicodedata.name(ch, "?").split(" ", 1)[0]
            if script == "LATIN" and not "a" <= ch <= "z":
                raise Refused("text", "holds a Latin letter outside a-z")
            scripts.add(script)
    if len(scripts) > 1:
        raise Refused("text", "mixes letters of several scripts")
    text = " ".join(words)
    if len(text) > MAX_TEXT:
        raise Refused("text", f"longer than {MAX_TEXT} characters")
    return text


def check_audio(value, seconds: float) -> bytes:
    """Base64 of a WAV in the listener's format whose length matches `seconds` -> its PCM."""
    if not isinstance(value, str):
        raise Refused("audio", "not base64 text")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Refused("audio", "not base64") from None
    try:
        with wave.open(io.BytesIO(data)) as w:
            shape = (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getcomptype())
            frames = w.getnframes()
            pcm = w.readframes(frames)
    except Exception:  # wave raises many kinds (wave.Error, EOFError, struct.error, ...) on junk
        raise Refused("audio", "not a WAV file") from None
    if shape != (1, 2, SAMPLE_RATE, "NONE"):
        raise Refused("audio", "not 16 kHz mono 16-bit PCM")
    if len(pcm) != frames * 2:
        raise Refused("audio", "truncated")
    if abs(frames / SAMPLE_RATE - seconds) > AUDIO_TOLERANCE_S:
        raise Refused("audio", "its length does not match seconds")
    return pcm


REQUANTISE_STEP = 16  # the audio that leaves keeps 12 bits a sample: the four below are the uplink's noise
_dither = random.Random(secrets.randbits(128))  # a stream the listener cannot know


def requantise(pcm: bytes) -> bytes:
    """16-bit PCM rounded to REQUANTISE_STEP with triangular dither (issue 24): whatever a listener put in
    the low bits of its samples does not survive; speech does (the noise is about -66 dBFS). What it can
    still hide in audio it sends is in docs/uplink.md; that is why send_audio is off by default."""
    samples = array.array("h", pcm)
    if sys.byteorder != "little":
        samples.byteswap()
    step, randint = REQUANTISE_STEP, _dither.randint
    for i, x in enumerate(samples):
        y = round((x + randint(-step // 2, step // 2) + randint(-step // 2, step // 2)) / step) * step
        samples[i] = -32768 if y < -32768 else 32767 if y > 32767 else y
    if sys.byteorder != "little":
        samples.byteswap()
    return samples.tobytes()


def wav_base64(pcm: bytes) -> str:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)
    return base64.b64encode(out.getvalue()).decode("ascii")


def payload_id(session: str) -> str:
    """The idempotency key: the same on every retry, and when the listener hands the same
    utterance over again after a reconnect."""
    return hashlib.sha256(f"earmuff-payload:{session}".encode()).hexdigest()[:32]


def build_payload(utterance: Utterance, session: str, device: str, language: str, time: str) -> dict:
    """The payload that leaves, from validated fields only, and nothing the listener chose freely: the
    session is the uplink's own (Uplink.session_for), never the listener's; the length is in whole
    seconds; the counts are those of the placeholders in the text (issue 24)."""
    payload = {
        "id": payload_id(session),
        "device": device,
        "session": session,
        "text": utterance.text,
        "language": language,
        "wakeword": utterance.wakeword,
        "seconds": float(round(utterance.seconds)),
        "redacted": placeholder_counts(utterance.text),
        "time": time,
    }
    if utterance.pcm is not None:
        payload["audio"] = wav_base64(utterance.pcm)
    return payload


def placeholder_counts(text: str) -> dict[str, int]:
    """How many of each label the text's placeholders show ("[PERSON]", "[PERSON]'s")."""
    found = PLACEHOLDER.findall(text)
    return {label: found.count(label) for label in LABELS if label in found}  # in the labels' order


def parse_payload(payload, rules: Rules) -> dict:
    """A payload read back from the spool, checked as strictly as a new one and rebuilt.

    The spool is ours, but it outlives versions and survives crashes: what does not parse
    is quarantined by the caller instead of being sent or crashing the uplink."""
    if not isinstance(payload, dict):
        raise Refused("payload", "not an object")
    if set(payload) - PAYLOAD_KEYS - {"audio"} or PAYLOAD_KEYS - set(payload):
        raise Refused("payload", "not the fields of a payload")
    for key, pattern in (("id", PAYLOAD_ID), ("device", DEVICE_ID), ("language", LANGUAGE), ("time", TIME)):
        if not isinstance(payload[key], str) or not pattern.fullmatch(payload[key]):
            raise Refused(key, "not in its format")
    message = {"type": "utterance", **{k: payload[k] for k in ("session", "text", "redacted", "wakeword",
                                                                "seconds")}}
    if "audio" in payload:
        message["audio"] = payload["audio"]
    utterance = parse_utterance(message, rules)
    if payload_id(utterance.session) != payload["id"]:
        raise Refused("id", "does not belong to the session")
    return build_payload(utterance, utterance.session, payload["device"], payload["language"], payload["time"])
