"""How loud the wake word was here: the wake segment's speech level over the noise floor, in dB.

For wake arbitration ([arbitration]): the speakers of a home compare it to let
the one that heard the wake best answer. Cheap and from audio the listener
already has: one mean square per 80 ms frame, kept as numbers (no audio) for
the last few seconds. The noise floor is a low percentile of those levels; the
wake segment's level is the mean power of its louder half (the voiced part),
with the noise floor's power taken out, so that a speaker in a noisier spot
does not count the noise as voice.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from device.listener.audio import FRAME_SECONDS, mean_square

SEGMENT_S = 1.5  # the wake word's window: about what a wake phrase lasts
HISTORY_S = 8.0  # for the noise floor
FLOOR_PERCENTILE = 20  # the 10th picked the loudest speaker less often (benchmarks/arbitration.py, other seeds)
TINY = 1e-2  # mean square of int16 samples: about -130 dBFS, so digital silence has a floor


class LevelMeter:
    def __init__(self):
        self.segment = max(1, round(SEGMENT_S / FRAME_SECONDS))
        self._powers: deque[float] = deque(maxlen=max(self.segment + 1, round(HISTORY_S / FRAME_SECONDS)))

    def add(self, frame: np.ndarray) -> None:
        self._powers.append(mean_square(frame))

    def reset(self) -> None:
        self._powers.clear()

    def loudness(self) -> float:
        """The last SEGMENT_S's speech level over the noise floor, dB (0 when nothing stands out)."""
        if not self._powers:
            return 0.0
        powers = np.fromiter(self._powers, np.float64)
        floor = max(float(np.percentile(powers, FLOOR_PERCENTILE)), TINY)
        segment = np.sort(powers[-self.segment:])
        voiced = float(np.mean(segment[len(segment) // 2:]))
        speech = max(voiced - floor, floor * 1e-3)
        return round(10 * math.log10(speech / floor), 2)
