"""The uplink's rules on their own: what a field may hold, how identity is compared, what the spool
does with what it cannot read. The same rules on a live socket are in test_boundary_socket.py."""

import base64
import io
import json
import math
import wave

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device.redact.redactor import LABELS
from device.uplink.gate import Gate
from device.uplink.identity import Forbidden, hardware_identifiers, read_serial
from device.uplink.protocol import (
    MAX_TEXT,
    Refused,
    Rules,
    Utterance,
    build_payload,
    clean_text,
    parse_line,
    parse_payload,
    parse_utterance,
)
from device.uplink.spool import Spool

RULES = Rules(frozenset({"hey_jarvis", "alexa"}), send_audio=True)
SESSION = "0123456789abcdef0123456789abcdef"
MAC = "b8:27:eb:12:34:56"


def message(**fields) -> dict:
    return {"type": "utterance", "session": SESSION, "text": "turn on the lights", "redacted": {},
            "wakeword": "hey_jarvis", "seconds": 1.5, **fields}


def wav(seconds: float, rate: int = 16000, channels: int = 1, width: int = 2) -> str:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(b"\x01\x00" * int(seconds * rate) * channels * (width // 2))
    return base64.b64encode(out.getvalue()).decode()


# -- text: what a spoken-form transcript can hold -----------------------------------------
@pytest.mark.parametrize("text", [
    "call five five five one two three four",
    "call [PERSON] at [PHONE]",
    "what's the weather like",
    "불 켜 줘",  # a Vosk model of another script (the tests' Korean model)
])
def test_spoken_text_passes(text):
    assert clean_text(text) == text


@pytest.mark.parametrize("text, cleaned", [
    ("turn  on\u3000the lights", "turn on the lights"),  # any spaces become one plain space
    ("ｔｕｒｎ on the lights", "turn on the lights"),  # full-width letters are letters (NFKC)
])
def test_text_is_normalised(text, cleaned):
    assert clean_text(text) == cleaned


@pytest.mark.parametrize("text", [
    "call 555 1234",  # ASCII digits
    "call ５５５ １２３４",  # full-width digits
    "call ٥٥٥ ١٢٣٤",  # Arabic-Indic digits
    "call ۵۵۵",  # Extended Arabic-Indic digits
    "call 𝟓𝟓𝟓 𝟏𝟐𝟑𝟒",  # mathematical bold digits
    "call ५५५",  # Devanagari digits
    "call 五五五",  # CJK numerals: letters with a numeric value
    "room ²",  # superscript
    "page ⅻ",  # a Roman numeral
    "half ½",
])
def test_digits_of_any_script_are_refused(text):
    with pytest.raises(Refused) as e:
        clean_text(text)
    assert e.value.field == "text" and "5" not in str(e.value) and "٥" not in str(e.value)


@pytest.mark.parametrize("text", [
    "five\u200bfive five one",  # zero-width space between digits
    "call jo\u200bhn",  # zero-width space inside a name
    "call jo\u00adhn",  # soft hyphen
    "call \u202ejohn",  # right-to-left override
    "five\u2011five\u2011five",  # non-breaking hyphens
    "five-five-five-one-two-three-four",  # hyphens
    "jane\tdoe",
    "jane\ndoe",
    "jane\u2028doe",  # line separator
    "ｊａｎｅ＠ｇｍａｉｌ．ｃｏｍ",  # a full-width e-mail: NFKC makes it jane@gmail.com
    "jane.doe at gmail dot com",
    "Call John",  # a capital: Vosk's English output is lower case
    "call josé",  # a Latin letter outside a-z
    "turn on the lіghts",  # Cyrillic і among Latin letters
    "ѕеrіаl",  # Cyrillic lookalikes (ѕ е і а) among Latin r and l
    "\ud800 lone surrogate",
    "[person] lowercase placeholder",
    "[NOT_A_LABEL]",
    "'",
    "",
    " ",
    "a" * (MAX_TEXT + 1),
    "ﷺ" * 300,  # one character that NFKC makes 18: the cap holds after normalising too
])
def test_text_a_transcript_cannot_hold_is_refused(text):
    with pytest.raises(Refused):
        clean_text(text)


def test_one_script_throughout_is_a_transcript_of_another_language():
    assert clean_text("включи свет") == "включи свет"  # what a Russian Vosk model writes


# -- every other field -------------------------------------------------------------------
POISON = MAC  # a value that must never be echoed in a refusal


@pytest.mark.parametrize("fields, field", [
    ({"session": "evil"}, "session"),
    ({"session": SESSION.upper()}, "session"),
    ({"session": POISON}, "session"),
    ({"session": [SESSION]}, "session"),
    ({"wakeword": POISON}, "wakeword"),
    ({"wakeword": {"name": "hey_jarvis"}}, "wakeword"),
    ({"seconds": POISON}, "seconds"),
    ({"seconds": {"s": 1}}, "seconds"),
    ({"seconds": True}, "seconds"),
    ({"seconds": -1}, "seconds"),
    ({"seconds": 1e308}, "seconds"),
    ({"redacted": {POISON: 1}}, "redacted"),
    ({"redacted": {"PHONE": POISON}}, "redacted"),
    ({"redacted": {"PHONE": 1.0}}, "redacted"),
    ({"redacted": {"PHONE": 10**9}}, "redacted"),
    ({"redacted": {"PHONE": {"n": 1}}}, "redacted"),
    ({"redacted": [["PHONE", 1]]}, "redacted"),
    ({"reason": POISON}, "reason"),
    ({"device": POISON}, "message"),
    ({"session": None}, "session"),
    ({"text": {"t": "hi"}}, "text"),
    ({"audio": "not base64 !!"}, "audio"),
])
def test_each_field_is_checked_and_the_refusal_never_holds_the_value(fields, field):
    with pytest.raises(Refused) as e:
        parse_utterance(message(**fields), RULES)
    assert e.value.field == field
    assert POISON not in str(e.value) and "b827" not in str(e.value).replace(":", "")


def test_missing_fields_are_refused():
    for key in ("session", "text", "redacted", "wakeword", "seconds"):
        m = message()
        del m[key]
        with pytest.raises(Refused) as e:
            parse_utterance(m, RULES)
        assert e.value.field == key


def test_the_payload_is_built_from_validated_fields_only():
    u = parse_utterance(message(redacted={"PHONE": 1, "PERSON": 2}, seconds=2, reason="silence"), RULES)
    assert u == Utterance(SESSION, "turn on the lights", "hey_jarvis", 2.0, {"PERSON": 2, "PHONE": 1})
    payload = build_payload(u, u.session, "0123456789abcdef", "en", "2026-11-26T09:00:00.000+00:00")
    assert payload["redacted"] == {}  # the counts are the text's placeholders, not what the listener says
    assert parse_payload(json.loads(json.dumps(payload)), RULES) == payload
    u = parse_utterance(message(text="call [PHONE] or [PERSON] and [PERSON]'s wife", seconds=2.449), RULES)
    payload = build_payload(u, "9" * 32, "0123456789abcdef", "en", "2026-11-26T09:00:00.000+00:00")
    assert list(payload["redacted"].items()) == [("PERSON", 2), ("PHONE", 1)]  # in the labels' order
    assert payload["seconds"] == 2.0 and payload["session"] == "9" * 32  # whole seconds; the uplink's session
    assert parse_payload(json.loads(json.dumps(payload)), RULES) == payload


@pytest.mark.parametrize("line", [
    b'{"type": "utterance", "seconds": NaN}',
    b'{"type": "utterance", "seconds": Infinity}',
    b'{"type": "utterance", "seconds": -Infinity}',
    b'{"type": "utterance", "seconds": 1e400}',
    b'{"type": "utterance", "wakeword": ' + b"[" * 990 + b"]" * 990 + b"}",
    b"[" * 100000,
    b'{"type": "utterance", "seconds": ' + b"1" * 5000 + b"}",
    b"\xff\xfe not utf-8",
    b"[1, 2]",
    b'{"type": 3}',
])
def test_lines_that_are_not_strict_json_objects_are_refused(line):
    with pytest.raises(Refused):
        parse_line(line)


# -- audio -------------------------------------------------------------------------------
def test_audio_in_the_listeners_format_crosses_rebuilt():
    u = parse_utterance(message(audio=wav(1.5)), RULES)
    assert len(u.pcm) == 1.5 * 16000 * 2
    payload = build_payload(u, u.session, "0123456789abcdef", "en", "2026-11-26T09:00:00.000+00:00")
    assert parse_utterance(message(audio=payload["audio"]), RULES).pcm == u.pcm


@pytest.mark.parametrize("audio", [
    base64.b64encode(b"RIFF not really a wave file").decode(),
    base64.b64encode(b"just text").decode(),
    "!!!!",
    "QUJD=",  # bad padding
    wav(1.5, rate=8000),
    wav(1.5, rate=48000),
    wav(0.75, channels=2),
    wav(1.5, width=4),
    wav(3.0),  # longer than seconds says
    wav(0.5),
    wav(1.5)[:200],  # truncated
    17,
    ["UklGRg=="],
])
def test_audio_that_is_not_the_listeners_wav_is_refused(audio):
    with pytest.raises(Refused) as e:
        parse_utterance(message(audio=audio), RULES)
    assert e.value.field == "audio"


def test_audio_is_refused_when_send_audio_is_off():
    with pytest.raises(Refused, match="send_audio"):
        parse_utterance(message(audio=wav(1.5)), Rules(frozenset({"hey_jarvis"}), send_audio=False))


# -- never a crash: anything JSON in any field is an Utterance or Refused ---------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
fields = st.sampled_from(["session", "text", "redacted", "wakeword", "seconds", "reason", "audio", "extra"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(fields, json_values, max_size=6), st.booleans())
def test_parse_utterance_never_fails_otherwise(overrides, start_valid):
    m = message(**overrides) if start_valid else {"type": "utterance", **overrides}
    try:
        u = parse_utterance(m, RULES)
    except Refused as e:
        assert e.field in {"message", "session", "text", "redacted", "wakeword", "seconds", "reason", "audio"}
        return
    assert u.wakeword in RULES.wakewords and math.isfinite(u.seconds) and set(u.redacted) <= set(LABELS)
    assert clean_text(u.text) == u.text


# -- identity, on values ---------------------------------------------------------------------
IDENTIFIERS = [MAC, "00000000abcdef12", "raspberrypi-kitchen", "Müller-Straße 7", "acct-7731-xq"]


@pytest.mark.parametrize("value", [
    "b8:27:eb:12:34:56", "B8-27-EB-12-34-56", "b827.eb12.3456", "b827eb123456", "B8 27 EB 12 34 56",
    "x\tb8:27:eb:12:34:56", "é" + "b827eb123456", "0000b827eb1234560000",  # inside a longer hex string
    "00000000abcdef12", "abcdef12", "0abcdef12", "00000000ABCDEF12", "abcd-ef12",
    "raspberrypi-kitchen", "raspberry pi kitchen", "RaspberryPi.Kitchen", "raspberrypi\u200bkitchen",
    "the raspberrypi\nkitchen", "raspberrypi_kitchen", "ｒａｓｐｂｅｒｒｙｐｉ-ｋｉｔｃｈｅｎ",
    "MÜLLER STRASSE 7", "müller\u00a0straße 7", "mu\u0308ller strasse 7",  # casefold, NFKC, a combining mark
    "ACCT 7731 XQ", "acct7731xq",
    "гаѕрbеггурі кіtсһеп", "ｒаѕрbеrrурі-кітсһеп",  # Cyrillic look-alikes, alone or with Latin letters
])
def test_identity_is_compared_as_values(value):
    assert Forbidden(IDENTIFIERS).find(value) is not None


@pytest.mark.parametrize("value", [
    "raspberry pie kitchen", "the kitchen lights", "abcdef", "a28b", "turn on the lights", "mueller strasse",
])
def test_ordinary_values_are_not_identifiers(value):
    assert Forbidden(IDENTIFIERS).find(value) is None


def test_a_hostname_spelled_in_one_other_script_passes_the_text_rule_but_not_identity():
    text = clean_text("кітсһеп")  # all Cyrillic: one script, as a Russian model could write
    assert Forbidden(["kitchen"]).find(text) == "kitchen"


def test_mac_in_cisco_notation():
    assert Forbidden(["a2:8b:66:45:6f:8e"]).find("a28b.6645.6f8e") is not None


def test_gate_checks_every_value_not_the_escaped_json():
    gate = Gate(__import__("device.redact", fromlist=["Redactor"]).Redactor(), IDENTIFIERS)
    ok = {"text": "turn on the lights", "session": SESSION, "wakeword": "hey_jarvis", "redacted": {}}
    assert gate.check(ok).ok
    assert not gate.check({**ok, "session": "00000000b827eb123456" + "0" * 12}).ok
    assert not gate.check({**ok, "text": "the raspberry pi kitchen"}).ok
    assert "PHONE" in gate.check({**ok, "text": "call five five five one two three four"}).reason


def test_serial_from_the_devicetree_then_cpuinfo(tmp_path):
    devicetree, cpuinfo = tmp_path / "serial-number", tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nHardware\t: BCM2835\nSerial\t\t: 00000000cafe1234\nModel\t: Pi\n")
    assert read_serial([devicetree, cpuinfo]) == "00000000cafe1234"  # no devicetree (a sandbox hides it)
    devicetree.write_bytes(b"10000000beef5678\x00")
    assert read_serial([devicetree, cpuinfo]) == "10000000beef5678"
    assert read_serial([tmp_path / "none"]) is None
    (tmp_path / "zeros").write_text("Serial : 0000000000000000\n")
    assert read_serial([tmp_path / "zeros"]) is None  # a board without a serial


def test_hardware_identifiers_from_given_sources(tmp_path):
    (tmp_path / "net" / "eth0").mkdir(parents=True)
    (tmp_path / "net" / "eth0" / "address").write_text("DC:A6:32:01:02:03\n")
    (tmp_path / "net" / "lo").mkdir()
    (tmp_path / "net" / "lo" / "address").write_text("00:00:00:00:00:00\n")
    serial = tmp_path / "serial-number"
    serial.write_bytes(b"00000000cafe1234\x00")
    found = hardware_identifiers([serial], tmp_path / "net", hostname="kitchen-speaker.local")
    assert found == sorted(["00000000cafe1234", "dc:a6:32:01:02:03", "kitchen-speaker.local", "kitchen-speaker"])
    forbidden = Forbidden(found)
    assert forbidden.find("cafe1234") and forbidden.find("dca6.3201.0203") and forbidden.find("kitchen speaker")


# -- the spool: what cannot be read or processed goes to quarantine ------------------------------
def test_unreadable_spool_items_are_quarantined_not_retried(tmp_path):
    spool = Spool(tmp_path / "spool")
    good = spool.put("file", {"id": "a" * 32, "text": "hi"})
    for name, body in [("1-bad.json", "{not json"), ("2-nan.json", '{"sink": "file", "payload": {"id": "x"}, '
                                                                  '"spooled": NaN}'),
                       ("3-deep.json", "[" * 5000), ("4-shape.json", '{"sink": 3}'),
                       ("5-bytes.json", b"\xff\xfe\x00")]:
        path = tmp_path / "spool" / name
        path.write_bytes(body if isinstance(body, bytes) else body.encode())
    items, bad = spool.items()
    assert [p for p, _ in items] == [good]
    assert sorted(n for n, _ in bad) == ["1-bad.json", "2-nan.json", "3-deep.json", "4-shape.json", "5-bytes.json"]
    assert sorted(p.name for p in (tmp_path / "quarantine").iterdir()) == sorted(n for n, _ in bad)
    assert spool.items() == ([(good, items[0][1])], [])  # once only
