"""openWakeWord's streaming features: melspectrogram frames, then speech embeddings.

The same computation as openwakeword.utils.AudioFeatures (0.4.0) in streaming
use, step for step, so that the wake word models see the very numbers they see
under openwakeword (tests/test_wakeword_oracle.py checks every score):

- Audio accumulates until at least 1280 samples (80 ms) are new; then the
  melspectrogram model runs on them plus the 480 samples (3 hops of 160)
  before them, and its output is scaled by x/10 + 2.
- Each complete 80 ms in that chunk gives one embedding: the embedding model
  on a window of the last 76 melspectrogram frames, stepping back 8 frames
  (80 ms) per earlier one. Samples past the last whole 80 ms are dropped, as
  openwakeword drops them.
- The melspectrogram history starts as 76 frames of ones, the embedding
  history as 116 embeddings of silence (openwakeword embeds 10 s of zeros; all
  its windows are equal, so one is computed), and they keep at most 970
  frames and 120 embeddings.

What differs is only how it is kept: the raw audio is a small NumPy tail (at
most the new samples and the 480 before them) instead of a 10 s deque turned
into a Python list every frame, and the silence embedding is computed once.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
CHUNK = 1280  # 80 ms: one embedding
MEL_OVERLAP = 160 * 3  # samples before the new ones that the melspectrogram needs
MEL_BINS = 32
WINDOW = 76  # melspectrogram frames per embedding
STEP = 8  # melspectrogram frames per 80 ms
EMBEDDING_SIZE = 96
MIN_CHUNK = 400  # openwakeword refuses less than 25 ms at a time
RAW_LIMIT = SAMPLE_RATE * 10  # openwakeword's raw buffer: a longer chunk is cut to its last 10 s
MEL_LIMIT = 10 * 97
EMBEDDING_LIMIT = 120
SILENCE_EMBEDDINGS = 116  # what openwakeword's 10 s of zeros give


class FeatureStream:
    """Audio in, one speech embedding per 80 ms out; keeps the recent embeddings."""

    def __init__(self, melspec_session, embedding_session):
        self._melspec = melspec_session
        self._embedding = embedding_session
        zeros = np.zeros(MEL_OVERLAP + WINDOW * 160, np.int16)  # exactly 76 frames of silence
        self._silence = np.tile(self._embed(self._melspectrogram(zeros)[:WINDOW]), (SILENCE_EMBEDDINGS, 1))
        self.reset()

    def reset(self) -> None:
        """Forget all audio: back to the state of a new openwakeword AudioFeatures."""
        self._raw = np.zeros(0, np.int16)
        self._new_samples = 0
        self._mel = np.ones((WINDOW, MEL_BINS), np.float32)
        self.embeddings = self._silence.copy()  # (n, 96) float32, oldest first

    def push(self, audio: np.ndarray, embed: bool = True) -> int:
        """Add 16 kHz int16 audio (any length from 400 samples); returns how many embeddings it added.

        embed=False updates only the melspectrogram history: for catching up on
        audio whose embeddings nothing will read, only the context of later ones.
        """
        if audio.ndim != 1 or len(audio) < MIN_CHUNK:
            raise ValueError(f"expected at least {MIN_CHUNK} samples of mono audio, got shape {audio.shape}")
        self._raw = np.concatenate((self._raw, audio.astype(np.int16, copy=False)))[-RAW_LIMIT:]
        self._new_samples += len(audio)
        added = 0
        if self._new_samples >= CHUNK:
            spec = self._melspectrogram(self._raw[-(self._new_samples + MEL_OVERLAP):])
            self._mel = np.concatenate((self._mel, spec))[-MEL_LIMIT:]
            self._raw = self._raw[-MEL_OVERLAP:]
            new = []
            for back in range(self._new_samples // CHUNK - 1 if embed else -1, -1, -1):
                end = len(self._mel) - STEP * back
                window = self._mel[end - WINDOW : end] if end >= WINDOW else self._mel[:0]
                if len(window) == WINDOW:
                    new.append(self._embed(window))
            if new:
                self.embeddings = np.concatenate((self.embeddings, new))
                added = len(new)
            self._new_samples = 0
        self.embeddings = self.embeddings[-EMBEDDING_LIMIT:]
        return added

    def window(self, frames: int, back: int = 0) -> np.ndarray:
        """The `frames` embeddings ending `back` embeddings before the newest, shaped (1, frames, 96)."""
        end = len(self.embeddings) - back
        return self.embeddings[max(end - frames, 0) : end][None]

    def _melspectrogram(self, audio: np.ndarray) -> np.ndarray:
        spec = self._melspec.run(None, {"input": audio.astype(np.float32)[None]})[0]
        return spec.reshape(-1, MEL_BINS) / 10 + 2  # openwakeword's transform towards Google's front end

    def _embed(self, window: np.ndarray) -> np.ndarray:
        return self._embedding.run(None, {"input_1": window[None, :, :, None]})[0].reshape(EMBEDDING_SIZE)
