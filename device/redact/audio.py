"""Silence (or beep over) the audio of redacted words.

Used when the owner opts to send audio: only redacted audio may leave, with
every identifier word cut out using Vosk's word times and a little padding,
since word boundaries are estimates.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def mute_words(audio: np.ndarray, times: Iterable[tuple[float, float]], rate: int = 16000,
               pad_s: float = 0.05, mode: str = "silence") -> np.ndarray:
    """A copy of int16 `audio` with each (start, end) second range, padded, silenced or beeped."""
    if mode not in ("silence", "beep"):
        raise ValueError(f'mode must be "silence" or "beep", not {mode!r}')
    out = np.array(audio, dtype=np.int16, copy=True)
    for start, end in times:
        a = max(0, int((start - pad_s) * rate))
        b = min(len(out), int(np.ceil((end + pad_s) * rate)))
        if b <= a:
            continue
        if mode == "silence":
            out[a:b] = 0
        else:
            t = np.arange(b - a) / rate
            out[a:b] = (np.sin(2 * np.pi * 1000 * t) * 0.2 * 32767).astype(np.int16)
    return out
