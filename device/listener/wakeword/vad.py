"""Silero VAD (the model that ships in openwakeword 0.4.0), as openwakeword.VAD runs it."""

from __future__ import annotations

import numpy as np

from device.listener.wakeword.models import model_file, session


class SileroVad:
    """Speech probability per chunk of 16 kHz int16 audio; keeps its recurrent state between calls."""

    def __init__(self, threads: int = 1):
        self.session = session(model_file("silero_vad"), threads)
        self._rate = np.array(16000, np.int64)
        self.reset_states()

    def reset_states(self) -> None:
        self._h = np.zeros((2, 1, 64), np.float32)
        self._c = np.zeros((2, 1, 64), np.float32)

    def predict(self, audio: np.ndarray, frame_size: int = 480) -> float:
        """The mean speech probability over `audio` cut into `frame_size` pieces."""
        probabilities = []
        for i in range(0, len(audio), frame_size):
            piece = (audio[i : i + frame_size] / 32767).astype(np.float32)[None]
            out, self._h, self._c = self.session.run(
                None, {"input": piece, "h": self._h, "c": self._c, "sr": self._rate})
            probabilities.append(out[0][0])
        return float(np.mean(probabilities))
