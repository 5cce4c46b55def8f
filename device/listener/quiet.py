"""The quiet-room gate: skip the wake word models while the room is quiet.

openWakeWord's melspectrogram, embedding and word models cost the same on every
80 ms frame, an empty room at night included. The gate measures each frame's
level (one dot product) against the room's noise floor: the lowest frame level
of the last few seconds, so a fan or a fridge counts as quiet too. A frame
louder than the floor by `MARGIN_DB`, or louder than `CEILING_DBFS` however
steady, is loud; the models run on every frame
from a loud one until their longest window (1.28 s for most words) has passed
it, so every window that holds a loud frame is scored. Between those the gate
rests: the models do not run and the frames go to a ring.

When the gate opens again, the detector first computes the features of the
frames it rested through (at most the ring: the embeddings the models and the
verifier look at, plus the melspectrogram context those need), so the models
score exactly what they would have scored had they never stopped
(tests/test_quiet_gate.py checks every score against openwakeword itself).
A frame scored 0 while resting is a window of audio with nothing in it louder
than the floor plus the margin; on the calibration corpus and the verifier's
evaluation sets no such window makes a wake (benchmarks/quiet_gate.py).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from device.listener.audio import mean_square

FLOOR_SECONDS = 3.0  # the noise floor: the quietest frame of this long
MARGIN_DB = 6.0  # louder than the floor by this: the room is not quiet
# Louder than this is never quiet, however steady: a TV's babble or a vacuum cleaner can hold
# within the margin for seconds, and speech-like noise is what the models (and the verifiers,
# which judge base scores from 0.0002) can wake on. A quiet room with a Pi's microphone reads
# about -60 dBFS; a fan or a fridge a few dB more.
CEILING_DBFS = -45.0
SILENT_DBFS = -96.0  # a frame of digital zeros (16-bit audio's floor)
MEL_CONTEXT_FRAMES = 10  # 80 ms frames of audio one embedding needs (76 melspectrogram frames of 10 ms)


def level_dbfs(frame: np.ndarray) -> float:
    """A frame's RMS level in dB below a full-scale 16-bit sine's peak (-96 for zeros)."""
    power = mean_square(frame) / 32768.0**2
    return max(10 * np.log10(power) if power > 0 else SILENT_DBFS, SILENT_DBFS)


class QuietGate:
    """Frame by frame: hearing (the models run) or resting (the frame goes to the ring).

    `window_frames`: the longest window of embeddings any later stage reads
    (16 for the built-in words and the verifiers, 22 for weather). The ring
    holds that many frames plus the melspectrogram context they need.
    """

    def __init__(self, window_frames: int, frame_seconds: float = 0.08, margin_db: float = MARGIN_DB):
        self.hold = window_frames  # frames after a loud one that are still scored
        self.margin_db = margin_db
        self.ring: deque[np.ndarray] = deque(maxlen=window_frames + MEL_CONTEXT_FRAMES)
        self._levels: deque[float] = deque(maxlen=max(int(round(FLOOR_SECONDS / frame_seconds)), 1))
        self.frames = self.rested = 0  # since start: how many frames it saw, how many it rested through
        self.forget()

    def forget(self) -> None:
        """The detector forgot its audio (a reset): nothing to catch up; hear until the next quiet."""
        self.ring.clear()
        self._hear_for = self.hold
        self.hearing = True

    @property
    def noise_floor_dbfs(self) -> float | None:
        return min(self._levels) if self._levels else None

    def admit(self, frame: np.ndarray) -> bool:
        """True: the models must score this frame (first call `missed()` for the frames rested through).
        False: the room is quiet; the frame is kept in the ring."""
        level = level_dbfs(frame)
        self._levels.append(level)
        self.frames += 1
        if level > min(self._levels) + self.margin_db or level > CEILING_DBFS:
            self._hear_for = self.hold
        if self._hear_for > 0:
            self._hear_for -= 1
            self.hearing = True
            return True
        self.hearing = False
        self.rested += 1
        self.ring.append(frame)
        return False

    def missed(self) -> list[np.ndarray]:
        """The frames rested through since the models last ran (at most the ring), oldest first; empties the ring."""
        frames = list(self.ring)
        self.ring.clear()
        return frames

    def status(self) -> dict:
        floor = self.noise_floor_dbfs
        return {"state": "hearing" if self.hearing else "resting",
                "noise_floor_dbfs": None if floor is None else round(floor, 1),
                "margin_db": self.margin_db,
                "rested": round(self.rested / self.frames, 3) if self.frames else 0.0}
