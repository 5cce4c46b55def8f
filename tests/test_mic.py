"""MicSource through real PyAudio/PortAudio/ALSA, with ALSA's file plugin as the microphone."""

import threading
import time

import numpy as np
import pytest

from device.config import AudioSettings
from device.listener.audio import AudioError, MicSource, find_input_device
from tests import speech

pytest.importorskip("pyaudio")


def raw_capture(tmp_path, seconds=3.0, rate=48000, channels=4, talk_channel=1):
    """A raw 4-channel 48 kHz recording: a spoken phrase on one channel, silence on the others."""
    voice = speech.say("hello from the microphone array")
    import soxr

    voice48 = np.round(soxr.resample(voice.astype(np.float32), 16000, rate)).astype(np.int16)
    audio = np.zeros((int(seconds * rate), channels), np.int16)
    audio[: len(voice48), talk_channel] = voice48[: len(audio)]
    path = tmp_path / "mic.raw"
    path.write_bytes(audio.astype("<i2").tobytes())
    return path, voice


def collect(source: MicSource, frames: int, timeout: float = 20.0) -> list[np.ndarray]:
    got: list[np.ndarray] = []
    killer = threading.Timer(timeout, source.close)
    killer.start()
    try:
        for frame in source.frames():
            if frame is None:  # a gap: capture stopped
                continue
            got.append(frame)
            if len(got) >= frames:
                source.close()
    finally:
        killer.cancel()
    return got


def test_device_by_name_substring_multichannel_at_48k(tmp_path, alsa_home):
    raw, voice = raw_capture(tmp_path)
    alsa_home(raw)
    events = []
    settings = AudioSettings(device="EARMUFF_test", channels=4, channel=1, rate=48000)
    source = MicSource(settings, lambda name, detail: events.append((name, detail)), queue_seconds=10)
    frames = collect(source, 25)
    assert events[0][0] == "mic_opened"
    assert events[0][1] == {"device": "earmuff_test_mic", "index": 0, "channels": 4, "rate": 48000}
    heard = np.concatenate(frames).astype(float)
    # The chosen channel carries the voice, resampled 48 kHz -> 16 kHz (allowing for
    # the resampler's delay and where capture started).
    xcorr = np.correlate(heard[:24000], voice[:16000].astype(float), mode="valid")
    best = int(np.argmax(xcorr))
    segment = heard[best : best + len(voice)]
    corr = np.corrcoef(segment, voice[: len(segment)].astype(float))[0, 1]
    assert corr > 0.9, (best, corr)


def test_silent_channel_and_mean(tmp_path, alsa_home):
    raw, _ = raw_capture(tmp_path)
    alsa_home(raw)
    silent = collect(MicSource(AudioSettings(device="earmuff", channels=4, channel=0, rate=48000),
                               queue_seconds=10), 10)
    assert np.abs(np.concatenate(silent)).max() == 0
    mean = collect(MicSource(AudioSettings(device="earmuff", channels=4, rate=48000), queue_seconds=10), 10)
    assert np.abs(np.concatenate(mean)).max() > 100


def test_device_by_index_and_clear_errors(tmp_path, alsa_home):
    import pyaudio

    raw, _ = raw_capture(tmp_path)
    alsa_home(raw)
    pa = pyaudio.PyAudio()
    try:
        assert find_input_device(pa, "0")["name"] == "earmuff_test_mic"
        with pytest.raises(AudioError, match=r"no input device with index 7 \(input devices: 0: earmuff_test_mic"):
            find_input_device(pa, "7")
        with pytest.raises(AudioError, match="no input device matching 'respeaker'"):
            find_input_device(pa, "respeaker")
    finally:
        pa.terminate()


def test_missing_device_is_retried_until_it_is_plugged_in(tmp_path, alsa_home):
    raw, _ = raw_capture(tmp_path)
    events = []
    settings = AudioSettings(device="earmuff", channels=2, rate=48000, reopen_min_s=0.05, reopen_max_s=0.2)
    source = MicSource(settings, lambda name, detail: events.append((name, detail)), queue_seconds=10)
    threading.Timer(0.8, alsa_home, args=(raw,)).start()  # "plug in" the microphone
    started = time.monotonic()
    frames = collect(source, 5)
    assert len(frames) == 5
    names = [name for name, _ in events]
    assert names.count("mic_reopening") >= 2 and names[-1] == "mic_opened"
    assert "no input device matching 'earmuff'" in events[0][1]["error"]
    delays = [d["retry_in_s"] for n, d in events if n == "mic_reopening"]
    assert delays[:3] == [0.05, 0.1, 0.2] and max(delays) == 0.2  # backoff doubles up to the cap
    assert time.monotonic() - started >= 0.8


def test_absent_device_keeps_retrying_until_closed(alsa_home):
    events = []
    source = MicSource(AudioSettings(device="9", reopen_min_s=0.05, reopen_max_s=0.05),
                       lambda n, d: events.append((n, d)))
    threading.Timer(0.5, source.close).start()
    assert collect(source, 1) == []
    assert len(events) >= 3 and all(n == "mic_reopening" for n, _ in events)
    assert "no input device with index 9" in events[0][1]["error"]
    assert source.health == "closed"


def test_stream_that_stops_is_reopened(tmp_path, alsa_home):
    """PortAudio stops a stream whose device fails (a USB unplug): the source must notice and reopen."""
    raw, _ = raw_capture(tmp_path, seconds=30)
    alsa_home(raw)
    events = []
    settings = AudioSettings(device="earmuff", channels=2, rate=48000, stall_timeout_s=0.3,
                             reopen_min_s=0.05, reopen_max_s=0.1)
    source = MicSource(settings, lambda name, detail: events.append((name, detail)), queue_seconds=1)
    got = 0
    stopped = False
    killer = threading.Timer(20, source.close)
    killer.start()
    for _ in source.frames():
        got += 1
        if got == 3 and not stopped:
            source._stream.stop_stream()  # what PortAudio does when the device errors
            stopped = True
        if [n for n, _ in events].count("mic_opened") == 2:
            source.close()
    killer.cancel()
    names = [n for n, _ in events]
    assert names[:2] == ["mic_opened", "mic_lost"] and names.count("mic_opened") == 2, names
    lost = dict(events)["mic_lost"]
    assert "stream stopped" in lost["error"]
