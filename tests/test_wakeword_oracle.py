"""earmuff's wake word path against openwakeword itself: the same audio in, every score the same.

device.listener.wakeword runs openWakeWord's models on onnxruntime without the
openwakeword package; here the package is the oracle. Tolerance 1e-4 on
every frame's score (in practice they agree bit for bit).
"""

import warnings

import numpy as np
import pytest

from device.config import WakeSettings
from device.listener.audio import FRAME_SAMPLES
from device.listener.wake import WakeDetector, resolve_model
from device.listener.wakeword.scorer import WakeScorer
from device.listener.wakeword.vad import SileroVad
from tests import speech

openwakeword = pytest.importorskip("openwakeword")

TOLERANCE = 1e-4
WAKE_WORDS = ["hey_jarvis", "alexa", "hey_mycroft", "weather"]  # weather looks at 22 embeddings, not 16


def oracle(names):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openwakeword asks for CUDA first and warns when it is absent
        return openwakeword.Model(wakeword_model_paths=[str(resolve_model(n)[1]) for n in names])


def ours(names):
    return WakeScorer(dict(resolve_model(n) for n in names))


@pytest.fixture(scope="module")
def audio():
    """Silence, wake words clean and in noise, other speech, noise alone: about 13 s."""
    return speech.concat(
        speech.silence(0.7),
        speech.say("hey jarvis"),
        speech.silence(0.4),
        speech.mix(speech.say("alexa, what is the weather like today"), speech.noise(3.5, 0.01, seed=3)),
        speech.noise(1.0, 0.05, seed=4, kind="brown"),
        speech.say("hey mycroft", voice="en-gb", speed=140),
        speech.say("the soup is on the stove and the bread is in the oven"),
        speech.silence(1.0),
    )


def compare(audio, chunk, names, start=0):
    """Feed `audio` in chunks of `chunk` samples to both; return (worst difference, scores of ours)."""
    theirs, mine = oracle(names), ours(names)
    keys = {n: resolve_model(n)[1].stem for n in names}
    worst, seen = 0.0, {n: [] for n in names}
    for i in range(start, len(audio) - chunk + 1, chunk):
        a, b = theirs.predict(audio[i : i + chunk]), mine.predict(audio[i : i + chunk])
        assert set(b) == set(names)
        for n in names:
            worst = max(worst, abs(float(a[keys[n]]) - b[n]))
            seen[n].append(b[n])
    return worst, seen


@pytest.mark.slow
@pytest.mark.parametrize("chunk", [FRAME_SAMPLES, 400, 1000, 1600, 2560, 4000, 12800])
def test_every_score_matches_openwakeword(audio, chunk):
    worst, seen = compare(audio, chunk, WAKE_WORDS)
    assert worst <= TOLERANCE, f"chunks of {chunk}: scores differ by up to {worst}"
    # Not a comparison of two silent streams: the wake word does fire.
    assert max(seen["hey_jarvis"]) > 0.5


def test_one_model_alone_and_a_stream_starting_mid_speech(audio):
    # The first five scores are held at 0 differently with one model than with four.
    worst, seen = compare(audio, FRAME_SAMPLES, ["hey_jarvis"], start=FRAME_SAMPLES * 13 + 77)
    assert worst <= TOLERANCE
    assert seen["hey_jarvis"][:5] == [0.0] * 5


def test_silence_and_noise_only():
    quiet = speech.concat(speech.silence(2.0), speech.noise(3.0, 0.02, seed=9), speech.silence(1.0))
    worst, _ = compare(quiet, FRAME_SAMPLES, ["alexa", "hey_marvin"])
    assert worst <= TOLERANCE


def test_detector_after_reset_is_a_fresh_openwakeword(audio):
    detector = WakeDetector(WakeSettings(models=("hey_jarvis", "alexa")))
    frames = [audio[i : i + FRAME_SAMPLES] for i in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES)]
    for frame in frames[:60]:
        detector.scores(frame)
    detector.reset()
    theirs = oracle(["hey_jarvis", "alexa"])
    for frame in frames[60:]:
        a, b = theirs.predict(frame), detector.scores(frame)
        assert abs(float(a["hey_jarvis_v0.1"]) - b["hey_jarvis"]) <= TOLERANCE
        assert abs(float(a["alexa_v0.1"]) - b["alexa"]) <= TOLERANCE
    # What the models scored last is there for later stages, as openwakeword's features.
    assert detector.recent_embeddings(16).shape == (16, 96)
    np.testing.assert_allclose(detector.recent_embeddings(16), theirs.preprocessor.get_features(16)[0], atol=TOLERANCE)


def test_the_embeddings_are_openwakewords_features(audio):
    theirs, mine = oracle(["hey_jarvis"]), ours(["hey_jarvis"])
    for i in range(0, FRAME_SAMPLES * 40, FRAME_SAMPLES):
        theirs.predict(audio[i : i + FRAME_SAMPLES])
        mine.predict(audio[i : i + FRAME_SAMPLES])
    expected = theirs.preprocessor.feature_buffer
    assert mine.features.embeddings.shape == expected.shape == (120, 96)
    np.testing.assert_allclose(mine.features.embeddings, expected, atol=TOLERANCE)
    np.testing.assert_allclose(mine.features.window(16), theirs.preprocessor.get_features(16), atol=TOLERANCE)


def test_silero_vad_matches_openwakeword(audio):
    theirs, mine = openwakeword.VAD(), SileroVad()
    for frame_size in (480, 640):
        theirs.reset_states()
        mine.reset_states()
        for i in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
            frame = audio[i : i + FRAME_SAMPLES]
            assert abs(float(theirs.predict(frame, frame_size)) - mine.predict(frame, frame_size)) <= TOLERANCE


def test_short_chunks_are_refused_like_openwakeword():
    with pytest.raises(ValueError, match="at least 400 samples"):
        ours(["alexa"]).predict(np.zeros(399, np.int16))
