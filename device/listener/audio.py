"""Audio in: a PyAudio microphone source, a WAV-file source, frame conversion.

Everything downstream sees one format: 16 kHz mono int16 in frames of 1280
samples (80 ms, openWakeWord's frame). Both sources take any device rate,
channel count and sample width and convert the same way, through FrameConverter.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path

import numpy as np
import soxr

from device.config import AudioSettings
from device.listener.array import channel_mixer

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
FRAME_SAMPLES = 1280
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE
HEARTBEAT_S = 1.0  # while no audio flows, sources still yield None this often
# A WAV file may have as many channels as [audio] channels allows a microphone (1-8).
MAX_CHANNELS = next(int(f.metadata["max"]) for f in fields(AudioSettings) if f.name == "channels")

EventCallback = Callable[[str, dict], None]


class AudioError(Exception):
    """An audio source cannot be opened or read."""


def mean_square(frame: np.ndarray) -> float:
    """A frame's mean power, in int16 sample units squared: the level the quiet-room gate and the
    arbitration's level meter both measure."""
    x = frame.astype(np.float32)
    return float(np.dot(x, x)) / max(len(x), 1)


def decode_pcm(data: bytes, sample_width: int) -> np.ndarray:
    """Interleaved PCM bytes -> float32 in [-1, 1). 8-bit WAV is unsigned."""
    if sample_width == 1:
        return (np.frombuffer(data, np.uint8).astype(np.float32) - 128.0) / 128.0
    if sample_width == 2:
        return np.frombuffer(data, "<i2").astype(np.float32) / 32768.0
    if sample_width == 3:
        raw = np.frombuffer(data, np.uint8).reshape(-1, 3)
        # Put the 3 bytes in the top of an int32 so the sign comes along.
        as32 = (raw[:, 0].astype(np.int32) << 8) | (raw[:, 1].astype(np.int32) << 16) | (
            raw[:, 2].astype(np.int32) << 24
        )
        return as32.astype(np.float32) / 2147483648.0
    if sample_width == 4:
        return np.frombuffer(data, "<i4").astype(np.float32) / 2147483648.0
    raise AudioError(f"unsupported sample width: {sample_width} bytes")


class FrameConverter:
    """Device audio (any rate, 1-8 channels, 8-32 bit) -> 16 kHz mono int16 frames.

    `channel` says how an array becomes one channel (device/listener/array.py): a
    channel number, None or "mean" for their average, "best" or "beam". The
    resampler is streaming, so pushing audio in pieces gives the same result
    as converting it whole.
    """

    def __init__(self, rate: int, channels: int, sample_width: int, channel: int | str | None = None):
        if isinstance(channel, int) and not 0 <= channel < channels:
            raise AudioError(f"channel {channel} does not exist in {channels}-channel audio")
        self.rate, self.channels, self.sample_width = rate, channels, sample_width
        self._mixer = channel_mixer(channel, channels, rate)
        self._frame_bytes = channels * sample_width
        self._partial = b""  # bytes of an incomplete device frame
        self._pending = np.zeros(0, np.int16)  # 16 kHz samples not yet a full frame
        self._resampler = (
            None if rate == SAMPLE_RATE else soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float32")
        )

    def push(self, data: bytes) -> list[np.ndarray]:
        data = self._partial + data
        usable = len(data) - len(data) % self._frame_bytes
        self._partial = data[usable:]
        if not usable:
            return []
        return self.push_samples(decode_pcm(data[:usable], self.sample_width).reshape(-1, self.channels))

    def push_samples(self, samples: np.ndarray) -> list[np.ndarray]:
        """Decoded samples: float32 in [-1, 1), one column per channel."""
        mono = self._mixer.mix(samples)
        return self._emit(np.ascontiguousarray(mono, np.float32), last=False)

    def flush(self) -> list[np.ndarray]:
        """End of stream: drain the resampler and zero-pad the last frame."""
        frames = self._emit(np.zeros(0, np.float32), last=True)
        if len(self._pending):
            tail = np.zeros(FRAME_SAMPLES, np.int16)
            tail[: len(self._pending)] = self._pending
            self._pending = np.zeros(0, np.int16)
            frames.append(tail)
        return frames

    def _emit(self, mono: np.ndarray, last: bool) -> list[np.ndarray]:
        if self._resampler is not None:
            mono = self._resampler.resample_chunk(mono, last=last)
        pcm = np.clip(np.round(mono * 32768.0), -32768, 32767).astype(np.int16)
        buf = np.concatenate([self._pending, pcm])
        n = len(buf) // FRAME_SAMPLES
        self._pending = buf[n * FRAME_SAMPLES :]
        return [buf[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES] for i in range(n)]


def read_wav(path: Path | str) -> np.ndarray:
    """A whole WAV file as 16 kHz mono int16 (padded to whole frames)."""
    return np.concatenate(list(WavSource(path).frames()) or [np.zeros(0, np.int16)])


class WavSource:
    """A WAV file played as if it were the microphone."""

    def __init__(self, path: Path | str, realtime: bool = False, channel: int | str | None = None):
        import soundfile  # libsndfile: every WAV header, WAVE_FORMAT_EXTENSIBLE included

        self.path = Path(path)
        self.realtime = realtime
        self.channel = channel
        if self.path.is_dir():
            raise AudioError(f"{self.path}: a folder, not a WAV file; give the files in it: {self.path}/*.wav")
        if not self.path.is_file():
            raise AudioError(f"{self.path}: no such file")
        try:
            info = soundfile.info(str(self.path))
        except (soundfile.LibsndfileError, RuntimeError) as e:
            reason = getattr(e, "error_string", None) or str(e)
            raise AudioError(
                f"{self.path}: not a WAV file earmuff can read ({reason}); convert it with: sox IN -b 16 OUT.wav"
            ) from None
        except OSError as e:
            raise AudioError(f"{self.path}: {e.strerror}") from None
        if not 1 <= info.channels <= MAX_CHANNELS:
            raise AudioError(
                f"{self.path}: {info.channels} channels; earmuff reads WAV files of 1 to {MAX_CHANNELS} channels"
                + ("; mix it down with: sox IN OUT.wav remix -" if info.channels else "")
            )
        self.rate, self.channels, self.duration = info.samplerate, info.channels, info.duration
        self.description = {"device": f"file:{self.path}", "channels": self.channels, "rate": self.rate}
        self.health = "healthy"
        self.stopped_at: float | None = None
        self._closed = threading.Event()
        self._running = threading.Event()  # cleared while paused (privacy mode)
        self._running.set()

    def _blocks(self) -> Iterator[np.ndarray]:
        """The file in half-second blocks, decoded to float32, then one empty block at the end."""
        import soundfile

        with soundfile.SoundFile(str(self.path)) as f:
            yield from f.blocks(blocksize=max(1, self.rate // 2), dtype="float32", always_2d=True)
        yield np.zeros((0, self.channels), np.float32)

    def frames(self) -> Iterator[np.ndarray | None]:
        """16 kHz frames; None marks a gap (capture paused), like MicSource."""
        converter = FrameConverter(self.rate, self.channels, 4, self.channel)
        started = time.monotonic()
        sent = 0
        for block in self._blocks():
            if self._closed.is_set():
                return
            frames = converter.push_samples(block) if len(block) else converter.flush()
            for frame in frames:
                if not self._running.is_set():
                    yield None
                    paused = time.monotonic()
                    while not self._running.wait(HEARTBEAT_S) and not self._closed.is_set():
                        yield None  # still alive, still closed
                    if self.realtime:
                        # A closed microphone hears nothing: what played meanwhile is gone.
                        sent += int((time.monotonic() - paused) / FRAME_SECONDS)
                    continue
                if self.realtime:
                    # Pace like a real microphone: frame n is ready at n * 80 ms.
                    self._closed.wait(max(0.0, started + sent * FRAME_SECONDS - time.monotonic()))
                sent += 1
                yield frame

    def pause(self) -> None:
        self._running.clear()
        self.health = "paused"
        self.stopped_at = time.monotonic()

    def resume(self) -> None:
        self.health = "healthy"
        self._running.set()

    def close(self) -> None:
        self._closed.set()
        self._running.set()


@contextlib.contextmanager
def _quiet_native_stderr():
    """PortAudio's device scan prints ALSA and JACK chatter to fd 2; hide just that."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def list_input_devices(pa) -> list[dict]:
    devices = []
    for index in range(pa.get_device_count()):
        info = pa.get_device_info_by_index(index)
        if info.get("maxInputChannels", 0) > 0:
            devices.append(info)
    return devices


def find_input_device(pa, spec: str) -> dict:
    """The device info for `spec`: "" = default input, digits = index, else a name substring."""
    devices = list_input_devices(pa)
    names = ", ".join(f"{d['index']}: {d['name']}" for d in devices) or "none"
    if spec == "":
        try:
            return pa.get_default_input_device_info()
        except OSError:
            if devices:
                return devices[0]
            raise AudioError("no input device found (input devices: none)") from None
    if spec.isdigit():
        for d in devices:
            if d["index"] == int(spec):
                return d
        raise AudioError(f"no input device with index {spec} (input devices: {names})")
    matches = [d for d in devices if spec.lower() in d["name"].lower()]
    if not matches:
        raise AudioError(f"no input device matching {spec!r} (input devices: {names})")
    return matches[0]


class MicSource:
    """A PyAudio microphone that keeps itself alive.

    Capture runs in PortAudio's callback thread and only queues bytes; the
    consumer converts them. If the device errors, disappears, or goes silent
    for `stall_timeout_s` (no callbacks at all), the source reports it,
    closes, and reopens with exponential backoff, re-scanning devices each
    time so a replugged USB microphone is found again. It never gives up:
    a listener that is alive but deaf is a bug.
    """

    def __init__(self, settings: AudioSettings, on_event: EventCallback | None = None, queue_seconds: float = 2.0):
        self.settings = settings
        self.on_event = on_event or (lambda name, detail: None)
        self.channel = settings.channel
        self.health = "closed"
        self.problem: str | None = None  # why it is reopening, for `earmuff status`
        self.description: dict = {"device": settings.device or "default", "channels": settings.channels}
        self.overflows = 0
        self.stopped_at: float | None = None  # monotonic time capture last stopped for privacy
        self._queue_seconds = queue_seconds
        self._closed = threading.Event()
        self._running = threading.Event()  # cleared while paused (privacy mode)
        self._running.set()
        self._lock = threading.RLock()  # pause() and the consumer both open and close the stream
        self._pa = None
        self._stream = None
        self._queue: queue.Queue[bytes | None] | None = None

    # -- lifecycle --------------------------------------------------------
    def _open(self) -> FrameConverter:
        import pyaudio  # imported here so WAV-only tools work without PortAudio

        with _quiet_native_stderr():
            self._pa = pyaudio.PyAudio()
        info = find_input_device(self._pa, self.settings.device)
        channels = self.settings.channels
        if info["maxInputChannels"] < channels:
            raise AudioError(
                f"device {info['name']!r} has {info['maxInputChannels']} input channels; "
                f"audio.channels = {channels}"
            )
        rate = self.settings.rate or int(info["defaultSampleRate"])
        block = max(1, int(rate * FRAME_SECONDS))
        self._queue = queue.Queue(maxsize=max(4, int(self._queue_seconds / FRAME_SECONDS)))
        self._stream = self._pa.open(
            format=pyaudio.paInt16,
            channels=channels,
            rate=rate,
            input=True,
            input_device_index=info["index"],
            frames_per_buffer=block,
            stream_callback=self._on_audio,
        )
        self.description = {"device": info["name"], "index": info["index"], "channels": channels, "rate": rate}
        return FrameConverter(rate, channels, 2, self.channel)

    def _on_audio(self, data, frame_count, time_info, status):
        import pyaudio

        q = self._queue
        if not self._running.is_set():  # paused: stop at once, queue nothing
            return (None, pyaudio.paComplete)
        if q is not None:
            try:
                # Wait at most a quarter block for room: long enough for a consumer that
                # is merely busy (and for devices without a clock, like ALSA's file
                # plugin), short enough that PortAudio's own buffer does not overrun.
                q.put(data, timeout=FRAME_SECONDS / 4)
            except queue.Full:
                # The consumer is stalled: drop the oldest audio to keep latency bounded.
                self.overflows += 1
                with contextlib.suppress(queue.Empty):
                    q.get_nowait()
                with contextlib.suppress(queue.Full):
                    q.put_nowait(data)
        return (None, pyaudio.paContinue)

    def _shutdown(self) -> None:
        with self._lock:
            stream, pa, q = self._stream, self._pa, self._queue
            self._stream = self._pa = None
            self._queue = None
        if q is not None:
            _wake(q)  # the consumer may be waiting on this queue
        for action in (
            lambda: stream and stream.stop_stream(),
            lambda: stream and stream.close(),
            lambda: pa and pa.terminate(),
        ):
            with contextlib.suppress(Exception):
                action()

    def close(self) -> None:
        self._closed.set()
        self._running.set()
        self._shutdown()

    def pause(self) -> None:
        """Privacy mode: stop the capture stream itself, now, in the caller's thread."""
        with self._lock:
            self._running.clear()
            self._shutdown()
            self.health = "paused"
            self.stopped_at = time.monotonic()

    def resume(self) -> None:
        self._running.set()

    # -- the frame stream -------------------------------------------------
    def frames(self) -> Iterator[np.ndarray | None]:
        """16 kHz frames; None marks a gap (capture stopped: privacy, or a failure)."""
        attempt = 0
        try:
            while not self._closed.is_set():
                if not self._running.is_set():
                    self._running.wait(HEARTBEAT_S)
                    yield None  # paused: no audio, but the loop is alive (the watchdog hears this)
                    continue
                try:
                    with self._lock:
                        if not self._running.is_set():
                            continue
                        converter = self._open()
                except (AudioError, OSError) as e:
                    self._shutdown()
                    attempt = yield from self._backoff(attempt, f"cannot open microphone: {e}")
                    continue
                self.health, self.problem = "healthy", None
                self.on_event("mic_opened", dict(self.description))
                log.info("microphone open: %s", self.description)
                failure = None
                for chunk_or_failure in self._chunks():
                    if isinstance(chunk_or_failure, str):
                        failure = chunk_or_failure
                        break
                    attempt = 0
                    yield from converter.push(chunk_or_failure)
                self._shutdown()
                yield None  # whatever was being said is cut off here
                if failure is not None and self._running.is_set() and not self._closed.is_set():
                    self.on_event("mic_lost", {"device": self.description.get("device"), "error": failure})
                    attempt = yield from self._backoff(attempt, f"microphone lost: {failure}")
        finally:
            self._shutdown()
            self.health = "closed"

    def _chunks(self) -> Iterator[bytes | str]:
        """Captured bytes, or a string saying why capture failed; ends quietly when paused."""
        q, stream = self._queue, self._stream
        if q is None or stream is None:
            return
        while not self._closed.is_set() and self._running.is_set():
            try:
                chunk = q.get(timeout=self.settings.stall_timeout_s)
                if chunk is None:  # woken by pause() or close()
                    return
                yield chunk
            except queue.Empty:
                try:
                    active = stream.is_active()
                    reason = "stream stopped" if not active else f"no audio for {self.settings.stall_timeout_s:g} s"
                except Exception as e:  # PortAudio reports a dead device in many ways
                    reason = f"stream error: {e}"
                yield reason
                return

    def _backoff(self, attempt: int, reason: str) -> int:
        delay = min(self.settings.reopen_max_s, self.settings.reopen_min_s * 2**attempt)
        self.health, self.problem = "reopening", reason
        log.warning("%s; retrying in %.1f s", reason, delay)
        self.on_event("mic_reopening", {"error": reason, "retry_in_s": delay})
        deadline = time.monotonic() + delay
        while not self._closed.is_set() and time.monotonic() < deadline:
            self._closed.wait(min(HEARTBEAT_S, max(0.0, deadline - time.monotonic())))
            yield None  # waiting for the device, alive: the watchdog hears this
        return attempt + 1


def _wake(q: queue.Queue) -> None:
    """Empty the queue and put a None on it: a consumer blocked in get() returns, and a
    PortAudio callback waiting for room gets it at once, so stopping the stream is quick."""
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            break
    with contextlib.suppress(queue.Full):
        q.put_nowait(None)


def open_source(settings: AudioSettings, on_event: EventCallback | None = None):
    """The configured source: a WavSource for "file:PATH", else the microphone."""
    if settings.file is not None:
        return WavSource(settings.file, realtime=settings.realtime, channel=settings.channel)
    return MicSource(settings, on_event)
