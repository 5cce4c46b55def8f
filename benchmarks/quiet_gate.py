"""The quiet-room gate changes no detection: the wake corpora through the detector with and without it.

    python -m benchmarks.quiet_gate [--corpora calibration,verifier] [--splits held_out festival]
                                    [--negative-minutes 126] [--talk-minutes N]

  calibration  the wake calibration corpus (benchmarks/wakecorpus.py, what
               benchmarks/wake_calibration.py calibrates on): every built-in
               word's takes, clean and at 10 dB SNR, and the negative hours of
               talk, babble, noise and near misses; all five words in one
               detector (so the gate holds 22 frames, weather's window)
  verifier     the verifier's evaluation sets (benchmarks/wake.py): per split,
               takes clean and in noise, in simulated rooms, near misses and
               talk; alexa, hey_jarvis and hey_mycroft with their shipped
               verifiers, as the listener runs them (the gate holds 16 frames)

Each clip (a negative file is one stream; a take, of either corpus, after 4.8 s
of its own quiet start, so that the gate rests first) goes frame by frame through
WakeDetector.process() twice, with `rest_when_quiet` on and off. Compared:
the detections (word and frame) and every score the gated detector computed.
Printed per set: clips, hours, share of frames rested, detections, detections
that differ (target 0), worst score difference (target at most 1e-4).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from benchmarks import verifier_corpus as vc
from benchmarks import wakecorpus
from benchmarks.listen_cpu import cpu_name
from device.listener.audio import FRAME_SAMPLES

_detectors: dict[tuple[str, ...], tuple] = {}


def _pair(words: tuple[str, ...]):
    """(gated, ungated) detectors for these words, one pair per worker, verifiers as shipped."""
    if words not in _detectors:
        from device.config import WakeSettings
        from device.listener.wake import WakeDetector

        _detectors[words] = tuple(WakeDetector(WakeSettings(models=words, rest_when_quiet=gate))
                                  for gate in (True, False))
    return _detectors[words]


def compare(audio: np.ndarray, words: tuple[str, ...]) -> dict:
    gated, plain = _pair(words)
    gated.restart()
    plain.restart()
    found: tuple[set, set] = (set(), set())
    worst, rested = 0.0, 0
    frames = len(audio) // FRAME_SAMPLES
    for i in range(frames):
        frame = audio[i * FRAME_SAMPLES:(i + 1) * FRAME_SAMPLES]
        found[0].update((d.wakeword, i) for d in gated.process(frame))
        found[1].update((d.wakeword, i) for d in plain.process(frame))
        if gated.scored:
            worst = max(worst, *(abs(gated.last_scores[w] - plain.last_scores[w]) for w in words))
        else:
            rested += 1
    return {"frames": frames, "rested": rested, "gated": len(found[0]), "plain": len(found[1]),
            "differ": len(found[0] ^ found[1]), "worst": worst}


def after_quiet(audio: np.ndarray) -> np.ndarray:
    """A short clip after 4.8 s of its own quiet start (its first 0.48 s, repeated), so that the
    gate rests before it and has to catch up at its first sound: on its own, it would not rest."""
    return np.concatenate([np.tile(audio[: 6 * FRAME_SAMPLES], 10), audio])


def _file_job(job: tuple[str, tuple[str, ...], bool]) -> dict:
    path, words, short = job
    audio = wakecorpus.read_wav(path)
    return compare(after_quiet(audio) if short else audio, words)


def _clip_job(job: tuple[vc.Clip, tuple[str, ...]]) -> dict:
    clip, words = job
    return compare(after_quiet(vc.render(clip)[0]), words)


def _init(babbles: dict[str, np.ndarray]) -> None:
    vc._babble.update(babbles)


def calibration_sets(negative_minutes: float) -> dict[str, list]:
    words = tuple(wakecorpus.WAKE_PHRASES)
    positives, negatives = wakecorpus.build(list(words), minutes=negative_minutes)
    sets = {f"takes of {word}": [(str(p), words, True) for p in paths] for word, paths in positives.items()}
    sets["negative hours"] = [(str(p), words, False) for p in negatives]
    return sets


def verifier_sets(split: str, talk_minutes: float | None) -> dict[str, list]:
    """The clips of benchmarks/wake.py's test sets for one split (the same seeds)."""
    from benchmarks.wake import SEEDS

    words = tuple(vc.MODELS)
    phon, seed, sets = vc.phonemes(), SEEDS[split], {}
    for i, model in enumerate(vc.MODELS):
        sets[f"{split} takes of {model}"] = vc.positive_clips(model, split, 60, "grid", seed + i)
        sets[f"{split} takes of {model} in rooms"] = vc.positive_clips(model, split, 30, "room", seed + 30 + i)
        phrases = vc.split_phrases(vc.near_misses(model, phon))
        sets[f"{split} near misses of {model}"] = [
            clip for side in ("train", "held_out")
            for clip in vc.near_miss_clips(model, phrases[side], split, 2, seed + 10 + i)]
    minutes = talk_minutes or (180 if split == "held_out" else 60)
    sets[f"{split} talk"] = vc.speech_clips(split, minutes, seed + 20)
    return {name: [(clip, words) for clip in clips] for name, clips in sets.items()}


def report(name: str, results: list[dict]) -> bool:
    frames = sum(r["frames"] for r in results)
    rested = sum(r["rested"] for r in results)
    differ = sum(r["differ"] for r in results)
    worst = max(r["worst"] for r in results)
    print(f"{name:34} {len(results):6} {frames * FRAME_SAMPLES / 16000 / 3600:7.2f} {rested / max(frames, 1):7.1%} "
          f"{sum(r['plain'] for r in results):7} {sum(r['gated'] for r in results):7} {differ:7} {worst:10.2e}")
    return differ == 0 and worst <= 1e-4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="calibration,verifier")
    parser.add_argument("--splits", nargs="+", default=["held_out", "festival"],
                        choices=["train", "held_out", "festival"])
    parser.add_argument("--negative-minutes", type=float, default=126, help="of the calibration corpus (all: 126)")
    parser.add_argument("--talk-minutes", type=float, default=None, help="of each split's talk (default as wake.py)")
    args = parser.parse_args()
    corpora = args.corpora.split(",")
    print(f"machine: {platform.machine()}, {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'set':34} {'clips':>6} {'hours':>7} {'rested':>7} {'wakes':>7} {'gated':>7} {'differ':>7} {'worst':>10}")
    ok = True
    if "calibration" in corpora:
        with ProcessPoolExecutor(2) as pool:
            for name, jobs in calibration_sets(args.negative_minutes).items():
                ok &= report(f"calibration: {name}", list(pool.map(_file_job, jobs)))
    if "verifier" in corpora:
        babbles = vc.babbles()
        with ProcessPoolExecutor(2, initializer=_init, initargs=(babbles,)) as pool:
            for split in args.splits:
                for name, jobs in verifier_sets(split, args.talk_minutes).items():
                    ok &= report(f"verifier: {name}", list(pool.map(_clip_job, jobs, chunksize=4)))
    print("the same detections, every score within 1e-4" if ok else
          "DIFFERENT: the gate changed a detection or a score")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
