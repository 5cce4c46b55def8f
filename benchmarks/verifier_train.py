"""Train the shipped verifiers (device/listener/data/verifiers/WORD.npz) from espeak-ng and Festival speech.

    nice python -m benchmarks.verifier_train [--words alexa hey_jarvis hey_mycroft]

Seeded and cached: the corpus (benchmarks/verifier_corpus.py, split "mixed":
espeak-ng's training voices and Festival's kal_diphone and
cmu_us_slt_arctic_hts, widened by vocal-tract length, microphone colouring,
simulated rooms and noise; training near-miss phrases only) is made once,
about half an hour with one worker (EARMUFF_BENCH_WORKERS=1); training then
takes a minute or two per word. Needs `apt install festival festvox-kallpc16k
festvox-us-slt-hts` and pyroomacoustics. Never trained on: espeak-ng's
held-out voices, Festival's ked_diphone and all of Kokoro (benchmarks/wake.py
measures on them). Positives and near misses come from the same voices. Per word:
  positives  the windows the base model sees from the end of the wake phrase
             to half a second after it, clean and in noise;
  negatives  every window where the base model reaches the gate on anything
             else (near misses, ordinary talk, noise, the other wake words,
             the talk around the wake phrase), and a sample of the rest.
With --kokoro (issue 21, not shipped unless its held-out figures say so), three of
Kokoro-82M's five voices (verifier_corpus.KOKORO_SPLIT "kokoro_train") are added:
positives, the training near-miss phrases and a little talk in those voices,
widened alike (about 20 minutes more with one worker); its two other voices stay held out.
The threshold is set on the training clips: the best recall on the fifth of them kept out
of fitting, within a near-miss and a false-wake budget.
Candidate C (issue 21, not shipped unless its held-out figures say so):
  --rooms             every take of the wake phrase and every near miss is heard once more in a
                      harsher room (verifier_corpus.ROOM_STYLES "harsh": RT60 0.2-1.3 s, 0.5-5 m),
                      and a third of the talk, so that reverberation stops meaning "not the word";
  --calibrate-voices [FESTIVAL_VOICE]  one voice of each engine's training side (Festival kal_diphone or
                      the one named, Kokoro jf_nezumi) is kept out of fitting, and the threshold is the highest at
                      which the verifier, judging every wake, keeps recall within CAL_TOLERANCE of raw
                      openWakeWord in every condition (clean, 10 dB, 5 dB, room, room 10 dB) on new
                      takes of those voices (CAL_TAKES), each engine apart.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks import verifier_corpus as vc
from device.listener import verifier as vmod
from device.listener.audio import FRAME_SECONDS

GATE = 0.002  # base score at which the verifier is asked: low, so it can also accept quiet and noisy takes
GATES = (0.0002, 0.002, 0.02)  # the gates tried per word
POSITIVE_FRAMES = (-1, 7)  # frames around the phrase's end whose windows count as the wake phrase
IGNORE_FRAMES = (-3, 14)  # around that, neither label: nearly all of the phrase, or all of it and what follows
# Windows before that hold only the start of the phrase ("hey jar"): negatives, so the verifier waits for the end.
HIDDEN = (0, 32)  # logistic regression, or one hidden layer of 32 units
HARD_NEGATIVES = 200
POSITIVE_TAKES = 200  # takes of each wake phrase (each twice, widened: once without noise, once in noise)
SPLIT = "mixed"  # espeak-ng training voices and two of Festival's three voices
NEAR_TAKES = 6  # takes of each training near-miss phrase
TALK_MINUTES = 90  # ordinary talk (1.5 h): false wakes on talk are what the threshold is set against
NEAR_WEIGHT = 3.0  # near-miss windows count this many times over
NEAR_BUDGET = 0.03  # calibration: at most this share of near-miss clips may wake it (or raw's / 5) ...
FA_BUDGET = 0.5  # ... and at most this many wakes per hour of everything else
REFRACTORY_S = 2.0
# Thresholds tried, evenly spaced on the logit scale (0.27 to 0.9975): a verifier's scores crowd towards 1,
# where steps of 0.02 would skip most of its range (0.96 and 0.98 are a logit apart).
THRESHOLDS = np.round(1 / (1 + np.exp(-np.arange(-1.0, 6.01, 0.25))), 4)
SEED = 1
# --kokoro: Kokoro's training voices on top of SPLIT (Kokoro takes about 2-5 s of a core per phrase, so fewer takes).
KOKORO_TAKES = 60  # takes of each wake phrase (each twice, widened)
KOKORO_NEAR_TAKES = 2  # takes of each training near-miss phrase
KOKORO_TALK_MINUTES = 6
# --more-engines (candidate D): RHVoice's and MBROLA's training voices too, as many takes as Kokoro's (fast
# engines, but a third and fourth engine should widen the verifier, not outweigh espeak-ng and Festival).
MORE_ENGINES = ("rhvoice_train", "mbrola_train")  # verifier_corpus splits
# --rooms (candidate C): a harsh-room copy of every positive and near miss, and of this share of the talk.
HARSH_TALK_SHARE = 1 / 3
# --calibrate-voices (candidate C): voices kept out of fitting, and their calibration sets: takes of the wake
# phrase (half of them also in each noise at 10 and 5 dB) and takes in rooms (half also in each noise at 10 dB).
CAL_SPLITS = {"kokoro:jf_nezumi": "kokoro_cal", "festival:kal_diphone": "festival_cal",
              "festival:cmu_us_slt_arctic_hts": "festival_cal_slt"}  # voice -> its split (verifier_corpus)
CAL_TAKES = {"festival_cal": (40, 20), "kokoro_cal": (30, 20), "festival_cal_slt": (40, 20)}  # order sets seeds
CAL_SEED = 11000
CAL_TOLERANCE = 0.02  # recall judging all may fall at most this far below raw's, in every condition
CAL_CONDITIONS = ("clean", "10 dB", "5 dB", "room", "room 10 dB")


def kind(key: str) -> str:
    """A set's kind without its voices: "pos-alexa+kokoro" -> "pos-alexa"."""
    return key.split("+")[0]


def harsh_rooms(clips: list[vc.Clip], seed: int, share: float = 1.0) -> list[vc.Clip]:
    """Copies of (a share of) the clips, the same takes heard in harsher rooms (--rooms)."""
    rng = np.random.default_rng(seed)
    return [replace(c, room=True, room_style="harsh", seed=int(rng.integers(1 << 30)))
            for c in clips if rng.random() < share]


def training_sets(pool, words=tuple(vc.MODELS), kokoro: bool = False, rooms: bool = False,
                  more_engines: bool = False) -> dict[str, vc.FeatureSet]:
    """The training clips of the given words (each word's positives and near misses), talk and noise;
    kokoro: also Kokoro's training voices (sets named "...+kokoro"); more_engines: also RHVoice's and
    MBROLA's training voices ("...+rhvoice", "...+mbrola"); rooms: also every positive and near
    miss and a third of the talk again in harsher rooms (sets named "...+rooms"), each built right after
    its original, while Kokoro still remembers the takes."""
    phon = vc.phonemes()
    sets = {}

    def add(key: str, name: str, clips: list[vc.Clip], seed: int, share: float = 1.0) -> None:
        sets[key] = vc.build_set(name, clips, pool)
        if rooms:
            sets[key + "+rooms"] = vc.build_set(name + "-harsh", harsh_rooms(clips, seed, share), pool)

    for i, model in enumerate(vc.MODELS):
        if model not in words:
            continue
        add(f"pos-{model}", f"train-{SPLIT}-pos-{model}",
            vc.positive_clips(model, SPLIT, POSITIVE_TAKES, "augment", 100 + i), 900 + i)
        phrases = vc.split_phrases(vc.near_misses(model, phon))["train"]
        add(f"near-{model}", f"train-{SPLIT}-near-{model}",
            vc.near_miss_clips(model, phrases, SPLIT, NEAR_TAKES, 200 + i, augment=True), 910 + i)
    add("speech", f"train-{SPLIT}-speech", vc.speech_clips(SPLIT, TALK_MINUTES, 300, augment=True), 920,
        HARSH_TALK_SHARE)
    sets["noise"] = vc.build_set("train-noise", vc.noise_clips("train", 120, 400), pool)
    # the added engines' voices: Kokoro's (seeds as they always were), then RHVoice's and MBROLA's, 1000 apart
    added = [("kokoro_train", 0)] * kokoro \
        + [(split, 1000 * k) for k, split in enumerate(MORE_ENGINES, 1)] * more_engines
    for split, seed in added:
        engine = split.split("_")[0]
        for i, model in enumerate(vc.MODELS):
            if model not in words:
                continue
            add(f"pos-{model}+{engine}", f"train-{split}-pos-{model}",
                vc.positive_clips(model, split, KOKORO_TAKES, "augment", seed + 600 + i), seed + 930 + i)
            phrases = vc.split_phrases(vc.near_misses(model, phon))["train"]
            add(f"near-{model}+{engine}", f"train-{split}-near-{model}",
                vc.near_miss_clips(model, phrases, split, KOKORO_NEAR_TAKES, seed + 700 + i, augment=True),
                seed + 940 + i)
        add(f"speech+{engine}", f"train-{split}-speech",
            vc.speech_clips(split, KOKORO_TALK_MINUTES, seed + 800, augment=True), seed + 950, HARSH_TALK_SHARE)
    return sets


def calibration_voices(festival_voice: str) -> tuple[str, ...]:
    """--calibrate-voices: the voices kept out of fitting (Kokoro's jf_nezumi and the Festival voice named)."""
    return f"festival:{festival_voice}", "kokoro:jf_nezumi"


def calibration_sets(pool, model: str, voices: tuple[str, ...]) -> dict[str, dict[str, vc.FeatureSet]]:
    """--calibrate-voices: per calibration voice, new takes of it clean, in noise and in rooms."""
    i = vc.MODELS.index(model)
    out = {}
    for voice in voices:
        split = CAL_SPLITS[voice]
        takes, room_takes = CAL_TAKES[split]
        seed = CAL_SEED + 100 * list(CAL_TAKES).index(split) + i
        out[split] = {"pos": vc.build_set(f"cal-{split}-pos-{model}",
                                          vc.positive_clips(model, split, takes, "grid", seed), pool),
                      "room": vc.build_set(f"cal-{split}-room-{model}",
                                           vc.positive_clips(model, split, room_takes, "room", seed + 30), pool)}
    return out


def spoken_by(clip: vc.Clip, voices: tuple[str, ...]) -> bool:
    """Whether a clip is spoken by one of the voices ("festival:kal_diphone", "kokoro:jf_nezumi")."""
    return bool(voices) and any(take[0].startswith(voices) for _, take in clip.parts)


def for_calibration(i: int) -> bool:
    """Every fifth clip of each set is kept out of fitting, to set the threshold on."""
    return i % 5 == 0


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


def dataset(sets: dict[str, vc.FeatureSet], model: str, rng, gate: float = GATE, kept_out: tuple[str, ...] = ()):
    """(windows, labels, weights) from the clips not kept for calibration (every fifth, or with kept_out,
    those spoken by these voices); near misses weigh more."""
    column = vc.MODELS.index(model)
    xs, ys, ws = [], [], []
    for key, fs in sets.items():
        weight = NEAR_WEIGHT if kind(key) == f"near-{model}" else 1.0
        for i in range(len(fs.clips)):
            if spoken_by(fs.clips[i], kept_out) if kept_out else for_calibration(i):
                continue
            frames, labels = labelled_frames(fs, i, column, kind(key) == f"pos-{model}", rng, gate)
            if len(frames):
                xs.append(fs.windows(i, frames))
                ys.append(labels)
                ws.append(np.full(len(frames), weight, np.float32))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)


def calibrate(verifier, sets: dict[str, vc.FeatureSet], model: str) -> tuple[float, int, dict]:
    """(threshold, patience): the best recall on the calibration clips within the near-miss and false-wake budgets.

    Near-miss budget: NEAR_BUDGET, or a fifth of what raw openWakeWord wakes on
    (the issue's five-fold cut), whichever is larger. False wakes are counted
    over all ordinary talk and noise (fitted on too: the calibration fifth
    alone is too short to tell 0.5 wakes an hour) and the other words' calibration clips.
    """
    column = vc.MODELS.index(model)
    own = (f"pos-{model}", f"near-{model}")
    clips = [(key, fs, i) for key, fs in sets.items() for i in range(len(fs.clips))
             if for_calibration(i) or kind(key) in ("speech", "noise")]
    effective = [fs.effective_scores(i, column, verifier) for _, fs, i in clips]
    frames = sum(len(e) for (key, _, _), e in zip(clips, effective, strict=True) if kind(key) not in own)
    hours = frames * FRAME_SECONDS / 3600
    raw_near = np.mean([vc.raw_wakes(fs.clip_scores(i)[:, column]) > 0 for key, fs, i in clips if kind(key) == own[1]])
    near_budget = max(NEAR_BUDGET, raw_near / 5)
    results = []
    for patience in (1, 2):
        for threshold in THRESHOLDS:
            pos, near, other = [], [], 0
            for (key, _, _), e in zip(clips, effective, strict=True):
                n = vc.wakes(e, float(threshold), patience, REFRACTORY_S)
                if kind(key) == own[0]:
                    pos.append(n > 0)
                elif kind(key) == own[1]:
                    near.append(n > 0)
                else:
                    other += n
            results.append((float(threshold), patience, {"recall": float(np.mean(pos)), "near": float(np.mean(near)),
                                                         "fa_h": other / hours, "raw_near": float(raw_near)}))
    fits = [r for r in results if r[2]["near"] <= near_budget and r[2]["fa_h"] <= FA_BUDGET]
    if fits:
        return max(fits, key=lambda r: (r[2]["recall"], -r[2]["near"], -r[2]["fa_h"]))
    return min(results, key=lambda r: (r[2]["near"] + r[2]["fa_h"] / 10, -r[2]["recall"]))


def calibrate_by_voices(verifier, sets: dict[str, vc.FeatureSet], cal: dict[str, dict[str, vc.FeatureSet]],
                        model: str, voices: tuple[str, ...]) -> tuple[float, int, dict]:
    """(threshold, patience 1): the highest threshold at which the verifier, judging every wake, keeps recall
    within CAL_TOLERANCE of raw openWakeWord in every condition of every calibration split (voices kept out
    of fitting). Also reported, not used: near misses and wakes per hour of talk of the calibration voices."""
    column = vc.MODELS.index(model)
    woken = {}  # (split, condition) -> (raw per clip, effective scores per clip)
    for split, parts in cal.items():
        for part, fs in parts.items():
            for i, clip in enumerate(fs.clips):
                noise = "" if clip.noise == "clean" else f"{clip.snr_db:.0f} dB"
                cond = " ".join(filter(None, ["room" if part == "room" else "", noise])) or "clean"
                entry = woken.setdefault((split, cond), ([], []))
                entry[0].append(vc.raw_wakes(fs.clip_scores(i)[:, column]) > 0)
                entry[1].append(fs.effective_scores(i, column, verifier))

    def recall(t: float) -> dict:
        return {key: float(np.mean([vc.wakes(e, t, 1, REFRACTORY_S) > 0 for e in eff]))
                for key, (_, eff) in woken.items()}

    raw = {key: float(np.mean(r)) for key, (r, _) in woken.items()}
    keeps = [float(t) for t in THRESHOLDS if all(r >= raw[k] - CAL_TOLERANCE for k, r in recall(float(t)).items())]
    threshold = max(keeps) if keeps else float(THRESHOLDS[0])
    figures = {"raw": raw, "recall": recall(threshold), "kept": bool(keeps)}
    # near misses and talk of the calibration voices (kept out of fitting), at that threshold
    near, raw_near, fa, frames = [], [], 0, 0
    for key, fs in sets.items():
        for i, clip in enumerate(fs.clips):
            if not spoken_by(clip, voices) or kind(key) == f"pos-{model}":
                continue
            effective = fs.effective_scores(i, column, verifier)
            if kind(key) == f"near-{model}":
                near.append(vc.wakes(effective, threshold, 1, REFRACTORY_S) > 0)
                raw_near.append(vc.raw_wakes(fs.clip_scores(i)[:, column]) > 0)
            elif kind(key) == "speech":
                fa += vc.wakes(effective, threshold, 1, REFRACTORY_S)
                frames += len(effective)
    hours = frames * FRAME_SECONDS / 3600
    figures |= {"near": float(np.mean(near)), "raw_near": float(np.mean(raw_near)), "n_near": len(near),
                "fa_h": fa / hours if hours else float("nan"), "talk_h": hours}
    for split in cal:
        print(f"  calibration {split}: " + ", ".join(
            f"{cond} raw {raw[(split, cond)]:.1%} verifier {figures['recall'][(split, cond)]:.1%}"
            for cond in CAL_CONDITIONS if (split, cond) in raw))
    return threshold, 1, figures


def fit(sets: dict[str, vc.FeatureSet], model: str, gate: float, hidden: int, cal=None, kept_out=()):
    """One candidate verifier, calibrated: (verifier, calibration figures, windows, labels); cal: calibration
    sets of the voices kept_out of fitting (--calibrate-voices)."""
    x, y, w = dataset(sets, model, np.random.default_rng(SEED), gate, kept_out)
    verifier = vmod.train(x, y, model, hidden=hidden, weights=w, l2=1e-2, epochs=30, seed=SEED)
    verifier.gate = gate
    verifier.threshold, verifier.patience, calibration = (
        calibrate(verifier, sets, model) if cal is None else calibrate_by_voices(verifier, sets, cal, model, kept_out))
    return verifier, calibration, x, y


def lowest_recall(calibration: dict) -> float:
    """Calibration recall (by voices: that of the worst condition)."""
    recall = calibration["recall"]
    return min(recall.values()) if isinstance(recall, dict) else recall


def within_budget(calibration: dict) -> bool:
    if "kept" in calibration:  # calibrated by voices: whether some threshold kept recall
        return calibration["kept"]
    return calibration["near"] <= max(NEAR_BUDGET, calibration["raw_near"] / 5) and calibration["fa_h"] <= FA_BUDGET


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", nargs="+", default=vc.MODELS, choices=vc.MODELS)
    parser.add_argument("--out", type=Path, default=vmod.PACKAGE_DIR,
                        help="where the verifiers go (default: the shipped ones); candidates go elsewhere until "
                             "`python -m benchmarks.wake --verifier-dir DIR` has measured them on held-out engines")
    parser.add_argument("--gates", nargs="+", type=float, default=GATES, help="gates to try (default: %(default)s)")
    parser.add_argument("--hidden", nargs="+", type=int, default=HIDDEN, help="hidden sizes to try (0: none)")
    parser.add_argument("--kokoro", action="store_true", help="also train on Kokoro's training voices (issue 21; "
                        "its two other voices stay held out)")
    parser.add_argument("--more-engines", action="store_true", help="also train on RHVoice's and MBROLA's "
                        "training voices (candidate D; their other voices stay held out)")
    parser.add_argument("--rooms", action="store_true", help="also every take, near miss and a third of the talk "
                        "in harsher rooms (candidate C)")
    parser.add_argument("--calibrate-voices", nargs="?", const="kal_diphone", metavar="FESTIVAL_VOICE",
                        choices=["kal_diphone", "cmu_us_slt_arctic_hts"], help="keep Kokoro's jf_nezumi and this "
                        "Festival voice (default kal_diphone) out of fitting and set the threshold on their own takes "
                        "to keep raw's recall in every condition (candidate C)")
    args = parser.parse_args()
    started = time.monotonic()
    with vc.open_pool(vc.babbles(("train", SPLIT))) as pool:
        sets = training_sets(pool, args.words, args.kokoro, args.rooms, args.more_engines)
        kept_out = calibration_voices(args.calibrate_voices) if args.calibrate_voices else ()
        cal = {model: calibration_sets(pool, model, kept_out) for model in args.words} if kept_out else {}
    print(f"corpus: {sum(fs.hours for fs in sets.values()):.2f} h of audio, "
          f"ready in {time.monotonic() - started:.0f} s")
    for model in args.words:
        t0 = time.monotonic()
        # Gate and model size are chosen like the threshold: the best recall on the calibration clips
        # within the budgets.
        candidates = [fit(sets, model, gate, hidden, cal.get(model), kept_out)
                      for gate in args.gates for hidden in args.hidden]
        label = "(recall kept)" if kept_out else "(within budget)"
        for v, c, _, _ in candidates:
            recall = lowest_recall(c)
            print(f"  {model} candidate gate {v.gate} hidden {len(v.layers) > 1 and v.layers[0][0].shape[1] or 0}: "
                  f"threshold {v.threshold:.4g} patience {v.patience}: recall {recall:.1%}"
                  f"{' (lowest condition)' if args.calibrate_voices else ''}, near {c['near']:.1%} (raw "
                  f"{c['raw_near']:.1%}), {c['fa_h']:.2f}/h {label if within_budget(c) else ''}")
        verifier, calibration, x, y = max(candidates, key=lambda c: (within_budget(c[1]), lowest_recall(c[1]),
                                                                     -c[1]["near"], -len(c[0].layers)))
        voices = [v for v in ("Festival kal_diphone", "Festival cmu_us_slt_arctic_hts", "Kokoro-82M jf_alpha",
                              "Kokoro-82M jf_gongitsune", "Kokoro-82M jf_nezumi")
                  if (args.kokoro or "Kokoro" not in v) and not any(v.endswith(k.split(":")[1]) for k in kept_out)]
        voices += [f"{engine} {' '.join(vs)}" for engine, vs in (("RHVoice", vc.RHVOICE_SPLIT["rhvoice_train"]),
                   ("MBROLA", vc.MBROLA_SPLIT["mbrola_train"])) if args.more_engines]
        verifier.info = {"trained_on": "espeak-ng training voices, " + ", ".join(voices)
                                       + (", harsher rooms" if args.rooms else "")
                                       + ", widened (benchmarks/verifier_train.py)"
                                       + (f"; threshold set on {', '.join(kept_out)}" if kept_out else ""),
                         "positives": str(int(y.sum())), "negatives": str(int(len(y) - y.sum()))}
        path = verifier.save(args.out / f"{model}.npz")
        # The negatives it scores highest go along, for enrolment's personal verifiers to learn from.
        negatives = x[y == 0]
        hardest = np.argsort(verifier.score_many(negatives))[-HARD_NEGATIVES:]
        np.save(args.out / f"{model}-hard-negatives.npy", negatives[hardest].astype(np.float16))
        print(f"{model}: {int(y.sum())} positive and {int(len(y) - y.sum())} negative windows; gate "
              f"{verifier.gate}, {len(verifier.layers) - 1} hidden layer(s), threshold {verifier.threshold:.4g}, "
              f"patience {verifier.patience} (calibration: recall {lowest_recall(calibration):.1%}, near misses "
              f"{calibration['near']:.1%} (raw {calibration['raw_near']:.1%}), {calibration['fa_h']:.2f} "
              f"wakes/h on the rest); {time.monotonic() - t0:.0f} s -> {path} ({path.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
