"""Coloured noise made with numpy: for enrolment's noisy copies of a take, and the benchmarks' corpora."""

from __future__ import annotations

import numpy as np

from device.listener.audio import SAMPLE_RATE

COLOURS = ("white", "pink", "brown")


def coloured(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """n samples of unit-RMS noise, float32: white (flat), pink (1/f power) or brown (1/f^2 power).

    Shaped in the frequency domain, flat below 20 Hz so the lowest bins do not swamp the rest.
    """
    if kind not in COLOURS:
        raise ValueError(f"noise colour {kind!r}: one of {', '.join(COLOURS)}")
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.fft.rfftfreq(n, 1 / SAMPLE_RATE), 20.0)
    shape = {"white": 1.0, "pink": 1 / np.sqrt(f), "brown": 1 / f}[kind]
    x = np.fft.irfft(spectrum * shape, n)
    return (x / (np.sqrt(np.mean(x**2)) + 1e-9)).astype(np.float32)
