"""Train the shipped verifiers (device/data/verifiers/WORD.npz) from espeak-ng speech.

    nice python -m benchmarks.verifier_train [--words alexa hey_jarvis hey_mycroft]

Seeded and cached: the corpus (benchmarks/verifier_corpus.py, training voices
and training near-miss phrases only) is made once, a few minutes on two cores;
training then takes seconds per word. Per word:
  positives  the windows the base model sees from the end of the wake phrase
             to half a second after it, clean and in noise;
  negatives  every window where the base model reaches the gate on anything
             else (near misses, ordinary talk, noise, the other wake words,
             the talk around the wake phrase), and a sample of the rest.
The threshold is set on the training clips: the highest one that still wakes
on 99% of the positive clips the gate lets through.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks import verifier_corpus as vc
from device import verifier as vmod

GATE = 0.002  # base score at which the verifier is asked: low, so it can also accept quiet and noisy takes
POSITIVE_FRAMES = (-1, 7)  # frames around the phrase's end whose windows count as the wake phrase
IGNORE_FRAMES = (-3, 14)  # around that, neither label: nearly all of the phrase, or all of it and what follows
# Windows before that hold only the start of the phrase ("hey jar"): negatives, so the verifier waits for the end.
HIDDEN = 32
HARD_NEGATIVES = 200
SEED = 1


def training_sets(pool) -> dict[str, vc.FeatureSet]:
    phon = vc.phonemes()
    sets = {}
    for i, model in enumerate(vc.MODELS):
        sets[f"pos-{model}"] = vc.build_set(f"train-pos-{model}", vc.positive_clips(model, "train", 150, "one",
                                                                                     100 + i), pool)
        phrases = vc.split_phrases(vc.near_misses(model, phon))["train"]
        sets[f"near-{model}"] = vc.build_set(f"train-near-{model}", vc.near_miss_clips(
            model, phrases, "train", 3, 200 + i, noisy=True), pool)
    sets["speech"] = vc.build_set("train-speech", vc.speech_clips("train", 30, 300, noisy=True), pool)
    sets["noise"] = vc.build_set("train-noise", vc.noise_clips("train", 120, 400), pool)
    return sets


def labelled_frames(fs: vc.FeatureSet, i: int, column: int, own: bool, rng, gate: float = GATE):
    """(frames, labels) to train on from clip i: own=True if the clip holds this model's wake phrase."""
    scores = fs.clip_scores(i)[:, column]
    n = len(scores)
    label = np.zeros(n, np.int8)
    keep = (scores >= gate) | (rng.random(n) < 0.05)
    keep[:vc.WINDOW_FRAMES] = keep[:vc.WINDOW_FRAMES] & (scores[:vc.WINDOW_FRAMES] >= gate)
    if own and fs.end_frame[i] >= 0:
        end = fs.end_frame[i]
        lo, hi = max(0, end + IGNORE_FRAMES[0]), min(n, end + IGNORE_FRAMES[1])
        keep[lo:hi] = False
        keep[max(0, end - 12):lo] = True
        plo, phi = max(0, end + POSITIVE_FRAMES[0]), min(n, end + POSITIVE_FRAMES[1])
        keep[plo:phi] = True
        label[plo:phi] = 1
    frames = np.nonzero(keep)[0]
    return frames, label[frames]


def dataset(sets: dict[str, vc.FeatureSet], model: str, rng) -> tuple[np.ndarray, np.ndarray]:
    column = vc.MODELS.index(model)
    xs, ys = [], []
    for key, fs in sets.items():
        for i in range(len(fs.clips)):
            frames, labels = labelled_frames(fs, i, column, key == f"pos-{model}", rng)
            if len(frames):
                xs.append(fs.windows(i, frames))
                ys.append(labels)
    return np.concatenate(xs), np.concatenate(ys)


def choose_threshold(verifier: vmod.Verifier, fs: vc.FeatureSet, column: int, recall: float = 0.99) -> float:
    """The highest threshold that keeps `recall` of the gated positive clips."""
    best = []
    for i in range(len(fs.clips)):
        scores = fs.clip_scores(i)[:, column]
        end = fs.end_frame[i]
        frames = np.nonzero(scores >= verifier.gate)[0]
        frames = frames[(frames >= end + IGNORE_FRAMES[0]) & (frames < end + IGNORE_FRAMES[1])]
        if len(frames):
            best.append(verifier.score_many(fs.windows(i, frames)).max())
    return float(np.clip(np.quantile(best, 1 - recall), 0.05, 0.95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", nargs="+", default=vc.MODELS, choices=vc.MODELS)
    args = parser.parse_args()
    started = time.monotonic()
    with vc.open_pool(vc.babbles()) as pool:
        sets = training_sets(pool)
    print(f"corpus: {sum(fs.hours for fs in sets.values()):.2f} h of audio, "
          f"ready in {time.monotonic() - started:.0f} s")
    for model in args.words:
        t0 = time.monotonic()
        rng = np.random.default_rng(SEED)
        x, y = dataset(sets, model, rng)
        verifier = vmod.train(x, y, model, hidden=HIDDEN, l2=1e-2, epochs=30, seed=SEED)
        verifier.gate = GATE
        verifier.threshold = choose_threshold(verifier, sets[f"pos-{model}"], vc.MODELS.index(model))
        verifier.info = {"trained_on": "espeak-ng training voices (benchmarks/verifier_train.py)",
                         "positives": str(int(y.sum())), "negatives": str(int(len(y) - y.sum()))}
        path = verifier.save(vmod.PACKAGE_DIR / f"{model}.npz")
        # The negatives it scores highest go along, for enrolment's personal verifiers to learn from.
        negatives = x[y == 0]
        hardest = np.argsort(verifier.score_many(negatives))[-HARD_NEGATIVES:]
        np.save(vmod.PACKAGE_DIR / f"{model}-hard-negatives.npy", negatives[hardest].astype(np.float16))
        print(f"{model}: {int(y.sum())} positive and {int(len(y) - y.sum())} negative windows; gate {GATE}, "
              f"threshold {verifier.threshold:.2f}; trained in {time.monotonic() - t0:.1f} s -> {path} "
              f"({path.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
