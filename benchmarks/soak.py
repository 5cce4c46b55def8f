"""Soak: an hour of audio through `earmuff run`, as fast as the machine allows.

    python -m benchmarks.soak [--minutes 60] [--model DIR]

The audio is the wake corpus's negative speech and noise (near-miss phrases
cut out) with "hey jarvis" and a command about once a minute, some of them
with identifiers. It is played as the microphone (a file source, not paced)
through the real listener and uplink with a file sink. While it runs, this
samples both processes from /proc: resident memory, open file descriptors and
threads, after warm-up (the 5th wake) and at the end (the last utterance).
Targets: memory growth at most 5 MB after warm-up, no growth in descriptors or
threads, every expected send delivered and audited.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import wakecorpus
from benchmarks.listen_cpu import default_vosk_model, speech_room

COMMANDS = ["turn on the kitchen lights", "call olivia at five five five one two three four",
            "set a timer for ten minutes", "my pin is four four two one", "what's the weather in boston",
            "text my wife sarah that i am running late"]


def soak_audio(minutes: float) -> tuple[Path, int]:
    out = wakecorpus.CACHE / f"soak-{minutes:g}min.wav"
    wakes = int(minutes)
    if out.exists():
        return out, wakes
    base = wakecorpus.read_wav(speech_room(min(minutes, 60)))
    while len(base) < minutes * 60 * 16000:
        base = np.concatenate([base, base])
    base = base[: int(minutes * 60 * 16000)]
    wake = wakecorpus.speak(("hey jarvis", "en-us", 150, 50))
    commands = [wakecorpus.speak((c, "en-us", 160, 50)) for c in COMMANDS]
    parts, pos = [], 0
    for i in range(wakes):  # one wake in each minute, at a quiet gap of its own
        at = int((i * 60 + 20) * 16000)
        gap = np.zeros(16000, np.int16)
        parts += [base[pos:at], gap, wake, np.zeros(4800, np.int16), commands[i % len(commands)], gap, gap]
        pos = at
    parts.append(base[pos:])
    wakecorpus.write_wav(out, np.concatenate(parts))
    return out, wakes


def proc_stats(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    field = {line.split(":")[0]: line.split(":")[1].strip() for line in status.splitlines() if ":" in line}
    return {"rss_mb": int(field["VmRSS"].split()[0]) / 1024, "threads": int(field["Threads"]),
            "fds": len(list(Path(f"/proc/{pid}/fd").iterdir()))}


def children_of(pid: int) -> dict[str, int]:
    out = {}
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        role = "listener" if b"listen" in cmdline else "uplink" if b"uplink" in cmdline else None
        if role:
            out[role] = int(child)
    return out


def status(config: Path) -> dict | None:
    proc = subprocess.run([sys.executable, "-m", "device", "status", "--json", "--config", str(config)],
                          capture_output=True, text=True)
    return json.loads(proc.stdout) if proc.returncode == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--model", default=None, help="Vosk model (default: English if fetched, else Korean)")
    args = parser.parse_args()
    wav, expected = soak_audio(args.minutes)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "soak.toml"
        config.write_text(
            f'[paths]\nstate_dir = "{tmp}/state"\nruntime_dir = "{tmp}/run"\n'
            f'[audio]\nsource = "file:{wav}"\nexit_at_end = true\n'
            f'[transcribe]\nmodel = "{args.model or default_vosk_model()}"\n'
            '[control]\ngroup = ""\n[log]\nlevel = "warning"\n')
        started = time.monotonic()
        run = subprocess.Popen([sys.executable, "-m", "device", "run", "--config", str(config)])
        samples: dict[str, dict] = {}
        # Warm-up: the first sixth (10 minutes of an hour). The listener's RSS rises by about
        # 9 MB over its first ten minutes (allocator and ONNX/Vosk arenas) and then holds.
        warm_wakes = max(2, expected // 6)
        last: dict | None = None
        while run.poll() is None:
            time.sleep(1.0)
            try:
                pids = children_of(run.pid)
                st = status(config)
            except (OSError, ValueError):
                continue
            if not st or len(pids) < 2:
                continue
            stats = {role: proc_stats(pid) for role, pid in pids.items()}
            if "warm" not in samples and st["counters"]["wakes"] >= warm_wakes:
                samples["warm"] = stats
            last = {"stats": stats, "status": st}
        code = run.wait()
        elapsed = time.monotonic() - started
        state = Path(tmp) / "state"
        sent = (state / "sent.jsonl").read_text().splitlines() if (state / "sent.jsonl").exists() else []
        audit = [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()] \
            if (state / "audit.jsonl").exists() else []
    counters = last["status"]["counters"] if last else {}
    print(f"audio: {args.minutes:g} min with {expected} wake words, processed in {elapsed:.0f} s "
          f"({args.minutes * 60 / elapsed:.1f}x real time); earmuff run exited {code}")
    print(f"wakes {counters.get('wakes')} (expected {expected}), utterances {counters.get('utterances')}, "
          f"sent {len(sent)}, audited as sent {sum(a['outcome'] == 'sent' for a in audit)}, "
          f"redacted {counters.get('redacted')}")
    if last and "warm" in samples:
        for role in ("listener", "uplink"):
            a, b = samples["warm"][role], last["stats"][role]
            print(f"{role:8}: RSS {a['rss_mb']:.1f} -> {b['rss_mb']:.1f} MB ({b['rss_mb'] - a['rss_mb']:+.1f}), "
                  f"fds {a['fds']} -> {b['fds']}, threads {a['threads']} -> {b['threads']}")
    print("targets: RSS growth <= 5 MB after warm-up, no growth in fds or threads, every send delivered and audited")


if __name__ == "__main__":
    main()
