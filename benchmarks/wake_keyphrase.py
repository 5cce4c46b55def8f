"""Issue 21: can an English recogniser trained on real speech veto raw openWakeWord's near-miss wakes?

    pip install pocketsphinx && nice python -m benchmarks.wake_keyphrase [--splits festival_train kokoro_held]

pocketsphinx 5 (BSD, aarch64 wheels, its en-us acoustic model inside the wheel, offline) spots "hey
jarvis" with its keyphrase search, which weighs the phrase against a loop of phones. For each clip where raw
openWakeWord wakes (score 0.5), the 2.25 s that end 0.25 s after the wake (and 0.5 s of silence) are
searched at thresholds 1e-1 ... 1e-50; a clip's figure is the strictest threshold that still finds the
phrase (100 - exponent; 0: not found even at 1e-50). A veto at figure T keeps the wakes whose figure is at
least T. Clips as benchmarks/wake.py makes them (verifier_corpus), babble left out (it needs the babble bank):
takes of the phrase clean, in white, pink and brown noise at 10 and 5 dB, in simulated rooms, and every
near-miss phrase. pocketsphinx's running cepstral mean carries over between searches, so a figure can
move by a clip or two between runs. Measured on 2026-12-03 (docs/measured.md, "Issue 21, a keyphrase veto"): no
threshold cuts near misses three-fold without losing a third or more of the wakes, so nothing ships.
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from benchmarks import verifier_corpus as vc

WORD, PHRASE = "hey_jarvis", "hey jarvis"
EXPONENTS = (1, 3, 5, 8, 10, 15, 20, 25, 30, 40, 50)
SEEDS = {"train": 11000, "held_out": 12000, "festival_train": 16000, "festival_held": 17000, "kokoro_held": 19000}
_detector = None
_searches: list = []


def _init() -> None:
    global _detector
    from pocketsphinx import Decoder, get_model_path

    from device.config import WakeSettings
    from device.listener.wake import WakeDetector

    _detector = WakeDetector(WakeSettings(models=tuple(vc.MODELS)), verifiers={})
    model = get_model_path()
    for exponent in EXPONENTS:
        _searches.append(Decoder(hmm=os.path.join(model, "en-us", "en-us"), lm=None, logfn=os.devnull,
                                 dict=os.path.join(model, "en-us", "cmudict-en-us.dict"), samprate=vc.RATE,
                                 keyphrase=PHRASE, kws_threshold=float(f"1e-{exponent}")))


def figure(audio: np.ndarray) -> int:
    """100 - the largest exponent at which the keyphrase search finds the phrase; 0 if none does."""
    found = 0
    for exponent, search in zip(EXPONENTS, _searches, strict=True):
        search.start_utt()
        search.process_raw(audio.astype(np.int16).tobytes(), full_utt=True)
        search.end_utt()
        if search.hyp() is not None:
            found = max(found, 100 - exponent)
    return found


def measure(clip: vc.Clip) -> tuple[str, bool, int]:
    """(condition, whether raw openWakeWord woke, the keyphrase figure where it woke)."""
    audio, _ = vc.render(clip)
    _detector.restart()
    for i in range(len(audio) // vc.FRAME_SAMPLES):
        if _detector.scores(audio[i * vc.FRAME_SAMPLES:(i + 1) * vc.FRAME_SAMPLES])[WORD] >= 0.5:
            stop = (i + 1) * vc.FRAME_SAMPLES + vc.RATE // 4
            window = np.concatenate([audio[max(0, stop - vc.RATE * 9 // 4):stop], np.zeros(vc.RATE // 2, np.int16)])
            break
    else:
        return condition(clip), False, 0
    return condition(clip), True, figure(window)


def condition(clip: vc.Clip) -> str:
    if clip.kind == "near_miss":
        return "near misses"
    return "room" if clip.room else "clean" if clip.noise == "clean" else "noise 10/5 dB"


def clips(split: str) -> list[vc.Clip]:
    seed = SEEDS[split]
    takes, room, near = (30, 16, 1) if split.startswith("kokoro") else (40, 20, 2)
    out = [c for c in vc.positive_clips(WORD, split, takes, "grid", seed) if c.noise != "babble"]
    out += [c for c in vc.positive_clips(WORD, split, room, "room", seed + 30) if c.noise != "babble"]
    return out + vc.near_miss_clips(WORD, vc.near_misses(WORD, vc.phonemes()), split, near, seed + 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", nargs="+", default=["festival_train", "kokoro_held"], choices=sorted(SEEDS))
    parser.add_argument("--vetoes", nargs="+", type=int, default=[40, 50, 60, 70, 80, 90])
    args = parser.parse_args()
    for split in args.splits:
        with ProcessPoolExecutor(vc.WORKERS, initializer=_init) as pool:
            results = list(pool.map(measure, clips(split), chunksize=2))
        print(f"\n{split}: clips that woke raw openWakeWord, and of them those a keyphrase veto at T keeps")
        for name in ("clean", "noise 10/5 dB", "room", "near misses"):
            rows = [(woke, fig) for cond, woke, fig in results if cond == name]
            woke = [fig for w, fig in rows if w]
            kept = "  ".join(f"T{t}: {sum(f >= t for f in woke)}" for t in args.vetoes)
            print(f"  {name:<14} {len(woke):>3} of {len(rows):>3} woke raw;  {kept}")


if __name__ == "__main__":
    main()
