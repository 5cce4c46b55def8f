"""Local transcription with Vosk, with word timestamps and endpointing.

After a wake word the listener feeds 80 ms frames into an Utterance. It ends
on the first of: trailing silence after speech (default 700 ms), the maximum
utterance length, or no speech at all within the no-speech timeout. Speech is
told from silence by the Silero VAD that ships inside openwakeword: Vosk's
partial words lag behind the audio by up to a word, which cut commands short
when we tried to endpoint on them.
"""

from __future__ import annotations

import json
import logging
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from device.config import TranscribeSettings
from device.listener.audio import SAMPLE_RATE

log = logging.getLogger(__name__)

MODEL_ZIP = "vosk-model-small-en-us-0.15.zip"


def fetch_hint(model: Path) -> str:
    """How to put the English model where `model` says it should be, online or not."""
    return (f"run scripts/fetch-models --dir {model.parent} (offline: download {MODEL_ZIP} elsewhere and add "
            f"--zip {MODEL_ZIP}), or set [transcribe] model to a Vosk model directory")
WAKE_TAIL_S = 0.32  # speech heard this soon after the wake is the wake word's own tail


class TranscribeError(Exception):
    """The Vosk model is missing or broken."""


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    conf: float

    def as_dict(self) -> dict:
        return {"word": self.word, "start": self.start, "end": self.end, "conf": self.conf}


@dataclass
class Transcript:
    words: list[Word] = field(default_factory=list)
    reason: str = "end"  # silence | max_length | no_speech | end
    duration: float = 0.0  # seconds of audio fed

    @property
    def text(self) -> str:
        return " ".join(w.word for w in self.words)


def import_vosk():
    """The vosk module, without the requests and tqdm that its model downloader imports.

    earmuff never downloads a model (the listener has no network), and those two
    with what they import (urllib3, ssl, ...) cost about 8 MB of RSS and 0.1 s of
    start-up. Stand-ins serve vosk's own import only and are taken out of
    sys.modules right after, so anything else importing them gets the real ones.
    """
    if "vosk" in sys.modules:
        return sys.modules["vosk"]

    def no_download(*args, **kwargs):
        raise RuntimeError("earmuff does not download Vosk models; give a model directory")

    stand_ins = {}
    for name in ("requests", "tqdm"):
        if name not in sys.modules:
            stand_ins[name] = sys.modules[name] = types.ModuleType(name, "not loaded (see device.listener.transcribe)")
            stand_ins[name].get = stand_ins[name].tqdm = no_download
    try:
        import vosk
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    return vosk


def load_model(path: Path | str):
    """Load a Vosk model directory, with a clear error when it is not there."""
    vosk = import_vosk()

    path = Path(path)
    if not path.is_dir():
        raise TranscribeError(f"Vosk model not found at {path}: {fetch_hint(path)}")
    if not (path / "am" / "final.mdl").is_file() or not (path / "conf" / "model.conf").is_file():
        raise TranscribeError(f"{path} is not a complete Vosk model (am/final.mdl, conf/model.conf): "
                              f"{fetch_hint(path)}")
    vosk.SetLogLevel(-1)
    try:
        return vosk.Model(str(path))
    except Exception as e:  # vosk raises a bare Exception("Failed to create a model")
        raise TranscribeError(f"Vosk could not load the model at {path} ({e}): {fetch_hint(path)}") from None


def _words(result_json: str, key: str = "result") -> list[Word]:
    result = json.loads(result_json)
    return [
        Word(w["word"], round(float(w["start"]), 3), round(float(w["end"]), 3), round(float(w.get("conf", 1.0)), 3))
        for w in result.get(key, [])
    ]


class Utterance:
    """One streaming recognition after a wake word, with endpointing."""

    def __init__(self, model, vad, settings: TranscribeSettings, recognizer=None):
        """`recognizer`: anything with Vosk's KaldiRecognizer methods; only `earmuff demo` passes one."""
        self.settings = settings
        if recognizer is None:
            vosk = import_vosk()
            recognizer = vosk.KaldiRecognizer(model, SAMPLE_RATE)
            recognizer.SetWords(True)
        self.recognizer = recognizer
        self.vad = vad
        self.vad.reset_states()
        self._words: list[Word] = []  # words of segments Vosk has already closed
        self._last_speech_end: float | None = None  # seconds into the utterance
        self._samples = 0
        self.reason: str | None = None

    @property
    def duration(self) -> float:
        return self._samples / SAMPLE_RATE

    def feed(self, frame: np.ndarray) -> str | None:
        """Feed one 16 kHz int16 frame. Returns the end reason once the utterance is over."""
        if self.reason is not None:
            return self.reason
        pcm = frame.astype(np.int16)
        self._samples += len(pcm)
        if self.recognizer.AcceptWaveform(pcm.tobytes()):
            self._words.extend(_words(self.recognizer.Result()))
        voiced = self.vad.predict(pcm, frame_size=640) >= self.settings.vad_threshold
        # The first frames may still hold the end of the wake word (a verifier wakes right at its end):
        # that is not the command, and must not start the trailing-silence clock.
        if voiced and self.duration > WAKE_TAIL_S:
            self._last_speech_end = self.duration
        self.reason = self._endpoint()
        return self.reason

    def _endpoint(self) -> str | None:
        s, now = self.settings, self.duration
        if now >= s.max_utterance_s:
            return "max_length"
        if self._last_speech_end is None:
            return "no_speech" if now >= s.no_speech_timeout_s else None
        if now - self._last_speech_end >= s.trailing_silence_ms / 1000:
            return "silence"
        return None

    def finish(self) -> Transcript:
        words = self._words + _words(self.recognizer.FinalResult())
        return Transcript(words=words, reason=self.reason or "end", duration=round(self.duration, 3))


class Transcriber:
    """Holds the loaded Vosk model; makes an Utterance per wake."""

    def __init__(self, model_path: Path | str, settings: TranscribeSettings | None = None):
        self.model_path = Path(model_path)
        self.settings = settings or TranscribeSettings()
        self.model = load_model(self.model_path)
        self._vad = None

    def utterance(self) -> Utterance:
        if self._vad is None:
            from device.listener.wakeword.vad import SileroVad

            self._vad = SileroVad()
        return Utterance(self.model, self._vad, self.settings)

    def transcribe(self, audio: np.ndarray, chunk: int = 8000) -> Transcript:
        """A whole recording, no endpointing: every word, with timestamps."""
        vosk = import_vosk()

        recognizer = vosk.KaldiRecognizer(self.model, SAMPLE_RATE)
        recognizer.SetWords(True)
        words: list[Word] = []
        pcm = audio.astype(np.int16)
        for i in range(0, len(pcm), chunk):
            if recognizer.AcceptWaveform(pcm[i : i + chunk].tobytes()):
                words.extend(_words(recognizer.Result()))
        words.extend(_words(recognizer.FinalResult()))
        return Transcript(words=words, reason="end", duration=round(len(pcm) / SAMPLE_RATE, 3))
