"""Wake word accuracy with and without the verifier, on training voices and on held-out voices.

    nice python -m benchmarks.verifier [--words ...] [--personal]

Test clips come from benchmarks/verifier_corpus.py with other seeds than the
training clips: for each side of the voice split, per word 60 takes of the
wake phrase clean and 30 of them in white, pink, brown and babble noise at 10
and 5 dB SNR; every generated near-miss phrase twice (the training side's
phrases and the held-out quarter reported apart); and ordinary talk (20 min
for training voices, 60 min for held-out voices). Systems, on the same audio:
  raw       openWakeWord as most integrations use it: a wake when the score rises to 0.5
  base      earmuff's calibrated WakeRule without the verifier
  verifier  earmuff with the shipped verifier (the verifier's score replaces the base
            score where the base score reaches the verifier's gate)
Recall counts clips with a wake; near-miss figures count clips (utterances) with a
wake of the word they imitate; FA/h counts wakes per hour of ordinary talk.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from benchmarks import verifier_corpus as vc
from device.audio import FRAME_SECONDS
from device.config import WakeSettings
from device.verifier import Verifier, builtin_verifier
from device.wake import WakeRule

SPLITS = {"train": "training voices", "held_out": "held-out voices"}


def test_sets(pool, split: str) -> dict[str, vc.FeatureSet]:
    phon = vc.phonemes()
    seed = 1000 if split == "train" else 2000
    sets = {}
    for i, model in enumerate(vc.MODELS):
        sets[f"pos-{model}"] = vc.build_set(f"test-{split}-pos-{model}",
                                            vc.positive_clips(model, split, 60, "grid", seed + i), pool)
        phrases = vc.split_phrases(vc.near_misses(model, phon))
        for side in ("train", "held_out"):
            sets[f"near-{side}-{model}"] = vc.build_set(
                f"test-{split}-near-{side}-{model}",
                vc.near_miss_clips(model, phrases[side], split, 2, seed + 10 + i), pool)
    sets["speech"] = vc.build_set(f"test-{split}-speech",
                                  vc.speech_clips(split, 20 if split == "train" else 60, seed + 20), pool)
    return sets


def wakes(scores: np.ndarray, threshold: float, patience: int, refractory: float) -> int:
    rule = WakeRule(threshold, patience, refractory)
    return sum(rule.update(i, float(s)) for i, s in enumerate(scores))


def raw_wakes(scores: np.ndarray) -> int:
    above = scores >= 0.5
    return int((above & ~np.concatenate([[False], above[:-1]])).sum())


class Systems:
    """Counts wakes in one clip's scores for raw, base and verifier."""

    def __init__(self, model: str, verifier: Verifier | None):
        self.column = vc.MODELS.index(model)
        self.rule = WakeSettings().for_model(model)
        self.verifier = verifier
        self.names = ["raw", "base"] + (["verifier"] if verifier else [])

    def count(self, fs: vc.FeatureSet, i: int) -> dict[str, int]:
        base = fs.clip_scores(i)[:, self.column]
        out = {"raw": raw_wakes(base), "base": wakes(base, *self.rule)}
        if self.verifier:
            effective = np.zeros_like(base)
            frames = np.nonzero(base >= self.verifier.gate)[0]
            if len(frames):
                effective[frames] = self.verifier.score_many(fs.windows(i, frames))
            out["verifier"] = wakes(effective, self.verifier.threshold, 1, self.rule[2])
        return out


def report(model: str, sets: dict[str, vc.FeatureSet], systems: Systems) -> None:
    pos = sets[f"pos-{model}"]
    counts = [systems.count(pos, i) for i in range(len(pos.clips))]
    conditions = ["clean"] + [f"{n} {s} dB" for n in vc.NOISES for s in (10, 5)]
    cond_of = ["clean" if c.noise == "clean" else f"{c.noise} {c.snr_db:.0f} dB" for c in pos.clips]
    rows = {}
    for name in systems.names:
        row = {}
        for cond in conditions:
            hits = [counts[i][name] > 0 for i in range(len(counts)) if cond_of[i] == cond]
            row[cond] = np.mean(hits) if hits else float("nan")
        noisy10 = [counts[i][name] > 0 for i in range(len(counts)) if cond_of[i].endswith(" 10 dB")]
        row["noise 10 dB"] = np.mean(noisy10)
        for side in ("train", "held_out"):
            fs = sets[f"near-{side}-{model}"]
            row[f"near {side}"] = np.mean([systems.count(fs, i)[name] > 0 for i in range(len(fs.clips))])
        speech = sets["speech"]
        row["FA/h"] = sum(systems.count(speech, i)[name] for i in range(len(speech.clips))) / speech.hours
        rows[name] = row
    n_clean = cond_of.count("clean")
    n_near = {side: len(sets[f"near-{side}-{model}"].clips) for side in ("train", "held_out")}
    print(f"  {model}: {n_clean} clean takes, {cond_of.count('white 10 dB')} per noise condition, "
          f"{n_near['train']}+{n_near['held_out']} near-miss clips (trained / held-out phrases), "
          f"{sets['speech'].hours:.2f} h talk")
    keys = ["clean", "noise 10 dB"] + conditions[1:] + ["near train", "near held_out", "FA/h"]
    print("    " + f"{'':9}" + "".join(f"{k.replace('held_out', 'held'):>13}" for k in keys))
    for name, row in rows.items():
        cells = "".join(f"{row[k]:>13.2f}" if k == "FA/h" else f"{row[k]:>13.1%}" for k in keys)
        print(f"    {name:9}{cells}")


def cost(verifier: Verifier) -> str:
    window = np.random.default_rng(0).standard_normal((16, 96)).astype(np.float32)
    started = time.process_time()
    for _ in range(2000):
        verifier.score(window)
    per_call = (time.process_time() - started) / 2000
    tracemalloc.start()
    Verifier.load(builtin_verifier(verifier.wakeword))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (f"{per_call * 1e6:.0f} us per call = {per_call / FRAME_SECONDS:.2%} of an audio second's time "
            f"if it ran on every 80 ms frame; weights {peak / 1e6:.2f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", nargs="+", default=vc.MODELS, choices=vc.MODELS)
    args = parser.parse_args()
    started = time.monotonic()
    with vc.open_pool(vc.babbles()) as pool:
        sets = {split: test_sets(pool, split) for split in SPLITS}
    print(f"test corpus ready in {time.monotonic() - started:.0f} s; recall per condition, share of near-miss "
          "utterances that wake the word, false wakes per hour of ordinary talk")
    for model in args.words:
        path = builtin_verifier(model)
        verifier = Verifier.load(path) if path else None
        systems = Systems(model, verifier)
        if verifier:
            print(f"{model}: verifier gate {verifier.gate}, threshold {verifier.threshold:.2f}; {cost(verifier)}")
        for split, title in SPLITS.items():
            print(f" {title}")
            report(model, sets[split], systems)


if __name__ == "__main__":
    main()
