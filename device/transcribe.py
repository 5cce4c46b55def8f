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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from device.audio import SAMPLE_RATE
from device.config import TranscribeSettings

log = logging.getLogger(__name__)

FETCH_HINT = "run scripts/fetch-models to download it, or set [transcribe] model to a Vosk model directory"
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


def load_model(path: Path | str):
    """Load a Vosk model directory, with a clear error when it is not there."""
    import vosk

    path = Path(path)
    if not path.is_dir():
        raise TranscribeError(f"Vosk model not found at {path}: {FETCH_HINT}")
    if not (path / "am" / "final.mdl").is_file() or not (path / "conf" / "model.conf").is_file():
        raise TranscribeError(f"{path} is not a complete Vosk model (am/final.mdl, conf/model.conf): {FETCH_HINT}")
    vosk.SetLogLevel(-1)
    try:
        return vosk.Model(str(path))
    except Exception as e:  # vosk raises a bare Exception("Failed to create a model")
        raise TranscribeError(f"Vosk could not load the model at {path} ({e}): {FETCH_HINT}") from None


def _words(result_json: str, key: str = "result") -> list[Word]:
    result = json.loads(result_json)
    return [
        Word(w["word"], round(float(w["start"]), 3), round(float(w["end"]), 3), round(float(w.get("conf", 1.0)), 3))
        for w in result.get(key, [])
    ]


class Utterance:
    """One streaming recognition after a wake word, with endpointing."""

    def __init__(self, model, vad, settings: TranscribeSettings):
        import vosk

        self.settings = settings
        self.recognizer = vosk.KaldiRecognizer(model, SAMPLE_RATE)
        self.recognizer.SetWords(True)
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
            import openwakeword

            self._vad = openwakeword.VAD()
        return Utterance(self.model, self._vad, self.settings)

    def transcribe(self, audio: np.ndarray, chunk: int = 8000) -> Transcript:
        """A whole recording, no endpointing: every word, with timestamps."""
        import vosk

        recognizer = vosk.KaldiRecognizer(self.model, SAMPLE_RATE)
        recognizer.SetWords(True)
        words: list[Word] = []
        pcm = audio.astype(np.int16)
        for i in range(0, len(pcm), chunk):
            if recognizer.AcceptWaveform(pcm[i : i + chunk].tobytes()):
                words.extend(_words(recognizer.Result()))
        words.extend(_words(recognizer.FinalResult()))
        return Transcript(words=words, reason="end", duration=round(len(pcm) / SAMPLE_RATE, 3))
