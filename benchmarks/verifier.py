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


def test_sets(pool, split: str, words=tuple(vc.MODELS), tag: str = "", talk_minutes: float | None = None
              ) -> dict[str, vc.FeatureSet]:
    """The test clips of one side of the voice split (tag names a variant, e.g. after a front end)."""
    phon = vc.phonemes()
    seed = 1000 if split == "train" else 2000
    sets = {}
    for model in words:
        i = vc.MODELS.index(model)
        sets[f"pos-{model}"] = vc.build_set(f"test-{tag}{split}-pos-{model}",
                                            vc.positive_clips(model, split, 60, "grid", seed + i), pool)
        phrases = vc.split_phrases(vc.near_misses(model, phon))
        for side in ("train", "held_out"):
            sets[f"near-{side}-{model}"] = vc.build_set(
                f"test-{tag}{split}-near-{side}-{model}",
                vc.near_miss_clips(model, phrases[side], split, 2, seed + 10 + i), pool)
    minutes = talk_minutes or (20 if split == "train" else 60)
    sets["speech"] = vc.build_set(f"test-{tag}{split}-speech", vc.speech_clips(split, minutes, seed + 20), pool)
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
                effective[frames] = self.verifier.rescore_many(base[frames], fs.windows(i, frames))
            out["verifier"] = wakes(effective, self.verifier.threshold, self.verifier.patience, self.rule[2])
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
    parser.add_argument("--personal", action="store_true",
                        help="only the household enrolment figures (synthesized members, held-out voices)")
    args = parser.parse_args()
    started = time.monotonic()
    with vc.open_pool(vc.babbles()) as pool:
        if args.personal:
            held_out = test_sets(pool, "held_out", words=args.words)
            for model in args.words:
                personal_report(pool, model, held_out)
            return
        sets = {split: test_sets(pool, split) for split in SPLITS}
    print(f"test corpus ready in {time.monotonic() - started:.0f} s; recall per condition, share of near-miss "
          "utterances that wake the word, false wakes per hour of ordinary talk")
    for model in args.words:
        path = builtin_verifier(model)
        verifier = Verifier.load(path) if path else None
        systems = Systems(model, verifier)
        if verifier:
            print(f"{model}: verifier gate {verifier.gate}, threshold {verifier.threshold:.2f}, patience "
                  f"{verifier.patience}; {cost(verifier)}")
        for split, title in SPLITS.items():
            print(f" {title}")
            report(model, sets[split], systems)



# -- household enrolment (--personal) ----------------------------------------
MEMBERS = ["en-029+max", "en-gb-x-gbcwmd+f3", "en-029+grandma"]  # held-out accents and variants


def member_take(rng, member: str) -> tuple[str, int, int]:
    return member, int(rng.integers(120, 200)), int(rng.integers(30, 70))


def member_sets(pool, model: str, member: str, seed: int) -> dict[str, vc.FeatureSet]:
    """One household member's other takes (clean, and in noise at 10 dB), near misses and talk."""
    rng = np.random.default_rng(seed)
    greeting, name = vc.WAKE_WORDS[model]
    phrase = f"{greeting} {name}".strip()
    pos = []
    for k in range(30):
        take = member_take(rng, member)
        clean = vc.Clip(((phrase, take),), "positive", model, phrase, seed=seed + k, split="held_out")
        pos.append(clean)
        if k % 2:
            pos.append(vc.Clip(clean.parts, "positive", model, phrase, str(rng.choice(vc.NOISES)), 10.0,
                               seed + 100 + k, "held_out"))
    phrases = vc.near_misses(model, vc.phonemes())
    near = [vc.Clip(((p, member_take(rng, member)),), "near_miss", model, p, seed=seed + 200 + k, split="held_out")
            for k, p in enumerate(phrases)]
    texts = vc.sentences("held_out")
    talk = [vc.Clip(tuple((str(rng.choice(texts)), member_take(rng, member)) for _ in range(3)), "speech",
                    seed=seed + 500 + k, split="held_out") for k in range(15)]
    tag = f"member-{member}-{model}"
    return {f"pos-{model}": vc.build_set(f"{tag}-pos", pos, pool),
            f"near-{model}": vc.build_set(f"{tag}-near", near, pool),
            "talk": vc.build_set(f"{tag}-talk", talk, pool)}


def enrol_member(model: str, member: str, seed: int) -> tuple[object, float]:
    """The member's personal verifier from 8 takes and a minute of their talk, and the seconds it took."""
    from device.enroll import train_personal
    from device.wake import WakeDetector

    rng = np.random.default_rng(seed)
    greeting, name = vc.WAKE_WORDS[model]
    takes = [vc.speak(f"{greeting} {name}".strip(), member_take(rng, member)) for _ in range(8)]
    texts, talk, seconds = vc.sentences("held_out"), [], 0.0
    while seconds < 60:
        talk.append(vc.speak(str(rng.choice(texts)), member_take(rng, member)))
        seconds += len(talk[-1]) / vc.RATE
    detector = WakeDetector(WakeSettings(models=(model,)), verifiers={})
    started = time.monotonic()
    personal = train_personal(detector, takes, talk, member)
    return personal, time.monotonic() - started


def woken_share(systems: Systems, fs: vc.FeatureSet) -> float:
    return float(np.mean([systems.count(fs, i)["verifier"] > 0 for i in range(len(fs.clips))]))


def per_hour(systems: Systems, fs: vc.FeatureSet) -> float:
    return sum(systems.count(fs, i)["verifier"] for i in range(len(fs.clips))) / fs.hours


def personal_report(pool, model: str, held_out: dict[str, vc.FeatureSet]) -> None:
    from device.verifier import VerifierGroup

    shipped = Verifier.load(builtin_verifier(model))
    print(f"{model}: household members enrolled with 8 takes and a minute of their talk; measured on 30 other "
          "takes (+15 in noise at 10 dB), every near-miss phrase in their voice, their talk, and everyone's")
    header = ["clean", "noisy", "near (own)", "near (all)", "FA/h own", "FA/h all"]
    print(f"    {'member':22}{'verifier':22}" + "".join(f"{h:>12}" for h in header) + "   enrolment")
    for k, member in enumerate(MEMBERS):
        personal, seconds = enrol_member(model, member, 3000 + k)
        sets = member_sets(pool, model, member, 4000 + 1000 * k)
        for label, verifier in (("shipped", shipped), ("shipped + personal", VerifierGroup([shipped, personal]))):
            systems = Systems(model, verifier)
            pos = sets[f"pos-{model}"]
            hit = [systems.count(pos, i)["verifier"] > 0 for i in range(len(pos.clips))]
            clean = np.mean([h for h, c in zip(hit, pos.clips, strict=True) if c.noise == "clean"])
            noisy = np.mean([h for h, c in zip(hit, pos.clips, strict=True) if c.noise != "clean"])
            near_all = [systems.count(held_out[f"near-{s}-{model}"], i)["verifier"] > 0
                        for s in ("train", "held_out") for i in range(len(held_out[f"near-{s}-{model}"].clips))]
            cells = [f"{clean:>12.1%}", f"{noisy:>12.1%}", f"{woken_share(systems, sets[f'near-{model}']):>12.1%}",
                     f"{np.mean(near_all):>12.1%}", f"{per_hour(systems, sets['talk']):>12.2f}",
                     f"{per_hour(systems, held_out['speech']):>12.2f}"]
            print(f"    {member:22}{label:22}" + "".join(cells) + (f"   {seconds:.1f} s" if label != "shipped" else ""))


if __name__ == "__main__":
    main()
