"""The corpus earmuff's wake rules were calibrated on: raw openWakeWord at 0.5 vs the rules, same audio.

(The per-word report with the verifier, noise and near misses is benchmarks/wake.py.)

    python -m benchmarks.wake_calibration [--sweep] [--minutes 126]

Builds (once, cached) the espeak-ng corpus of benchmarks/wakecorpus.py, scores
every 80 ms frame with every built-in model and the Silero VAD gate, then
replays the score streams:
  raw      openWakeWord as most integrations use it: a wake whenever the score
           rises to 0.5 or more (one per rising edge).
  earmuff  device.listener.wake.WakeRule with the settings earmuff uses by default for
           that model (threshold, patience, refractory, VAD gate).
Recall: share of positive clips with a wake of the right model.
False wakes per hour: wakes of that model over the negative audio.
--sweep prints the grid the defaults were chosen from.
"""

from __future__ import annotations

import argparse
import itertools
import time
from functools import partial

import numpy as np

from benchmarks import wakecorpus
from device.config import WakeSettings
from device.listener.audio import FRAME_SAMPLES, FRAME_SECONDS
from device.listener.wake import VadGate, WakeDetector, WakeRule

MODELS = list(wakecorpus.WAKE_PHRASES)


def score_files(paths, detector: WakeDetector, gate: VadGate) -> dict[str, np.ndarray]:
    """Per file: an array (frames, models + 1) of raw scores and, last, the VAD gate score."""
    out = {}
    for path in paths:
        cached = path.with_suffix(".scores.npy")
        if cached.exists() and cached.stat().st_mtime > path.stat().st_mtime:
            out[str(path)] = np.load(cached)
            continue
        audio = wakecorpus.read_wav(path)
        detector.restart()
        gate.reset()
        rows = []
        for i in range(len(audio) // FRAME_SAMPLES):
            frame = audio[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]
            scores = detector.scores(frame)
            rows.append([scores[m] for m in MODELS] + [gate.score(frame)])
        arr = np.asarray(rows, np.float32)
        np.save(cached, arr)
        out[str(path)] = arr
    return out


def raw_fires(scores: np.ndarray, gate: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Frames where raw openWakeWord wakes: each rise of the score to the threshold."""
    above = scores >= threshold
    return np.nonzero(above & ~np.concatenate([[False], above[:-1]]))[0]


def rule_fires(scores: np.ndarray, gate: np.ndarray, threshold, patience, refractory, vad) -> list[int]:
    """Frames where earmuff's WakeRule wakes, replayed over recorded scores."""
    rule = WakeRule(threshold, patience, refractory)
    voiced = gate >= vad if vad > 0 else np.ones(len(gate), bool)
    return [i for i, (s, v) in enumerate(zip(scores, voiced, strict=True)) if rule.update(i, float(s), bool(v))]


def near_miss_mask(wav_path: str, frames: int) -> np.ndarray:
    """Frames of a negative chunk inside (or just after) a spoken near-miss phrase."""
    mask = np.zeros(frames, bool)
    for start, end in wakecorpus.near_miss_spans(wav_path):
        mask[int(start / FRAME_SECONDS) : int((end + 1.0) / FRAME_SECONDS)] = True
    return mask


def evaluate(pos, neg, column, hours, fires):
    """(recall, false wakes per hour, false wakes on near-miss phrases)."""
    hits = sum(len(fires(arr[:, column], arr[:, -1])) > 0 for arr in pos.values())
    false = near = 0
    for path, arr in neg.items():
        found = fires(arr[:, column], arr[:, -1])
        false += len(found)
        near += int(near_miss_mask(path, len(arr))[found].sum()) if len(found) else 0
    return hits / len(pos), false / hours, near


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="print the calibration grid")
    parser.add_argument("--minutes", type=float, default=126, help="negative audio to use (default 126)")
    args = parser.parse_args()

    started = time.monotonic()
    pos_paths, neg_paths = wakecorpus.build(MODELS, minutes=args.minutes)
    detector = WakeDetector(WakeSettings(models=tuple(MODELS)))
    gate = VadGate(0.5)
    neg = score_files(neg_paths, detector, gate)
    pos = {m: score_files(pos_paths[m], detector, gate) for m in MODELS}
    hours = sum(len(a) for a in neg.values()) * FRAME_SECONDS / 3600
    defaults = WakeSettings()
    print(f"corpus: {sum(len(p) for p in pos.values())} positive clips ({len(pos[MODELS[0]])} per model, "
          f"half over brown noise at 10 dB SNR), {hours:.2f} h of negative audio; "
          f"scored in {time.monotonic() - started:.0f} s")
    print("FA/h: false wakes per hour over all negative audio; (n) of them on near-miss phrases")
    print(f"{'model':12} {'raw@0.5 recall':>14} {'raw FA/h':>12} {'earmuff recall':>15} {'earmuff FA/h':>13}  "
          "earmuff settings")
    for column, model in enumerate(MODELS):
        raw = evaluate(pos[model], neg, column, hours, raw_fires)
        threshold, patience, refractory = defaults.for_model(model)
        vad = defaults.vad_threshold
        ours = evaluate(pos[model], neg, column, hours, partial(
            rule_fires, threshold=threshold, patience=patience, refractory=refractory, vad=vad))
        print(f"{model:12} {raw[0]:>14.1%} {raw[1]:>7.2f} ({raw[2]:>2}) {ours[0]:>15.1%} "
              f"{ours[1]:>7.2f} ({ours[2]:>2})  threshold {threshold} patience {patience} "
              f"refractory {refractory} s vad {vad}")
        if args.sweep:
            for thr, pat, v in itertools.product(np.arange(0.2, 0.81, 0.05), (1, 2, 3), (0.0, 0.5)):
                r, fa, near = evaluate(pos[model], neg, column, hours, partial(
                    rule_fires, threshold=round(thr, 2), patience=pat, refractory=refractory, vad=v))
                print(f"    sweep {model} threshold {thr:.2f} patience {pat} vad {v}: "
                      f"recall {r:.1%} FA/h {fa:.2f} ({near} near misses)")


if __name__ == "__main__":
    main()
