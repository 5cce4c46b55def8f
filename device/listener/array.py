"""One channel out of a microphone array: `[audio] channel`.

"mean" averages the channels; a number takes that channel; "best" follows the
channel with the best speech-to-noise estimate over the last second or so;
"beam" is a delay-and-sum beam: each channel is delayed by a whole number of
samples to line up with channel 0 (delays from GCC-PHAT over the last second),
then they are averaged. All of them are streaming and numpy only, and work at
the device rate, before resampling. Whether "best" or "beam" helps is measured
by benchmarks/array.py (docs/measured.md has the figures).
"""

from __future__ import annotations

import collections

import numpy as np

WINDOW_S = 1.0  # how much recent audio "best" and "beam" judge by
SILENT_DB = -100.0  # below this (re full scale), a channel is dead: unplugged, covered, muted


class Mean:
    def mix(self, samples: np.ndarray) -> np.ndarray:
        return samples.mean(axis=1)


class Pick:
    def __init__(self, channel: int):
        self.channel = channel

    def mix(self, samples: np.ndarray) -> np.ndarray:
        return samples[:, self.channel]


class BestChannel:
    """The channel whose loud moments stand furthest above its quiet ones.

    Per 20 ms piece and channel, the energy of the first difference (which
    tilts away from the rumble that dominates room noise), in dB; a channel's
    score is the spread between its 90th and 10th percentiles over the window:
    speech peaks over the noise floor. The first choice (after half a window)
    is the top score; after that another channel takes over only when it
    scores `hysteresis_db` better, so the choice does not flap between
    near-equal microphones, or at once when the chosen one falls silent.
    """

    def __init__(self, channels: int, rate: int, hysteresis_db: float = 3.0, window_s: float = WINDOW_S):
        self.channels, self.hysteresis_db = channels, hysteresis_db
        self.piece = max(1, rate // 50)
        self.current = 0
        self._chosen = False  # the first choice is free of the hysteresis
        self._levels: collections.deque[np.ndarray] = collections.deque(maxlen=max(10, round(window_s * 50)))
        self._last = np.zeros(channels, np.float32)  # the sample before the next piece, for the difference
        self._partial = np.zeros((0, channels), np.float32)

    def scores(self) -> np.ndarray:
        """Each channel's speech-to-noise estimate in dB."""
        levels = np.array(self._levels)
        return np.percentile(levels, 90, axis=0) - np.percentile(levels, 10, axis=0)

    def mix(self, samples: np.ndarray) -> np.ndarray:
        self._measure(samples)
        if len(self._levels) >= self._levels.maxlen // 2:
            scores = self.scores()
            best = int(np.argmax(scores))
            silent = np.max(np.array(self._levels)[:, self.current]) < SILENT_DB
            if not self._chosen or silent or scores[best] > scores[self.current] + self.hysteresis_db:
                self.current, self._chosen = best, True
        return samples[:, self.current]

    def _measure(self, samples: np.ndarray) -> None:
        buf = np.concatenate([self._partial, samples])
        whole = len(buf) - len(buf) % self.piece
        if whole:
            diff = np.diff(buf[:whole], axis=0, prepend=self._last[None, :])
            self._last = buf[whole - 1]
            energy = (diff.reshape(-1, self.piece, self.channels) ** 2).mean(axis=1)
            self._levels.extend(10 * np.log10(energy + 1e-12))
        self._partial = buf[whole:]


class DelayAndSum:
    """Delay-and-sum with whole-sample delays from GCC-PHAT against channel 0.

    Cross-spectra of each channel with channel 0 are averaged over about a
    second, separately for the moments that stand `gate_db` above the noise
    floor (a floor that follows the level down at once and up at 3 dB a
    second) and for the rest; the difference is the talker's part. So the
    beam follows a talker rather than a steady noise source such as a fan or
    a dishwasher, which would otherwise win by lasting longest and, in its
    own frequencies, by being louder. PHAT weighting keeps only the phase,
    and the peak of its inverse transform within ±max_delay_s is the delay.
    A delay changes only when that peak stands out (at least `min_peak`; 0.1
    or so for independent noise at the microphones, 0.8 and more for one
    talker): in silence, the channels keep their last delays. Channel c's
    sample at t + d_c lines up with channel 0's at t; the output is the
    average of the aligned channels, late by max_delay_s.
    """

    def __init__(self, channels: int, rate: int, max_delay_s: float = 0.0005, window_s: float = WINDOW_S,
                 min_peak: float = 0.3, gate_db: float = 4.0):
        self.channels, self.min_peak, self.gate_db = channels, min_peak, gate_db
        self.max_lag = max(1, int(np.ceil(rate * max_delay_s)))
        self.size = 1 << int(np.ceil(np.log2(rate * 0.032)))  # FFT frames of about 32 ms
        self._decay = float(np.exp(-self.size / (rate * window_s)))
        self._floor_rise_db = 3.0 * self.size / rate
        self._floor: float | None = None  # channel 0's noise floor, dB
        self._window = np.hanning(self.size).astype(np.float32)
        self._cross = np.zeros((channels, self.size // 2 + 1), np.complex128)  # over the floor
        self._noise_cross = np.zeros_like(self._cross)  # at the floor
        self._partial = np.zeros((0, channels), np.float32)
        self._history = np.zeros((2 * self.max_lag, channels), np.float32)
        self.delays = np.zeros(channels, int)  # channel c lags channel 0 by delays[c] samples

    def mix(self, samples: np.ndarray) -> np.ndarray:
        self._estimate(samples)
        buf = np.concatenate([self._history, samples])
        n, lag = len(samples), self.max_lag
        out = np.zeros(n, np.float32)
        for c, d in enumerate(self.delays):
            out += buf[lag + d: lag + d + n, c]
        self._history = buf[len(buf) - 2 * lag:]
        return out / self.channels

    def _estimate(self, samples: np.ndarray) -> None:
        buf = np.concatenate([self._partial, samples])
        frames = len(buf) // self.size
        for i in range(frames):
            frame = buf[i * self.size:(i + 1) * self.size]
            level = 10 * np.log10(np.mean(frame[:, 0] ** 2) + 1e-12)
            self._floor = level if self._floor is None else min(level, self._floor + self._floor_rise_db)
            spectra = np.fft.rfft(frame * self._window[:, None], axis=0).T
            cross = spectra * np.conj(spectra[0])
            if level < self._floor + self.gate_db:  # the noise floor: no talker here
                self._noise_cross = self._decay * self._noise_cross + (1 - self._decay) * cross
            else:
                self._cross = self._decay * self._cross + (1 - self._decay) * cross
        self._partial = buf[frames * self.size:]
        if frames:
            talker = self._cross - self._noise_cross
            phase = talker / (np.abs(talker) + 1e-12)
            correlation = np.fft.irfft(phase, n=self.size, axis=1)
            lags = np.arange(-self.max_lag, self.max_lag + 1)
            near = correlation[:, lags]
            clear = near.max(axis=1) >= self.min_peak
            self.delays = np.where(clear, lags[np.argmax(near, axis=1)], self.delays)


def channel_mixer(channel: int | str | None, channels: int, rate: int):
    """The mixer for `[audio] channel`: None or "mean", "best", "beam", or a channel number."""
    if channel == "best" and channels > 1:
        return BestChannel(channels, rate)
    if channel == "beam" and channels > 1:
        return DelayAndSum(channels, rate)
    if isinstance(channel, int):
        return Pick(channel)
    return Mean()  # "mean", or one channel, where all of them are the same
