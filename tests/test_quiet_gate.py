"""The quiet-room gate (device/listener/quiet.py): the models rest in a quiet room, and lose nothing.

Every score the gated detector computes is checked against openwakeword
itself (the oracle of tests/test_wakeword_oracle.py), within 1e-4, on streams
where the gate rests and then has to catch up; and every detection is the
same as without the gate, at the same frame.
"""

import warnings

import numpy as np
import pytest

from device.config import WakeSettings
from device.listener.audio import FRAME_SAMPLES
from device.listener.quiet import CEILING_DBFS, MARGIN_DB, QuietGate, level_dbfs
from device.listener.wake import WakeDetector, resolve_model
from tests import speech

openwakeword = pytest.importorskip("openwakeword")

TOLERANCE = 1e-4


def hum(seconds: float, dbfs: float = -60.0, seed: int = 0) -> np.ndarray:
    """A steady 100 Hz mains hum with a little hiss, at about `dbfs` RMS: a quiet room with a fridge."""
    t = np.arange(int(seconds * speech.RATE)) / speech.RATE
    rng = np.random.default_rng(seed)
    x = np.sin(2 * np.pi * 100 * t) + 0.3 * np.sin(2 * np.pi * 200 * t) + 0.2 * rng.standard_normal(len(t))
    x *= 10 ** (dbfs / 20) * 32768 / np.sqrt(np.mean(x**2))
    return np.round(x).astype(np.int16)


def fade_in(audio: np.ndarray, seconds: float) -> np.ndarray:
    """The first `seconds` rising from silence (a wake word that starts softly)."""
    gain = np.minimum(np.arange(len(audio)) / (seconds * speech.RATE), 1.0)
    return (audio * gain ** 2).astype(np.int16)


def run(audio: np.ndarray, words=("hey_jarvis",), **settings):
    """Gated and ungated detectors and openwakeword over the same frames.

    Returns (worst score difference on frames the gate let through, frames rested,
    detections gated, detections ungated)."""
    gated = WakeDetector(WakeSettings(models=tuple(words), **settings))
    plain = WakeDetector(WakeSettings(models=tuple(words), rest_when_quiet=False, **settings))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle = openwakeword.Model(wakeword_model_paths=[str(resolve_model(w)[1]) for w in words])
    keys = {w: resolve_model(w)[1].stem for w in words}
    worst, rested, found = 0.0, 0, ([], [])
    for i in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        frame = audio[i : i + FRAME_SAMPLES]
        expected = oracle.predict(frame)
        found[0].extend(gated.process(frame))
        found[1].extend(plain.process(frame))
        if gated.scored:
            worst = max(worst, *(abs(gated.last_scores[w] - float(expected[keys[w]])) for w in words))
        else:
            rested += 1
            assert all(float(expected[keys[w]]) < 0.5 for w in words), "a resting frame would have woken"
    return worst, rested, found[0], found[1]


@pytest.fixture(scope="module")
def jarvis():
    return speech.say("hey jarvis")


def test_silence_then_a_wake_word(jarvis):
    audio = speech.concat(speech.silence(4.0), jarvis, speech.silence(2.0))
    worst, rested, gated, plain = run(audio)
    assert rested > 10  # it did rest, and so had to catch up before the word
    assert worst <= TOLERANCE
    assert gated == plain and len(plain) == 1


def test_a_wake_word_after_a_long_quiet_in_a_humming_room(jarvis):
    # Much longer than the ring: the catch-up starts from stale features and must still be exact.
    room = hum(40.0)
    audio = speech.concat(room[:25 * speech.RATE], speech.mix(jarvis, room[25 * speech.RATE:]), room[:4 * speech.RATE])
    worst, rested, gated, plain = run(audio)
    assert rested > 0.8 * 25 / 0.08
    assert worst <= TOLERANCE
    assert gated == plain and len(plain) == 1


def test_a_wake_word_that_starts_softly(jarvis):
    soft = fade_in(jarvis, 0.5)
    audio = speech.concat(speech.mix(speech.silence(5.0), hum(5.0, -70)), speech.mix(soft, hum(3, -70, seed=1)),
                          hum(2.0, -70, seed=2))
    worst, rested, gated, plain = run(audio)
    assert rested > 20
    assert worst <= TOLERANCE
    assert gated == plain and len(plain) == 1


def test_a_drifting_noise_floor_and_two_words(jarvis):
    # The fan speeds up over half a minute (-70 to -45 dBFS), the word is said twice on the way.
    seconds = 30.0
    drift = np.linspace(-70, -45, int(seconds * speech.RATE))
    rng = np.random.default_rng(5)
    noise = speech.noise(seconds, 1.0, seed=6, kind="brown").astype(np.float64) / 32768
    fan = np.round(noise * 10 ** (drift / 20) * 32768 + rng.standard_normal(len(drift))).astype(np.int16)
    words = np.zeros_like(fan)
    for at in (8.0, 22.0):
        start = int(at * speech.RATE)
        words[start : start + len(jarvis)] = jarvis
    audio = speech.mix(fan, words)
    worst, rested, gated, plain = run(audio, words=("hey_jarvis", "weather"))  # weather reads 22 embeddings
    assert rested > 100
    assert worst <= TOLERANCE
    assert gated == plain and len(plain) == 2


def test_a_quiet_room_rests_and_status_says_so():
    detector = WakeDetector(WakeSettings(models=("hey_jarvis",)))
    room = hum(20.0)
    for i in range(0, len(room) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        detector.process(room[i : i + FRAME_SAMPLES])
    status = detector.quiet.status()
    assert status["state"] == "resting"
    assert -62 < status["noise_floor_dbfs"] < -58
    assert status["rested"] > 0.8  # all but the first seconds, while it learns the room


def test_turned_off_it_scores_every_frame():
    detector = WakeDetector(WakeSettings(models=("hey_jarvis",), rest_when_quiet=False))
    assert detector.quiet is None
    for _ in range(50):
        detector.process(np.zeros(FRAME_SAMPLES, np.int16))
        assert detector.scored


def test_after_a_reset_it_hears_first_and_catches_up_from_the_reset():
    detector = WakeDetector(WakeSettings(models=("hey_jarvis",)))
    for _ in range(60):
        detector.process(np.zeros(FRAME_SAMPLES, np.int16))
    assert not detector.scored
    detector.reset()
    assert detector.quiet.ring == type(detector.quiet.ring)(maxlen=detector.quiet.ring.maxlen)
    detector.process(np.zeros(FRAME_SAMPLES, np.int16))
    assert detector.scored


def test_the_level_and_the_margin():
    assert level_dbfs(np.zeros(FRAME_SAMPLES, np.int16)) == -96.0
    assert abs(level_dbfs(hum(0.08, -40.0)) + 40.0) < 0.5
    gate = QuietGate(window_frames=2)
    quiet, loud = hum(0.08, -60.0), hum(0.08, -60.0 + MARGIN_DB + 3)
    assert [gate.admit(quiet) for _ in range(4)] == [True, True, False, False]
    # The loud frame and the next (window - 1) are scored: every window that holds the loud frame.
    assert gate.admit(loud) and gate.admit(quiet) and not gate.admit(quiet)
    assert len(gate.missed()) == 3  # not emptied here: two rested before the loud frame, one after
    assert gate.missed() == []


def test_the_ring_holds_no_more_audio_than_the_wake_word_window_is_made_of(jarvis):
    # DESIGN promise 1: audio before a wake word is never buffered beyond the wake-word window.
    # 16 embeddings, the first of which reads 76 melspectrogram frames (0.76 s) of audio before it.
    detector = WakeDetector(WakeSettings(models=("hey_jarvis",)))
    limit_s = 16 * 0.08 + 0.76 + 0.08
    assert detector.quiet.ring.maxlen * FRAME_SAMPLES / speech.RATE <= limit_s
    audio = speech.concat(speech.silence(30.0), jarvis, speech.silence(1.0))
    for i in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        woke = detector.process(audio[i : i + FRAME_SAMPLES])
        assert len(detector.quiet.ring) * FRAME_SAMPLES / speech.RATE <= limit_s
        if woke:
            assert len(detector.quiet.ring) == 0  # it was hearing: nothing from before is held
            break
    else:
        pytest.fail("the wake word was not heard")


def test_loud_steady_noise_is_not_a_quiet_room():
    # A TV's babble or a vacuum cleaner holds steady too, but the models (and verifiers) can wake on it.
    gate = QuietGate(window_frames=16)
    loud = [hum(0.08, CEILING_DBFS + 5, seed=k) for k in range(100)]
    assert all(gate.admit(frame) for frame in loud)
    quiet = [hum(0.08, CEILING_DBFS - 15, seed=k) for k in range(100)]
    assert not all(gate.admit(frame) for frame in quiet)
