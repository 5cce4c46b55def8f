"""The noise front end (device/listener/frontend.py): wake word accuracy with and without it, held-out voices.

    nice python -m benchmarks.frontend [--words hey_jarvis] [--settings 0,0 2,0 ...]

The held-out test clips of benchmarks/wake.py (same seeds: clean and in
white, pink, brown and babble noise at 10 and 5 dB SNR, near misses, ordinary
talk: its first 20 minutes, with the front end off and on) go
through WebRTC noise suppression and automatic gain (each setting: suppression
level 0-4, gain 0-31 dBFS; 0,0 is the front end off) before the wake word
models; then the same table as benchmarks/wake.py. Also prints the front
end's CPU time per audio second.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks import verifier_corpus as vc
from benchmarks.wake import Systems, report, test_sets
from device.listener.frontend import NoiseFrontEnd
from device.listener.verifier import Verifier, builtin_verifier


def cpu_share(noise_suppression: int, auto_gain: int) -> float:
    frontend = NoiseFrontEnd(noise_suppression, auto_gain)
    audio = (np.random.default_rng(0).standard_normal(16000 * 10) * 2000).astype(np.int16)
    started = time.process_time()
    for i in range(0, len(audio), 1280):
        frontend.process(audio[i:i + 1280])
    return (time.process_time() - started) / 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", nargs="+", default=["hey_jarvis"], choices=vc.MODELS)
    parser.add_argument("--settings", nargs="+", default=["0,0", "2,0", "4,0", "2,15"],
                        help="noise suppression,auto gain pairs to compare (0,0 = off)")
    args = parser.parse_args()
    babble = vc.babbles()
    for setting in args.settings:
        ns, gain = (int(v) for v in setting.split(","))
        frontend = None if (ns, gain) == (0, 0) else (ns, gain)
        started = time.monotonic()
        with vc.open_pool(babble, frontend) as pool:
            # 20 minutes of talk (the first 20 of the wake benchmark's), to keep it to minutes
            tag = "" if frontend is None else f"fe{ns}-{gain}-"
            sets = test_sets(pool, "held_out", words=args.words, tag=tag, talk_minutes=20)
        cpu = f"; front end CPU {cpu_share(ns, gain):.2%} of real time" if frontend else ""
        print(f"== noise suppression {ns}, auto gain {gain} dBFS{' (front end off)' if frontend is None else ''}"
              f"{cpu}; clips ready in {time.monotonic() - started:.0f} s")
        for model in args.words:
            path = builtin_verifier(model)
            report(model, sets, Systems(model, {"verifier": Verifier.load(path) if path else None}))


if __name__ == "__main__":
    main()
