"""Wake arbitration (issue 25): the rule, claims off the wire, and real speakers on a real mosquitto.

The rule and the claim parser are pure; the rest runs real uplinks (their own state and
sockets) against a real mosquitto started here, and in the end three whole speakers
(listener + uplink each) hearing one wake phrase at different levels and noise.
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
import socket
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device.listener.link import UplinkLink
from device.ring.led import JsonlDriver, Ring
from device.uplink.arbitration import Arbiter, BadClaim, Claim, parse_claim, strength, winner
from tests import speech
from tests.household import Broker, Speaker, make_certificates
from tests.waiting import wait_for

WINDOW_S = 0.15


def claim(ident="0123456789abcdef", room="kitchen", word="hey_jarvis", score=0.9, loudness=20.0, at=1.7e9):
    return Claim(ident, room, word, at, score, loudness)


# -- the rule ---------------------------------------------------------------------------
def test_the_loudest_wins_and_a_low_score_counts_against_it():
    near, far = claim("a" * 16, "kitchen", loudness=30.0), claim("b" * 16, "hall", loudness=18.0)
    assert winner([far, near]) == near
    # A score of 0.1 is 7 dB down (0.5 and above count alike): a louder but doubtful wake loses to a sure one.
    doubtful = claim("c" * 16, "study", score=0.1, loudness=35.0)
    assert strength(doubtful) == 28.01 and strength(near) == 30.0
    assert winner([doubtful, near, far]) == near
    # Among sure wakes, loudness alone decides.
    assert winner([claim("d" * 16, "attic", score=0.55, loudness=30.5), near]).room == "attic"
    assert winner([doubtful, near, far]) == near


def test_ties_go_to_the_smallest_id():
    a, b = claim("1" * 16, "hall"), claim("0" * 16, "kitchen")
    assert winner([a, b]) == winner([b, a]) == b


@given(st.lists(st.tuples(st.integers(0, 2**64 - 1), st.floats(0, 1), st.floats(-60, 150)), min_size=1,
                max_size=6, unique_by=lambda t: t[0]), st.randoms())
def test_every_speaker_reaches_the_same_answer_whatever_order_it_heard_the_claims_in(values, rng):
    claims = [claim(f"{i:016x}", score=s, loudness=loud) for i, s, loud in values]
    first = winner(claims)
    rng.shuffle(claims)
    assert winner(claims) == first
    assert all(strength(first) >= strength(c) for c in claims)


# -- claims off the wire ------------------------------------------------------------------
def test_a_claim_holds_exactly_id_room_word_time_score_loudness():
    c = claim()
    assert json.loads(c.encode()).keys() == {"v", "id", "room", "word", "time", "score", "loudness"}
    assert parse_claim(c.encode()) == c


@pytest.mark.parametrize("bad", [
    b"", b"null", b"[]", b"{}", b"\xff\xfe", b'{"v":1}' * 100,
    json.dumps({**json.loads(claim().encode()), "serial": "10000000abcdef12"}).encode(),  # one field more
    json.dumps({**json.loads(claim().encode()), "id": "b8:27:eb:12:34:56"}).encode(),  # not a random id
    json.dumps({**json.loads(claim().encode()), "room": "kitchen\n\u202e"}).encode(),
    json.dumps({**json.loads(claim().encode()), "score": 1.5}).encode(),
    json.dumps({**json.loads(claim().encode()), "loudness": True}).encode(),
    json.dumps({**json.loads(claim().encode()), "v": 2}).encode(),
    claim().encode().replace(b'"loudness":20.0', b'"loudness":NaN'),
    claim().encode().replace(b'"score":0.9', b'"score":1e999'),
    b"[" * 400 + b"]" * 400,
])
def test_what_is_not_a_claim_is_refused_by_name(bad):
    with pytest.raises(BadClaim):
        parse_claim(bad)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=600), st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=8),
    max_leaves=20).map(lambda v: json.dumps(v).encode())))
def test_fuzzed_claims_are_refused_never_crash(data):
    try:
        c = parse_claim(data)
    except BadClaim:
        return
    assert math.isfinite(c.score) and math.isfinite(c.loudness)


# -- the arbiter, without a broker ---------------------------------------------------------
class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def simulate(offsets, loudness, delay=0.002, window=WINDOW_S, times=None, lost=None):
    """Speakers whose wakes come at `offsets` (s) on one broker that passes every claim to every speaker
    (the sender too) after `delay`: each Arbiter as the uplink runs it, timers on a simulated clock.
    Returns each speaker's (Decision, when). `times` are the wall-clock times the claims carry (clock
    skew). `lost` (a dict), if given, gets speaker -> (Decision, when) for each go taken back later."""
    clock, events, answers, seq = Clock(), [], {}, itertools.count()
    lost = {} if lost is None else lost
    start, n = clock.now, len(offsets)

    def at(t, fn):
        events.append((t, next(seq), fn))

    arbiters = []
    for i in range(n):
        def publish(data, i=i):
            for j in range(n):
                at(clock.now + delay, lambda j=j, data=data: arbiters[j].heard(data))
            return True

        a = Arbiter(f"{i:016x}", f"room {i}", window, publish, lambda: True, clock)
        a._later = lambda d, fn: at(clock.now + max(d, 0.0), fn)
        arbiters.append(a)
    for i, offset in enumerate(offsets):
        at(start + offset, lambda i=i: arbiters[i].ask("hey_jarvis", 0.9, loudness[i],
                                                       (times or [1.7e9] * n)[i],
                                                       lambda d, i=i: answers.setdefault(i, (d, clock.now)),
                                                       lambda d, i=i: lost.setdefault(i, (d, clock.now))))
    while events:
        events.sort()
        t, _, fn = events.pop(0)
        clock.now = t
        fn()
    return [answers[i] for i in range(n)]


def test_one_wake_heard_together_the_loudest_goes_whatever_the_clocks_say():
    answers = simulate([0.0, 0.0, 0.0], [12.0, 31.0, 20.5], times=[1.7e9, 1.7e9 + 3600, 1.7e9 - 7])
    assert [d.go for d, _ in answers] == [False, True, False]
    assert {d.room for d, _ in answers} == {"room 1"} and {d.claims for d, _ in answers} == {3}
    assert all(t - 100.0 <= WINDOW_S + 0.005 for _, t in answers)  # the window and the broker's delay


def test_a_speaker_that_woke_after_the_window_stands_down_if_it_is_quieter():
    # The first two settled the wake among themselves; the third woke 0.2 s later and heard it quieter.
    lost = {}
    answers = simulate([0.0, 0.1, 0.2], [20.0, 10.0, 5.0], lost=lost)
    assert [d.go for d, _ in answers] == [True, False, False] and not lost
    assert answers[2][0].why.startswith("late") and answers[2][0].room == "room 0"
    assert answers[2][1] - 100.0 < 0.2 + 0.005  # at once: no window of its own


def test_a_louder_speaker_that_woke_after_the_window_takes_the_floor_over():
    # Detectors fire up to half a second apart, and the louder speaker is often the later one: it goes at once,
    # and the speaker that held the floor is told to yield, for its room.
    lost = {}
    answers = simulate([0.0, 0.1, 0.3], [20.0, 10.0, 40.0], lost=lost)
    assert [d.go for d, _ in answers] == [True, False, True]
    assert answers[2][1] - 100.0 < 0.3 + 0.005 and answers[2][0].why == ""
    (decision, when), = lost.values()
    assert list(lost) == [0] and decision.room == "room 2" and not decision.go
    assert when - 100.0 < 0.3 + 0.005  # as soon as the louder claim came back from the broker


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 0.9), st.floats(-10, 60)), min_size=1, max_size=5),
       st.floats(0.0005, 0.02))
def test_one_speaker_holds_the_floor_in_the_end_and_it_is_the_strongest_claim(speakers, delay):
    lost = {}
    answers = simulate([o for o, _ in speakers], [loud for _, loud in speakers], delay, lost=lost)
    holding = [i for i, (d, _) in enumerate(answers) if d.go and i not in lost]
    assert len(holding) == 1
    assert all(answers[i][0].go for i in lost)  # only a go is taken back
    claims = [claim(f"{i:016x}", loudness=round(loud, 2)) for i, (_, loud) in enumerate(speakers)]
    assert winner(claims).id == f"{holding[0]:016x}"


def test_a_claim_for_another_word_is_another_wake():
    answers = []
    # A broker that passes our claim straight back; the window passes at once.
    me = Arbiter("a" * 16, "kitchen", WINDOW_S, lambda data: me.heard(data) is None, lambda: True, Clock())
    me._later = lambda delay, fn: fn()
    me.heard(claim("d" * 16, "attic", word="alexa", loudness=50.0).encode())
    me.ask("hey_jarvis", 0.9, 20.0, 1.7e9, answers.append)
    assert [(d.go, d.claims) for d in answers] == [(True, 1)]


def test_with_the_broker_away_the_answer_is_go_at_once():
    answers = []
    me = Arbiter("a" * 16, "kitchen", WINDOW_S, lambda data: True, lambda: False)
    began = time.monotonic()
    me.ask("hey_jarvis", 0.9, 20.0, time.time(), answers.append)
    assert time.monotonic() - began < 0.01
    (decision,) = answers
    assert decision.go and decision.claims == 1 and "unreachable" in decision.why


# -- uplinks on a real broker ---------------------------------------------------------------
@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path).start()
    yield b
    b.stop()


class Asker:
    """The listener's end of one speaker's uplink socket: asks for the floor as the listener does."""

    def __init__(self, speaker: Speaker):
        self.ring = Ring(JsonlDriver(str(speaker.dir / "ring.jsonl")))
        self.ring.set_state("idle")
        self.mutes = []
        self.events = []
        self.link = UplinkLink(speaker.config.uplink_socket(), self.ring,
                               lock=speaker.config.paths.state_dir / "listener.lock",
                               on_mute=lambda: self.mutes.append(time.monotonic()),
                               on_event=lambda name, detail: self.events.append((name, detail)))
        self.link.start()
        assert wait_for(lambda: self.link.connected and speaker.uplink.listener is not None, 10)

    def close(self):
        self.link.close()
        self.ring.close()


@pytest.fixture
def household(tmp_path, broker):
    made = []

    def make(rooms=("kitchen", "hall", "study"), **settings):
        for room in rooms:
            s = Speaker(tmp_path, room, broker.port, window_ms=int(WINDOW_S * 1000), **settings)
            made.append(s)
        for s in made:
            assert s.connected(), s.room
            s.asker = Asker(s)
        return made

    yield make
    for s in made:
        s.asker.close()
        s.close()


def ask_together(speakers, loudness, score=0.9):
    """Each speaker's listener asks for the floor at the same moment; (go, room, seconds) per speaker."""
    start = threading.Event()
    floors = [None] * len(speakers)

    def one(i):
        start.wait()
        floors[i] = speakers[i].asker.link.ask_floor("hey_jarvis", score, loudness[i])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(speakers))]
    for t in threads:
        t.start()
    start.set()
    for t in threads:
        t.join()
    assert all(f is not None for f in floors)
    assert all(f.answered.wait(WINDOW_S + 1.0) for f in floors)
    return [(f.go, f.room, f.latency_s) for f in floors]


def test_three_uplinks_agree_the_loudest_goes_and_the_others_stand_down_for_its_room(household):
    speakers = household()
    answers = ask_together(speakers, [12.0, 31.0, 20.5])
    assert [go for go, _, _ in answers] == [False, True, False]
    assert {room for _, room, _ in answers} == {"hall"}
    assert all(latency < WINDOW_S + 0.1 for _, _, latency in answers)
    for s, (go, _, _) in zip(speakers, answers, strict=True):
        assert wait_for(lambda s=s: [a for a in s.audit() if a["outcome"] in ("floor", "stood_down")], 5)
        (entry,) = [a for a in s.audit() if a["outcome"] in ("floor", "stood_down")]
        assert entry["claims"] == 3
        if not go:
            assert entry["outcome"] == "stood_down" and entry["reason"] == "stood down for hall"
    # Nothing heard crossed: the claims hold the random install id, the room, word, time, score, loudness.
    for s in speakers:
        ident = (s.config.paths.state_dir / "install-id").read_text().strip()
        assert len(ident) == 16 and int(ident, 16) >= 0


def test_a_louder_claim_that_comes_late_takes_the_floor_from_the_speaker_that_went(household):
    kitchen, hall = household(rooms=("kitchen", "hall"))
    first = kitchen.asker.link.ask_floor("hey_jarvis", 0.9, 12.0)
    assert first.answered.wait(WINDOW_S + 1.0) and first.go and not first.lost
    late = hall.asker.link.ask_floor("hey_jarvis", 0.9, 25.0)  # its detector fired later; it heard it louder
    assert late.answered.wait(1.0) and late.go and late.latency_s < WINDOW_S  # at once: the wake was settled
    assert wait_for(lambda: first.lost, 2) and first.lost_to == "hall"
    assert wait_for(lambda: [a for a in kitchen.audit() if a["outcome"] == "stood_down"], 5)
    (entry,) = [a for a in kitchen.audit() if a["outcome"] == "stood_down"]
    assert entry["room"] == "hall" and "handed over" in entry["reason"]
    # A quieter claim after that changes nothing: the hall keeps the floor.
    quieter = kitchen.asker.link.ask_floor("hey_jarvis", 0.9, 5.0)
    assert quieter.answered.wait(1.0) and not quieter.go and quieter.room == "hall"
    time.sleep(0.2)
    assert not late.lost


def test_malformed_claims_on_the_topic_change_nothing(household, broker):
    import paho.mqtt.client as mqtt

    speakers = household()
    noisy = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    noisy.connect("127.0.0.1", broker.port)
    noisy.loop_start()
    junk = [b"", b"\x00" * 2000, b'{"v":1}', b"[[[[[[[[[[", json.dumps({**json.loads(claim().encode()),
                                                                          "loudness": 1e308}).encode()]
    for payload in junk:
        noisy.publish("earmuff/arbitration", payload, qos=1).wait_for_publish(5)
    assert wait_for(lambda: all(s.uplink.arbiter.bad >= len(junk) for s in speakers), 10)
    answers = ask_together(speakers, [30.0, 10.0, 20.0])
    assert [go for go, _, _ in answers] == [True, False, False]
    noisy.loop_stop()


def test_with_the_broker_down_each_speaker_goes_on_alone_in_time(household, broker):
    speakers = household()
    broker.stop()
    assert wait_for(lambda: not any(s.uplink.household.connected for s in speakers), 10)
    answers = ask_together(speakers, [30.0, 10.0, 20.0])
    assert all(go for go, _, _ in answers)
    assert all(latency <= WINDOW_S + 0.05 for _, _, latency in answers)
    assert wait_for(lambda: all(any(a["outcome"] == "floor" for a in s.audit()) for s in speakers), 5)
    assert all("unreachable" in a.get("reason", "") for s in speakers for a in s.audit() if a["outcome"] == "floor")
    # And when it is back, they arbitrate again.
    broker.start()
    assert wait_for(lambda: all(s.uplink.household.connected for s in speakers), 20)
    answers = ask_together(speakers, [30.0, 10.0, 20.0])
    assert [go for go, _, _ in answers] == [True, False, False]


def test_a_room_that_names_the_device_never_reaches_the_broker(tmp_path, broker):
    # The owner's never_send list stands in for the hostname: the identity guard checks the room too.
    from device import config as cfg
    from device.uplink.service import Uplink

    config = cfg.from_dict({"paths": {"state_dir": str(tmp_path / "state"), "runtime_dir": str(tmp_path / "run")},
                            "arbitration": {"enabled": True, "host": "127.0.0.1", "port": broker.port,
                                            "room": "flat 7731"},
                            "identity": {"never_send": ["flat 7731"]}})
    uplink = Uplink(config)
    assert uplink.household is None and uplink.arbiter is None
    assert "identifier" in uplink.problem


def test_the_listener_takes_mute_from_its_uplink_and_nothing_else(tmp_path):
    """The uplink's end is played by this test: an unmute, or anything else, is refused and reported."""
    path = tmp_path / "uplink.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    ring = Ring(JsonlDriver(str(tmp_path / "ring.jsonl")))
    mutes, events = [], []
    link = UplinkLink(path, ring, on_mute=lambda: mutes.append(1), on_event=lambda n, d: events.append((n, d)))
    link.start()
    conn, _ = server.accept()
    conn.recv(1024)  # hello
    for message in ({"type": "unmute"}, {"type": "privacy", "muted": False}, {"type": "mute", "muted": False},
                    {"type": "toggle"}, {"type": "set", "state": "idle"}, {"type": "mute"}):
        conn.sendall((json.dumps(message) + "\n").encode())
    assert wait_for(lambda: len(mutes) == 1 and len([e for e in events if e[0] == "uplink_refused"]) == 5, 5)
    assert [d["type"] for n, d in events if n == "uplink_refused"] == ["unmute", "privacy", "mute", "toggle", "set"]
    link.close()
    conn.close()
    server.close()
    ring.close()


# -- three whole speakers -------------------------------------------------------------------
def mixed(phrase: np.ndarray, gain: float, noise_level: float, seed: int) -> np.ndarray:
    """The phrase as one speaker hears it: at `gain`, in its own noise."""
    voice = phrase.astype(np.float64) * gain
    noise = speech.noise(len(phrase) / speech.RATE, noise_level, seed=seed).astype(np.float64)
    return np.clip(voice + noise[: len(voice)], -32768, 32767).astype(np.int16)


@pytest.mark.slow
def test_three_speakers_hear_one_wake_and_only_the_loudest_answers(tmp_path, broker, ko_model, wake_command):
    go = threading.Event()
    rooms = {"kitchen": (0.25, 0.004), "hall": (1.0, 0.006), "study": (0.5, 0.003)}  # gain, noise (RMS)
    speakers = [Speaker(tmp_path, room, broker.port, model=ko_model, audio=mixed(wake_command, gain, noise, i),
                        go=go, window_ms=int(WINDOW_S * 1000), control=True)
                for i, (room, (gain, noise)) in enumerate(rooms.items())]
    try:
        assert all(s.connected(30) for s in speakers)
        go.set()
        assert wait_for(lambda: len(speakers[1].sent()) == 1, 60), [s.events for s in speakers]
        for s in speakers:
            assert wait_for(lambda s=s: s.named("floor") or s.named("stood_down"), 20), s.room
        hall, others = speakers[1], [speakers[0], speakers[2]]
        assert hall.named("floor")[0]["go"] and hall.named("utterance")
        (sent,) = hall.sent()
        assert sent["text"]
        for s in others:  # stood down in the window, or went and was handed over (a later, louder claim)
            downs = [{k: v for k, v in e.items() if k != "handed_over"} for e in s.named("stood_down")]
            assert downs == [{"wakeword": "hey_jarvis", "room": "hall"}]
            assert not s.named("utterance") and not s.sent()  # never transcribed, nothing sent
            assert s.listener.state == "idle" and s.listener.counters.utterances == 0
            assert wait_for(lambda s=s: s.ring()[-1]["state"] == "idle", 5)  # the ring is back to idle
            assert any(a.get("reason", "").startswith("stood down for hall") for a in s.audit())
        # The winner's wait: the window and a little, measured from its claim to the answer.
        assert hall.listener.last_floor["ms"] < WINDOW_S * 1000 + 100
        # `earmuff status` shows the settings and the stand-downs.
        shown = subprocess.run([sys.executable, "-m", "device", "status", "--socket",
                                str(speakers[0].config.control_socket())], capture_output=True, text=True, timeout=60)
        assert (f"arbitration:  on, room 'kitchen', broker 127.0.0.1:{broker.port}, topic earmuff/arbitration, "
                "window 150 ms; stood down 1, went on alone 0") in shown.stdout, shown
        assert "last wake:    stood down for 'hall'" in shown.stdout, shown
    finally:
        for s in speakers:
            s.close()


# -- settings -------------------------------------------------------------------------------
def test_config_check_names_every_bad_arbitration_and_discovery_setting(tmp_path):
    from device.owner.config_check import check_file

    path = tmp_path / "earmuff.toml"
    path.write_text('[arbitration]\nenabled = true\ntopic = "earmuff/#"\nwindow_ms = 5\nroom = ""\n'
                    'password_file = "/nonexistent/pw"\n[discovery]\nprefix = "$SYS"\n')
    _, errors, _ = check_file(path)
    text = "\n".join(errors)
    for key in ("[arbitration] topic", "[arbitration] window_ms", "[arbitration] room", "[discovery] prefix",
                "[arbitration] password_file"):
        assert key in text, (key, text)
    path.write_text('[arbitration]\nenabled = true\nroom = "flat 7731"\n[identity]\nnever_send = ["flat 7731"]\n')
    _, errors, _ = check_file(path)
    assert len(errors) == 1 and "[arbitration] room" in errors[0] and "names this device" in errors[0]
    path.write_text('[arbitration]\nenabled = true\nroom = "living room"\n[discovery]\nenabled = true\n')
    assert check_file(path)[1] == []


def test_doctor_says_whether_the_household_broker_answers(tmp_path, broker):
    from device import config as cfg
    from device.owner.doctor import household_checks

    assert household_checks(cfg.Config()) == []  # off by default: nothing to check, nothing changes
    on = cfg.from_dict({"arbitration": {"enabled": True, "host": "127.0.0.1", "port": broker.port,
                                        "room": "kitchen"}})
    (check,) = household_checks(on)
    assert check.ok and f"127.0.0.1:{broker.port} answers" in check.what
    broker.stop()
    (check,) = household_checks(on)
    assert not check.ok and check.warn and "unreachable" in check.what and "alone" in check.fix


def test_over_tls_the_speakers_arbitrate_and_a_broker_they_cannot_trust_gets_nothing(tmp_path):
    from device import config as cfg
    from device.owner.doctor import household_checks

    certificates = make_certificates()
    made, broker = [], None
    try:
        broker = Broker(tmp_path, certificates=certificates).start()
        trusted = {"tls": True, "ca_file": str(certificates["ca"])}
        for room in ("kitchen", "hall"):
            made.append(Speaker(tmp_path, room, broker.port, window_ms=int(WINDOW_S * 1000), tls=trusted))
        for s in made:
            assert s.connected(), s.room
            s.asker = Asker(s)
        answers = ask_together(made, [12.0, 31.0])
        assert [go for go, _, _ in answers] == [False, True] and {room for _, room, _ in answers} == {"hall"}
        settings = {"enabled": True, "host": "127.0.0.1", "port": broker.port, "room": "study"}
        (check,) = household_checks(cfg.from_dict({"arbitration": settings | trusted}))
        assert check.ok and "over TLS" in check.what

        # The system's CAs do not know the household's own: no connection, a clear word, every wake answered alone.
        (check,) = household_checks(cfg.from_dict({"arbitration": settings | {"tls": True}}))
        assert not check.ok and "TLS failed" in check.what and "certificate" in check.what and "ca_file" in check.fix
        untrusting = Speaker(tmp_path, "study", broker.port, window_ms=int(WINDOW_S * 1000), tls={"tls": True})
        made.append(untrusting)
        assert not untrusting.connected(timeout=1.5)
        untrusting.asker = Asker(untrusting)
        floor = untrusting.asker.link.ask_floor("hey_jarvis", 0.9, 40.0)
        assert floor.answered.wait(1.0) and floor.go  # alone: the others never saw its claim
        # And one speaking plain MQTT to the TLS port is not let in either.
        plain = Speaker(tmp_path, "attic", broker.port, window_ms=int(WINDOW_S * 1000))
        made.append(plain)
        assert not plain.connected(timeout=1.5)
    finally:
        for s in made:
            if hasattr(s, "asker"):
                s.asker.close()
            s.close()
        if broker is not None:
            broker.stop()
        shutil.rmtree(certificates["dir"])


def test_a_ca_file_without_tls_or_unreadable_is_named(tmp_path):
    from device import config as cfg
    from device.owner.config_check import household_problems

    with pytest.raises(cfg.ConfigError, match="ca_file"):
        cfg.from_dict({"arbitration": {"enabled": True, "room": "kitchen", "ca_file": "/etc/ssl/ca.crt"}})
    on = cfg.from_dict({"arbitration": {"enabled": True, "room": "kitchen", "tls": True,
                                        "ca_file": str(tmp_path / "missing.crt")}})
    assert ("[arbitration] ca_file", f"{tmp_path / 'missing.crt'}: no such file") in household_problems(on)


# -- the listener's side, with the uplink played by a stand-in ----------------------------------
class FakeLink:
    """Answers claims as told: "go", "down", or never (None)."""

    def __init__(self, answer):
        self.answer, self.asked = answer, []

    def ask_floor(self, wakeword, score, loudness):
        from device.listener.link import Floor

        floor = Floor(len(self.asked))
        self.asked.append((wakeword, score, loudness))
        if self.answer is not None:
            floor.settle(self.answer == "go", "hall")
        return floor


class Frames:
    description, health, problem = {}, "healthy", None

    def __init__(self, n):
        self.n = n

    def frames(self):
        for i in range(self.n):
            yield np.full(1280, 1000 if 10 <= i < 20 else 10, np.int16)  # a louder stretch: the "wake"

    def pause(self):
        pass

    def resume(self):
        pass

    def close(self):
        pass


class WakesAtFrame19:
    """A wake detector that wakes once, on the 19th frame it hears; `fed` records what heard each frame."""
    verifiers, rules = {}, {}

    def __init__(self, fed: list):
        self.fed = fed

    def process(self, frame):
        self.fed.append("detector")
        return [SimpleNamespace(wakeword="hey_jarvis", score=0.93)] if len(self.fed) == 19 else []

    def reset(self):
        pass


def arbitrating_listener(tmp_path, transcriber, frames: int, fed: list):
    """A listener with arbitration on, waking at frame 19 of `frames` quiet frames with a louder stretch."""
    from device import config as cfg
    from device.listener.service import Listener

    config = cfg.from_dict({"paths": {"state_dir": str(tmp_path / "state")},
                            "arbitration": {"enabled": True, "room": "kitchen", "window_ms": 20}})
    return Listener(config, WakesAtFrame19(fed), transcriber, source=Frames(frames))


@pytest.mark.parametrize("answer", ["go", "down", None])
def test_the_listener_holds_the_audio_until_the_floor_is_settled(tmp_path, answer):
    fed = []

    class Transcriber:
        def utterance(self):
            return SimpleNamespace(feed=lambda frame: fed.append("vosk") and False,
                                   finish=lambda: SimpleNamespace(words=[], duration=0.0, reason="end"))

    lst = arbitrating_listener(tmp_path, Transcriber(), 200, fed)
    lst.link = FakeLink(answer)
    lst.source.frames = lambda: (time.sleep(0.005) or f for f in Frames(200).frames())  # 5 ms a frame
    lst.run()
    ((word, score, loudness),) = lst.link.asked
    assert (word, score) == ("hey_jarvis", 0.93) and loudness > 30  # the louder stretch over the quiet
    if answer == "down":
        assert "vosk" not in fed and lst.counters.stood_down == 1 and lst.state == "idle"
        assert lst.last_floor["room"] == "hall"
    else:  # go, or no answer within the window and the margin: on alone, with every frame held
        assert fed.count("vosk") == 200 - 19 and lst.counters.stood_down == 0
        assert lst.counters.went_alone == (answer is None)


def test_the_listener_drops_its_utterance_when_a_louder_speaker_takes_the_floor_over(tmp_path):
    fed, sent = [], []

    class Transcriber:
        def utterance(self):
            def feed(frame):
                fed.append("vosk")
                if fed.count("vosk") == 10:  # a louder speaker's late claim takes the floor meanwhile
                    link.floor.lose("hall")
                return False
            return SimpleNamespace(feed=feed, finish=lambda: sent.append("finished"))

    class Link(FakeLink):
        def ask_floor(self, wakeword, score, loudness):
            self.floor = super().ask_floor(wakeword, score, loudness)
            return self.floor

        def submit(self, message):
            sent.append(message)

    lst = arbitrating_listener(tmp_path, Transcriber(), 100, fed)
    lst.link = link = Link("go")
    lst.run()
    assert fed.count("vosk") == 10 and not sent  # not one frame more to Vosk; nothing finished, nothing sent
    assert lst.counters.stood_down == 1 and lst.state == "idle" and lst._utterance is None
    assert lst.last_floor["go"] is False and lst.last_floor["room"] == "hall"
    assert "handed over" in lst.last_floor["why"]
