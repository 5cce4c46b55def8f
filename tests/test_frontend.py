import numpy as np
import pytest

from device.frontend import FrontEndError, NoiseFrontEnd
from tests import speech


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def test_noise_suppression_quietens_noise_and_keeps_speech():
    said = speech.say("turn on the kitchen lights")
    clean = speech.concat(speech.silence(2.0), said, speech.silence(1.0))
    clean = clean[: len(clean) // 1280 * 1280]
    audio = speech.mix(clean, speech.noise(len(clean) / 16000 + 1, level=0.02, seed=3))
    frontend = NoiseFrontEnd(noise_suppression=3, auto_gain=0)
    out = np.concatenate([frontend.process(audio[i:i + 1280]) for i in range(0, len(audio), 1280)])
    assert out.shape == audio.shape and out.dtype == np.int16
    noise_only = slice(16000, 32000)  # the second second: the suppressor has adapted, nobody speaks
    talk = slice(32000, 32000 + len(said))
    assert rms(out[noise_only]) < 0.5 * rms(audio[noise_only])  # at least 6 dB less noise
    assert rms(out[talk]) > 0.5 * rms(audio[talk])  # the speech stays


def test_front_end_refuses_bad_settings_and_chunks():
    with pytest.raises(FrontEndError, match="0-4"):
        NoiseFrontEnd(noise_suppression=5)
    with pytest.raises(ValueError, match="10 ms"):
        NoiseFrontEnd().process(np.zeros(1000, np.int16))
