import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device.listener.audio import FRAME_SAMPLES, AudioError, FrameConverter, WavSource, decode_pcm, read_wav
from tests import speech


def tone(freq: float, seconds: float, rate: int, level: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * freq * t) * level * 32767).astype(np.int16)


def peak_hz(audio: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(audio.astype(np.float32)))
    return float(np.argmax(spectrum) * 16000 / len(audio))


def test_decode_each_sample_width():
    assert decode_pcm(bytes([0, 128, 255]), 1).tolist() == pytest.approx([-1.0, 0.0, 127 / 128])
    assert decode_pcm(np.array([-32768, 0, 16384], "<i2").tobytes(), 2).tolist() == [-1.0, 0.0, 0.5]
    # 24-bit little-endian: -2^23, 0, 2^22
    three = bytes([0, 0, 0x80, 0, 0, 0, 0, 0, 0x40])
    assert decode_pcm(three, 3).tolist() == [-1.0, 0.0, 0.5]
    assert decode_pcm(np.array([-(2**31), 2**30], "<i4").tobytes(), 4).tolist() == [-1.0, 0.5]
    with pytest.raises(AudioError):
        decode_pcm(b"\0" * 5, 5)


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
@pytest.mark.parametrize("channels", [1, 2, 4, 6, 8])
@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_wav_source_converts_any_format_to_16k_mono_frames(tmp_path, rate, channels, width):
    audio = tone(440, 1.0, 16000)
    path = speech.write(tmp_path / "t.wav", audio, rate=rate, channels=channels, width=width)
    frames = list(WavSource(path).frames())
    assert all(f.dtype == np.int16 and f.shape == (FRAME_SAMPLES,) for f in frames)
    out = np.concatenate(frames)
    assert abs(len(out) - 16000) <= FRAME_SAMPLES  # one second, padded to whole frames
    assert peak_hz(out[:16000]) == pytest.approx(440, abs=2)
    tolerance = 0.02 if width > 1 else 0.05  # 8-bit audio is coarse
    rms = np.sqrt(np.mean((out[1000:15000].astype(float) / 32768) ** 2))
    assert rms == pytest.approx(0.5 / np.sqrt(2), abs=tolerance)


def test_channel_selection_and_mean():
    rate, n = 48000, 48000
    left = tone(300, 1.0, rate)
    right = np.zeros(n, np.int16)
    stereo = np.stack([left, right], axis=1).astype("<i2").tobytes()
    only_left = np.concatenate(FrameConverter(rate, 2, 2, channel=0).push(stereo))
    only_right = np.concatenate(FrameConverter(rate, 2, 2, channel=1).push(stereo))
    mean = np.concatenate(FrameConverter(rate, 2, 2, channel=None).push(stereo))
    assert np.abs(only_right).max() == 0
    assert peak_hz(only_left) == pytest.approx(300, abs=2)
    ratio = np.abs(mean[2000:10000]).max() / np.abs(only_left[2000:10000]).max()
    assert ratio == pytest.approx(0.5, abs=0.02)
    with pytest.raises(AudioError, match="channel 2"):
        FrameConverter(rate, 2, 2, channel=2)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=30),
       st.sampled_from([16000, 44100, 48000]))
def test_pushing_in_pieces_equals_pushing_whole(cuts, rate):
    data = np.random.default_rng(1).integers(-20000, 20000, rate * 2 * 2, dtype=np.int16).tobytes()
    whole = FrameConverter(rate, 2, 2)
    expected = whole.push(data) + whole.flush()
    pieces = FrameConverter(rate, 2, 2)
    got, pos = [], 0
    for cut in cuts:  # arbitrary byte boundaries, even mid-sample
        got += pieces.push(data[pos : pos + cut])
        pos += cut
    got += pieces.push(data[pos:]) + pieces.flush()
    assert len(got) == len(expected)
    assert np.array_equal(np.concatenate(got), np.concatenate(expected))


def test_realtime_wav_is_paced(tmp_path):
    import time

    path = speech.write(tmp_path / "s.wav", speech.silence(0.48))
    start = time.monotonic()
    frames = list(WavSource(path, realtime=True).frames())
    assert len(frames) == 6
    assert time.monotonic() - start >= 0.35  # the last frame is ready at 5 x 80 ms


def test_bad_wav_files_get_clear_errors(tmp_path):
    with pytest.raises(AudioError, match="no such file"):
        WavSource(tmp_path / "absent.wav")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF....not a wav")
    with pytest.raises(AudioError, match="not a WAV file earmuff can read"):
        WavSource(junk)
    text = tmp_path / "notes.wav"
    text.write_text("shopping list: bread, milk\n")
    with pytest.raises(AudioError, match=r"notes.wav: not a WAV file earmuff can read \(Format not recognised"):
        WavSource(text)
    empty = speech.write(tmp_path / "empty.wav", np.zeros(0, np.int16))
    assert len(read_wav(empty)) == 0


@pytest.mark.parametrize("args", [["-b", "24"], ["-b", "32"], ["-b", "16", "-c", "4"], ["-b", "24", "-c", "6"]])
def test_wave_format_extensible_files_from_sox_are_read(tmp_path, args):
    """sox writes WAVE_FORMAT_EXTENSIBLE headers for 24 and 32 bits and for more than two channels."""
    import subprocess

    plain = speech.write(tmp_path / "plain.wav", tone(440, 1.0, 16000))
    extensible = tmp_path / "extensible.wav"
    subprocess.run(["sox", str(plain), *args, "-r", "48000", str(extensible)], check=True)
    assert int.from_bytes(extensible.read_bytes()[20:22], "little") == 0xFFFE  # the header really is extensible
    out = read_wav(extensible)
    assert peak_hz(out[:16000]) == pytest.approx(440, abs=2)
    assert np.sqrt(np.mean((out[1000:15000].astype(float) / 32768) ** 2)) == pytest.approx(0.5 / np.sqrt(2), abs=0.02)
