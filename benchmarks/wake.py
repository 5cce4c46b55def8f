"""Wake word accuracy per word: raw openWakeWord, earmuff without and with the verifier, and enrolled.

    nice python -m benchmarks.wake [--words ...] [--splits ...] [--no-enrolled] [--confident C ...]

Test clips come from benchmarks/verifier_corpus.py with other seeds than the
training clips, for each split of the voices (SPLITS): the training voices of
espeak-ng and of Festival (new takes), held-out espeak-ng voices and Festival's
ked_diphone (whole voices no training clip uses), and Kokoro-82M (a whole engine
no training clip uses). Per word (SIZES) 60 takes of the wake phrase clean and 30 of
them in white, pink, brown and babble noise at 10 and 5 dB SNR; 30 takes in
simulated rooms (pyroomacoustics, RT60 0.3-0.8 s, 1-4 m), half of them also in
each noise at 10 dB; every generated near-miss phrase twice (the training side's
phrases and the held-out quarter reported apart); and ordinary talk. Kokoro
is slow here (about 5 s of one core per short phrase), so it has 40 takes, 20
in rooms, each near-miss phrase once and no talk (no FA/h). Systems, on the same audio:
  raw         openWakeWord as most integrations use it: a wake when the score rises to 0.5
  base        earmuff's calibrated WakeRule without the verifier
  verifier    earmuff as shipped: the base rule wakes from its threshold on, and the
              verifier's rule (its score where the base score reaches its gate) can add
              wakes below that (device/listener/wake.py's VerifiedRule)
  judges all  the verifier's rule alone, as shipped until issue 21 (verifier_confident = 1.0)
  below C     the base rule wakes from base score C on, the verifier judges below it (--confident)
  all at T    the verifier judges every wake at threshold T of its own (--judge-thresholds)
  enrolled    the shipped verifier plus personal verifiers of a synthesized household
              (HOUSEHOLDS: voices of that side of the split, each enrolled with 8 takes
              and a minute of talk as `earmuff enroll` does)
Recall counts clips with a wake; near-miss figures count clips (utterances) with a
wake of the word they imitate; FA/h counts wakes per hour of ordinary talk.
Everyone's clips show what enrolment does to guests; a second table per side
measures the household members' own other takes and near misses.
The corpus of earmuff's wake rules (threshold, patience) is benchmarks/wake_calibration.py.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

import numpy as np

from benchmarks import verifier_corpus as vc
from device.config import WakeSettings
from device.listener.audio import FRAME_SECONDS
from device.listener.verifier import Verifier, builtin_verifier, with_threshold

SPLITS = {"train": "espeak-ng, training voices (new takes)",
          "festival_train": "Festival kal_diphone and cmu_us_slt_arctic_hts, trained on (new takes)",
          "held_out": "espeak-ng, held-out voices",
          "festival_held": "Festival ked_diphone, a voice never trained on",
          "kokoro": "Kokoro-82M, an engine never trained on",
          "festival": "Festival, all three voices (two trained on since issue 21)",
          "kokoro_held": "Kokoro-82M jf_tebukuro and jm_kumo, voices never trained on",
          "kokoro_train": "Kokoro-82M jf_alpha, jf_gongitsune, jf_nezumi (trained on with --kokoro; new takes)",
          "rhvoice": "RHVoice's six English voices, an engine never trained on",
          "mbrola": "MBROLA us1, us2, us3 and en1 read by espeak-ng, voices never trained on",
          "rhvoice_train": "RHVoice alan, bdl, slt, lyubov (trained on with --more-engines; new takes)",
          "rhvoice_held": "RHVoice clb and evgeniy-eng, voices never trained on",
          "mbrola_train": "MBROLA us1, us3, en1 (trained on with --more-engines; new takes)",
          "mbrola_held": "MBROLA us2, a voice never trained on"}
DEFAULT_SPLITS = ["train", "festival_train", "held_out", "festival_held", "kokoro"]
SEEDS = {"train": 1000, "held_out": 2000, "festival": 5000, "festival_train": 6000, "festival_held": 7000,
         "kokoro": 8000, "kokoro_held": 9000, "kokoro_train": 9500, "rhvoice": 10000, "mbrola": 11000,
         "rhvoice_held": 12000, "rhvoice_train": 12500, "mbrola_held": 13000, "mbrola_train": 13500}
# Per split: takes of the wake phrase (half also in noise), takes in rooms, takes of each near-miss phrase,
# minutes of ordinary talk.
SIZES = {"held_out": (60, 30, 2, 30), "kokoro": (40, 20, 1, 0), "festival_held": (60, 30, 2, 20),
         "kokoro_held": (40, 20, 1, 0), "kokoro_train": (20, 10, 1, 0),
         "festival_train": (60, 30, 2, 30), "rhvoice": (60, 30, 2, 20), "mbrola": (60, 30, 2, 20),
         "rhvoice_held": (60, 30, 2, 20), "mbrola_held": (60, 30, 2, 20), "rhvoice_train": (20, 10, 1, 0),
         "mbrola_train": (20, 10, 1, 0)}
DEFAULT_SIZE = (60, 30, 2, 60)


def test_sets(pool, split: str, words=tuple(vc.MODELS), tag: str = "", talk_minutes: float | None = None,
              seed_offset: int = 0) -> dict[str, vc.FeatureSet]:
    """The test clips of one side of the voice split (tag names a variant, e.g. after a front end;
    seed_offset draws other takes than SEEDS gives, for a set not yet looked at)."""
    phon = vc.phonemes()
    seed = SEEDS[split] + seed_offset
    takes, room_takes, near_takes, minutes = SIZES.get(split, DEFAULT_SIZE)
    sets = {}
    for model in words:
        i = vc.MODELS.index(model)
        sets[f"pos-{model}"] = vc.build_set(f"test-{tag}{split}-pos-{model}",
                                            vc.positive_clips(model, split, takes, "grid", seed + i), pool)
        sets[f"room-{model}"] = vc.build_set(f"test-{tag}{split}-room-{model}",
                                             vc.positive_clips(model, split, room_takes, "room", seed + 30 + i), pool)
        phrases = vc.split_phrases(vc.near_misses(model, phon))
        for side in ("train", "held_out"):
            sets[f"near-{side}-{model}"] = vc.build_set(
                f"test-{tag}{split}-near-{side}-{model}",
                vc.near_miss_clips(model, phrases[side], split, near_takes, seed + 10 + i), pool)
    minutes = talk_minutes if talk_minutes is not None else minutes
    if minutes:
        sets["speech"] = vc.build_set(f"test-{tag}{split}-speech", vc.speech_clips(split, minutes, seed + 20), pool)
    return sets


class Systems:
    """Counts wakes in one clip's scores for raw, base and each verifier system.

    verifiers: name -> verifier (or group), or (verifier, confident): the base score from which the
    base rule wakes whatever the verifier says (device/listener/wake.py's VerifiedRule; by default the word's
    threshold, as earmuff runs; 2.0: the verifier judges every wake).
    """

    def __init__(self, model: str, verifiers: dict[str, object] | None = None):
        self.column = vc.MODELS.index(model)
        self.rule = WakeSettings().for_model(model)
        shipped = WakeSettings().verifier_confident_for(model)
        self.verifiers = {name: v if isinstance(v, tuple) else (v, shipped)
                          for name, v in (verifiers or {}).items() if v is not None}
        self.names = ["raw", "base", *self.verifiers]

    def count(self, fs: vc.FeatureSet, i: int) -> dict[str, int]:
        base = fs.clip_scores(i)[:, self.column]
        out = {"raw": vc.raw_wakes(base), "base": vc.wakes(base, *self.rule)}
        for name, (verifier, confident) in self.verifiers.items():
            out[name] = vc.verified_wakes(base, fs.effective_scores(i, self.column, verifier), verifier,
                                          self.rule, confident)
        return out

    def woken(self, fs: vc.FeatureSet) -> dict[str, np.ndarray]:
        """Per system, which clips of the set woke it."""
        counts = [self.count(fs, i) for i in range(len(fs.clips))]
        return {name: np.array([c[name] > 0 for c in counts]) for name in self.names}

    def per_hour(self, fs: vc.FeatureSet | None) -> dict[str, float]:
        if fs is None:  # no talk in this set (Kokoro): not measured
            return {name: float("nan") for name in self.names}
        counts = [self.count(fs, i) for i in range(len(fs.clips))]
        return {name: sum(c[name] for c in counts) / fs.hours for name in self.names}


def condition(clip: vc.Clip) -> str:
    return "clean" if clip.noise == "clean" else f"{clip.noise} {clip.snr_db:.0f} dB"


def report(model: str, sets: dict[str, vc.FeatureSet], systems: Systems) -> dict[str, dict[str, float]]:
    """Prints (and returns) the table for everyone's clips of one side of the split."""
    pos = sets[f"pos-{model}"]
    woken = systems.woken(pos)
    conditions = ["clean"] + [f"{n} {s} dB" for n in vc.NOISES for s in (10, 5)]
    cond_of = np.array([condition(c) for c in pos.clips])
    noisy10 = np.array([c.endswith(" 10 dB") for c in cond_of])
    near = {side: systems.woken(sets[f"near-{side}-{model}"]) for side in ("train", "held_out")}
    fa = systems.per_hour(sets.get("speech"))
    room = sets[f"room-{model}"]
    in_room = systems.woken(room)
    room_clean = np.array([c.noise == "clean" for c in room.clips])
    rows = {}
    for name in systems.names:
        row = {cond: float(np.mean(woken[name][cond_of == cond])) for cond in conditions}
        row["noise 10 dB"] = float(np.mean(woken[name][noisy10]))
        row["room"] = float(np.mean(in_room[name][room_clean]))
        row["room 10 dB"] = float(np.mean(in_room[name][~room_clean]))
        row.update({f"near {side}": float(np.mean(near[side][name])) for side in near})
        row["FA/h"] = fa[name]
        rows[name] = row
    talk_h = sets["speech"].hours if "speech" in sets else 0.0
    n_near = {side: len(sets[f"near-{side}-{model}"].clips) for side in ("train", "held_out")}
    print(f"  {model}: {int(np.sum(cond_of == 'clean'))} clean takes, {int(np.sum(cond_of == 'white 10 dB'))} per "
          f"noise condition, {n_near['train']}+{n_near['held_out']} near-miss clips (trained / held-out phrases), "
          f"{talk_h:.2f} h talk; in rooms {int(room_clean.sum())} takes, {int((~room_clean).sum())} "
          "of them in noise at 10 dB")
    keys = ["clean", "noise 10 dB", "room", "room 10 dB"] + conditions[1:] + ["near train", "near held_out", "FA/h"]
    print_rows(rows, keys)
    return rows


def print_rows(rows: dict[str, dict[str, float]], keys: list[str]) -> None:
    print("    " + f"{'':9}" + "".join(f"{k.replace('held_out', 'held'):>13}" for k in keys))
    for name, row in rows.items():
        cells = "".join(f"{row[k]:>13.2f}" if k.startswith("FA/h") else f"{row[k]:>13.1%}" for k in keys)
        print(f"    {name:9}{cells}")


SENSITIVITIES = (0.8, 0.9, 0.95, 0.97, 0.98, 0.99)  # [wake] verifier_threshold values shown beside the calibrated one


def sensitivity(model: str, sets: dict[str, dict[str, vc.FeatureSet]], verifier: Verifier) -> None:
    """What `[wake] verifier_threshold` trades: recall against near misses and false wakes, per side."""
    thresholds = sorted({*SENSITIVITIES, verifier.threshold})
    variants = {f"{t:g}" + (" (shipped)" if t == verifier.threshold else ""): with_threshold(verifier, t)
                for t in thresholds}
    print(f"  {model}, by verifier_threshold: clean / 10 dB recall, near misses (all phrases), FA/h")
    print("    " + f"{'':18}" + "".join(f"{SPLITS[split][:34]:>36}" for split in sets))
    for name, variant in variants.items():
        cells = []
        for split in sets:
            systems = Systems(model, {"v": variant})
            pos = sets[split][f"pos-{model}"]
            woken = systems.woken(pos)["v"]
            clean = np.array([c.noise == "clean" for c in pos.clips])
            ten = np.array([c.noise != "clean" and c.snr_db == 10 for c in pos.clips])
            near = np.concatenate([systems.woken(sets[split][f"near-{side}-{model}"])["v"]
                                   for side in ("train", "held_out")])
            fa = systems.per_hour(sets[split].get("speech"))["v"]
            cells.append(f"{woken[clean].mean():>9.1%}{woken[ten].mean():>9.1%}{near.mean():>9.1%}{fa:>9.2f}")
        print(f"    {name:18}" + "".join(cells))


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


# -- household enrolment ------------------------------------------------------
# Synthesized household members: a voice each (accent + variant) from one side of the split.
HOUSEHOLDS = {"train": ["en-us+m3", "en-gb-scotland+f4"],
              "held_out": ["en-029+max", "en-gb-x-gbcwmd+f3", "en-029+grandma"]}


def member_take(rng, member: str) -> tuple[str, int, int]:
    return member, int(rng.integers(120, 200)), int(rng.integers(30, 70))


def member_sets(pool, model: str, member: str, seed: int) -> dict[str, vc.FeatureSet]:
    """One household member's other takes (clean, and in noise at 10 dB) and near misses."""
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
    tag = f"member-{member}-{model}"
    return {"pos": vc.build_set(f"{tag}-pos", pos, pool), "near": vc.build_set(f"{tag}-near", near, pool)}


def enrol_member(model: str, member: str, seed: int) -> tuple[object, float]:
    """The member's personal verifier from 8 takes and a minute of their talk, and the seconds it took."""
    from device.listener.enroll import train_personal
    from device.listener.wake import WakeDetector

    rng = np.random.default_rng(seed)
    greeting, name = vc.WAKE_WORDS[model]
    takes = [vc.speak(f"{greeting} {name}".strip(), member_take(rng, member)) for _ in range(8)]
    split = "train" if member in HOUSEHOLDS["train"] else "held_out"
    texts, talk, seconds = vc.sentences(split), [], 0.0
    while seconds < 60:
        talk.append(vc.speak(str(rng.choice(texts)), member_take(rng, member)))
        seconds += len(talk[-1]) / vc.RATE
    detector = WakeDetector(WakeSettings(models=(model,)), verifiers={})
    started = time.monotonic()
    personal = train_personal(detector, takes, talk, member.replace("+", "_"))
    return personal, time.monotonic() - started


def household(model: str, split: str) -> tuple[object, list[float]]:
    """The shipped verifier grouped with every member's personal one, and each enrolment's seconds."""
    from device.listener.verifier import VerifierGroup

    shipped = Verifier.load(builtin_verifier(model))
    enrolled = [enrol_member(model, member, 3000 + 7 * k) for k, member in enumerate(HOUSEHOLDS[split])]
    return VerifierGroup([shipped] + [v for v, _ in enrolled]), [t for _, t in enrolled]


def members_report(pool, model: str, split: str, systems: Systems) -> None:
    """The household members' own other takes, clean and noisy, and their own near misses."""
    rows: dict[str, dict[str, list]] = {name: {"clean": [], "noisy 10 dB": [], "near (own)": []}
                                        for name in systems.names}
    for k, member in enumerate(HOUSEHOLDS[split]):
        sets = member_sets(pool, model, member, 4000 + 1000 * k)
        pos, near = systems.woken(sets["pos"]), systems.woken(sets["near"])
        clean = np.array([c.noise == "clean" for c in sets["pos"].clips])
        for name in systems.names:
            rows[name]["clean"] += list(pos[name][clean])
            rows[name]["noisy 10 dB"] += list(pos[name][~clean])
            rows[name]["near (own)"] += list(near[name])
    print(f"  {model}, the members' own voices ({', '.join(HOUSEHOLDS[split])}): 30 other takes each, 15 of them "
          "also in noise at 10 dB, every near-miss phrase once")
    print_rows({name: {k: float(np.mean(v)) for k, v in row.items()} for name, row in rows.items()},
               ["clean", "noisy 10 dB", "near (own)"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", nargs="+", default=vc.MODELS, choices=vc.MODELS)
    parser.add_argument("--no-enrolled", action="store_true", help="skip the household enrolment system")
    parser.add_argument("--splits", nargs="+", default=DEFAULT_SPLITS, choices=list(SPLITS))
    parser.add_argument("--verifier-dir", type=Path, help="measure the verifiers in this folder (WORD.npz) instead of "
                        "the shipped ones, e.g. candidates before they ship")
    parser.add_argument("--confident", nargs="*", type=float, default=[],
                        help="also show the verifier judging base scores below each of these (the base rule wakes "
                             "from there on)")
    parser.add_argument("--judge-thresholds", nargs="*", type=float, default=[],
                        help="also show the verifier judging all wakes at each of these thresholds of its own")
    parser.add_argument("--seed-offset", type=int, default=0,
                        help="added to every split's seed: fresh takes, for test sets already read with the others")
    parser.add_argument("--with-shipped", action="store_true",
                        help="with --verifier-dir, also show the shipped verifier as earmuff runs it (same audio)")
    args = parser.parse_args()
    started = time.monotonic()
    babble = sorted({vc.BABBLE_OF.get(split, split) for split in args.splits})
    with vc.open_pool(vc.babbles(babble)) as pool:
        sets = {split: test_sets(pool, split, args.words, seed_offset=args.seed_offset) for split in args.splits}
        print(f"test corpus ready in {time.monotonic() - started:.0f} s; recall per condition, share of near-miss "
              "utterances that wake the word, false wakes per hour of ordinary talk")
        for model in args.words:
            path = builtin_verifier(model) if args.verifier_dir is None else args.verifier_dir / f"{model}.npz"
            path = path if path and path.is_file() else None
            verifier = Verifier.load(path) if path else None
            if verifier:
                print(f"{model}: verifier gate {verifier.gate}, threshold {verifier.threshold:.4g}, patience "
                      f"{verifier.patience}; {cost(verifier)}")
            if verifier:
                sensitivity(model, sets, verifier)
            for split in args.splits:
                title = SPLITS[split]
                enrol = verifier and not args.no_enrolled and split in HOUSEHOLDS
                group, seconds = household(model, split) if enrol else (None, [])
                if seconds:
                    print(f" {title}; enrolled: {', '.join(HOUSEHOLDS[split])} (enrolment "
                          f"{', '.join(f'{t:.1f}' for t in seconds)} s)")
                else:
                    print(f" {title}")
                judges = {"judges all": (verifier, 2.0)} | {f"below {c:g}": (verifier, c) for c in args.confident}
                judges |= {f"all at {t:g}": (with_threshold(verifier, t), 2.0) for t in args.judge_thresholds}
                shipped = {}
                if args.with_shipped and args.verifier_dir is not None and builtin_verifier(model):
                    shipped = {"shipped": Verifier.load(builtin_verifier(model))}
                systems = Systems(model, {**shipped, "verifier": verifier, **(judges if verifier else {}),
                                          "enrolled": group})
                report(model, sets[split], systems)
                if group is not None:
                    members_report(pool, model, split, systems)


if __name__ == "__main__":
    main()
