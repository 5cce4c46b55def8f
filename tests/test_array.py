"""[audio] channel = "best" and "beam" (device/listener/array.py) on multichannel WAV files made from real speech."""

import numpy as np
import pytest

from device import config as cfg
from device.listener.array import BestChannel, DelayAndSum
from device.listener.audio import WavSource
from tests import speech

RATE = 16000


def talk() -> np.ndarray:
    said = speech.say("turn on the kitchen lights and then play some music please")
    return speech.concat(speech.silence(0.5), said, speech.silence(0.3), said, speech.silence(0.5)).astype(np.float32)


def shifted(x: np.ndarray, delay: int) -> np.ndarray:
    """x arriving `delay` samples later (earlier if negative)."""
    return np.roll(x, delay) if delay >= 0 else np.concatenate([x[-delay:], np.zeros(-delay, x.dtype)])


def noise(n: int, level: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n).astype(np.float32) * level


def wav(tmp_path, columns: list[np.ndarray], name: str = "array.wav"):
    audio = np.clip(np.stack(columns, axis=1), -32768, 32767).astype(np.int16)
    return speech.write(tmp_path / name, audio, channels=audio.shape[1])


def heard(path, channel) -> np.ndarray:
    return np.concatenate([f for f in WavSource(path, channel=channel).frames() if f is not None]).astype(np.float64)


def error_db(out: np.ndarray, clean: np.ndarray) -> float:
    """How far `out` is from `clean` at the best whole-sample alignment, in dB below it."""
    best = np.inf
    for lag in range(-12, 13):
        o = shifted(out[: len(clean)], -lag)
        scale = np.dot(o, clean) / np.dot(o, o)
        best = min(best, float(np.sum((scale * o - clean) ** 2)))
    return 10 * np.log10(np.sum(clean**2) / best)


DELAYS = [0, 2, -3, 5]  # a source off to one side of a small array: each microphone hears it at its own time


def test_beam_finds_the_delays_and_lines_the_channels_up(tmp_path):
    x = talk()
    columns = [shifted(x, d) + noise(len(x), 300, seed) for seed, d in enumerate(DELAYS)]
    path = wav(tmp_path, columns)

    beam = DelayAndSum(4, RATE)
    block = np.stack(columns, axis=1) / 32768
    for i in range(0, len(block), 1280):
        beam.mix(block[i:i + 1280])
    assert list(beam.delays) == DELAYS

    clean = x.astype(np.float64)
    beamed, mean, one = (error_db(heard(path, c), clean) for c in ("beam", "mean", 0))
    # Lined up, the speech adds up and the independent noise averages out (up to 6 dB for four channels);
    # averaged as they come, the speech itself is smeared.
    assert beamed > one + 4 and beamed > mean + 3, (beamed, mean, one)


def test_beam_on_aligned_channels_is_the_mean(tmp_path):
    x = talk()
    path = wav(tmp_path, [x + noise(len(x), 300, seed) for seed in range(3)])
    beamed, mean = heard(path, "beam"), heard(path, "mean")
    lag = DelayAndSum(3, RATE).max_lag  # the beam is late by its largest delay
    assert np.max(np.abs(beamed[lag:len(x)] - mean[: len(x) - lag])) <= 1


def test_best_follows_the_clean_channel(tmp_path):
    x = talk()
    n = len(x)
    noisy_a, clean, noisy_b = x + noise(n, 3000, 1), x + noise(n, 30, 2), 0.5 * x + noise(n, 1000, 3)
    path = wav(tmp_path, [noisy_a, clean, noisy_b])
    best, channel_1 = heard(path, "best"), heard(path, 1)
    settled = RATE  # after the first second it has heard enough to choose
    assert np.array_equal(best[settled:], channel_1[settled:])
    assert not np.array_equal(heard(path, "mean")[settled:], channel_1[settled:])


def test_best_holds_its_choice_between_equal_channels():
    x = talk()
    n = len(x)
    block = np.stack([x + noise(n, 300, 1), x + noise(n, 300, 2)], axis=1) / 32768
    best = BestChannel(2, RATE)
    chosen = []
    for i in range(0, n, 1280):
        best.mix(block[i:i + 1280])
        chosen.append(best.current)
    assert sum(a != b for a, b in zip(chosen, chosen[1:], strict=False)) <= 1


def test_best_leaves_a_dead_channel_before_anyone_speaks():
    lead = noise(RATE, 300, 1)  # a second of room noise alone
    block = np.stack([np.zeros_like(lead), lead], axis=1) / 32768
    best = BestChannel(2, RATE)
    for i in range(0, len(lead), 1280):
        best.mix(block[i:i + 1280])
    assert best.current == 1


def test_best_leaves_a_channel_that_goes_dead():
    x = talk()
    both = np.stack([x + noise(len(x), 30, 1), x + noise(len(x), 300, 2)], axis=1) / 32768
    best = BestChannel(2, RATE)
    for i in range(0, len(x), 1280):
        best.mix(both[i:i + 1280])
    assert best.current == 0
    both[:, 0] = 0  # unplugged
    for i in range(0, 2 * RATE, 1280):
        best.mix(both[i:i + 1280])
    assert best.current == 1


@pytest.mark.parametrize("channel", ["best", "beam", "mean", 1])
def test_channel_settings_load(tmp_path, channel):
    path = tmp_path / "a.toml"
    value = f'"{channel}"' if isinstance(channel, str) else channel
    path.write_text(f"[audio]\nchannels = 4\nchannel = {value}\n")
    assert cfg.load(path).audio.channel == channel


def test_unknown_channel_mix_is_refused(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('[audio]\nchannels = 4\nchannel = "loudest"\n')
    with pytest.raises(cfg.ConfigError, match=r'\[audio\] channel.*"best", "beam"'):
        cfg.load(path)
