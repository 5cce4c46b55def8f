"""Speech audio for tests and benchmarks, made with espeak-ng and sox.

Everything comes out as 16 kHz mono int16 numpy arrays, the listener's format.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

RATE = 16000
CACHE = Path(tempfile.gettempdir()) / "earmuff-speech-cache"


def have_espeak() -> bool:
    return shutil.which("espeak-ng") is not None and shutil.which("sox") is not None


def say(text: str, voice: str = "en-us", speed: int = 160, pitch: int = 50) -> np.ndarray:
    """Speak `text` with espeak-ng, resampled by sox to 16 kHz mono int16. Cached on disk."""
    key = hashlib.sha1(f"{text}|{voice}|{speed}|{pitch}".encode()).hexdigest()
    cached = CACHE / f"{key}.wav"
    if not cached.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "raw.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(raw), text],
                           check=True, capture_output=True)
            out = Path(tmp) / "out.wav"
            subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)],
                           check=True, capture_output=True)
            shutil.move(out, cached)
    return read(cached)


def spoken_seconds(audio: np.ndarray) -> float:
    """Where the speech in `audio` ends, in seconds: espeak-ng pads its output with silence."""
    loud = np.nonzero(np.abs(audio.astype(np.int32)) > 300)[0]
    return (loud[-1] + 1) / RATE if len(loud) else 0.0


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.int16)


def noise(seconds: float, level: float = 0.02, seed: int = 0, kind: str = "white") -> np.ndarray:
    """White or brown-ish noise at `level` of full scale (RMS)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(int(seconds * RATE))
    if kind == "brown":
        x = np.cumsum(x)
        x -= np.convolve(x, np.ones(801) / 801, mode="same")  # keep it from wandering off
    x = x / (np.sqrt(np.mean(x**2)) + 1e-9) * level
    return np.clip(x * 32767, -32768, 32767).astype(np.int16)


def mix(speech: np.ndarray, background: np.ndarray) -> np.ndarray:
    out = speech.astype(np.int32) + background[: len(speech)].astype(np.int32)
    return np.clip(out, -32768, 32767).astype(np.int16)


def concat(*parts: np.ndarray) -> np.ndarray:
    return np.concatenate([p.astype(np.int16) for p in parts])


def read(path: Path | str) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2, path
        return np.frombuffer(w.readframes(w.getnframes()), np.int16).copy()


def write(path: Path | str, audio: np.ndarray, rate: int = RATE, channels: int = 1, width: int = 2) -> Path:
    """Write int16 audio (shape (n,) or (n, channels)) as a WAV of the given rate, channels and width."""
    path = Path(path)
    data = audio.reshape(len(audio), 1) if audio.ndim == 1 else audio
    if data.shape[1] != channels:
        data = np.repeat(data[:, :1], channels, axis=1)
    if rate != RATE:
        import soxr

        data = soxr.resample(data.astype(np.float32) / 32768, RATE, rate)
        data = np.clip(np.round(data * 32768), -32768, 32767).astype(np.int16).reshape(-1, channels)
    as32 = data.astype(np.int32) << 16  # int16 in the top bits of int32
    if width == 1:
        raw = ((data.astype(np.int32) >> 8) + 128).astype(np.uint8).tobytes()
    elif width == 2:
        raw = data.astype("<i2").tobytes()
    elif width == 3:
        raw = (as32.astype("<i4").view(np.uint8).reshape(-1, 4)[:, 1:]).tobytes()
    elif width == 4:
        raw = as32.astype("<i4").tobytes()
    else:
        raise ValueError(width)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)
    return path
