"""Memory and start-up of earmuff's processes: peak and steady RSS, time to READY, what each import costs.

    python -m benchmarks.footprint [--rounds 3] [--vosk-model DIR] [--arena]

Each command runs as a child process under benchmarks/probe.py (which records
its peak RSS and every module it loaded), with $NOTIFY_SOCKET pointing at a
datagram socket of this process, so READY=1 is timed as systemd would see it:
  detect              earmuff detect --wakeword hey_jarvis on a 3 s clip (no READY: start to exit)
  listen              earmuff listen, file source (12 s of speech and noise without a
                      wake word, played in real time), Vosk model not loaded
  listen + Vosk       the same with the Vosk model loaded
  uplink              earmuff uplink, file sink
  Vosk model alone    a bare Python process that loads only the Vosk model: the
                      model's own cost, so the listener's overhead can be read off
Steady RSS: the median of samples taken every 0.25 s from 1 s after READY.
Per-import cost: each module imported alone in a fresh interpreter, with what
it imports, over a bare interpreter (RSS and wall time).
--arena: also compare onnxruntime's CPU memory arena on and off.
Targets: detect and listen without Vosk at most 90 MB peak; listen with Vosk at
most the model's own peak + 90 MB; uplink at most 40 MB; listen READY without
Vosk at most 1.0 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import wakecorpus
from benchmarks.listen_cpu import cpu_name, default_vosk_model

RUNTIME_IMPORTS = ["numpy", "onnxruntime", "soxr", "vosk", "pyaudio", "device.config", "device.redact",
                   "device.listener.audio", "device.listener.wakeword.scorer", "device.listener.wake",
                   "device.listener.transcribe", "device.listener.service", "device.uplink.service", "openwakeword"]


def status_mb(pid: int, field: str) -> float:
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def make_audio(folder: Path) -> tuple[Path, Path]:
    """A 3 s clip with "hey jarvis" for detect; 12 s of speech over noise with no wake word for listen."""
    from device.owner.demo import speak

    rng = np.random.default_rng(7)
    wake = np.concatenate([np.zeros(8000, np.int16), speak("hey jarvis"), np.zeros(16000, np.int16)])
    talk = np.concatenate([speak("the weather was fine so we walked to the market and bought some bread"),
                           np.zeros(16000, np.int16), speak("shall we have the soup tonight or tomorrow")])
    idle = np.zeros(12 * 16000, np.int16)
    idle[8000 : 8000 + min(len(talk), len(idle) - 8000)] = talk[: len(idle) - 8000]
    idle = wakecorpus.add_noise(idle, rng, snr_db=20)
    wakecorpus.write_wav(folder / "wake.wav", wake)
    wakecorpus.write_wav(folder / "idle.wav", idle)
    return folder / "wake.wav", folder / "idle.wav"


def write_config(folder: Path, name: str, source: Path, vosk_model: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(
        f'[paths]\nstate_dir = "{folder / name / "state"}"\nruntime_dir = "{folder / name / "run"}"\n'
        f'[audio]\nsource = "file:{source}"\nrealtime = true\nexit_at_end = true\n'
        f'[transcribe]\nmodel = "{vosk_model}"\n'
    )
    return path


def run_probed(folder: Path, command: list[str], options: list[str] = (), stop_after_ready_s: float | None = None
               ) -> dict:
    """Run `earmuff COMMAND` under the probe; time READY, sample RSS, collect the probe's record."""
    notify_path = folder / f"notify-{os.getpid()}-{time.monotonic_ns()}.sock"
    out, log = folder / "probe.json", folder / "stderr.txt"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(notify_path))
        notify.setblocking(False)
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.probe", str(out), *options, "--", *command],
            env={**os.environ, "NOTIFY_SOCKET": str(notify_path)},
            stdout=subprocess.DEVNULL, stderr=log.open("w"),
        )
        ready = None
        samples = []
        while proc.poll() is None:
            try:
                if b"READY=1" in notify.recv(256) and ready is None:
                    ready = time.monotonic() - started
            except BlockingIOError:
                pass
            now = time.monotonic() - started
            if ready is not None and now - ready >= 1.0:
                samples.append(status_mb(proc.pid, "VmRSS"))
                if stop_after_ready_s is not None and now - ready >= stop_after_ready_s:
                    proc.terminate()
            time.sleep(0.25 if ready is not None else 0.005)
        elapsed = time.monotonic() - started
    notify_path.unlink()
    record = json.loads(out.read_text())
    if record["exit"] not in (0, None):
        raise SystemExit(f"earmuff {' '.join(command)} failed ({record['exit']}):\n{log.read_text()}")
    samples = [s for s in samples if s == s]
    return {"ready_s": ready, "elapsed_s": elapsed, "peak_mb": record["peak_rss_mb"],
            "steady_mb": statistics.median(samples) if samples else record["rss_mb"],
            "modules": record["modules"]}


def vosk_alone(vosk_model: str) -> dict:
    """Peak and steady RSS of a bare process that holds only the Vosk model, and how long it takes to load."""
    code = (
        # vosk imported as earmuff imports it (device.listener.transcribe.import_vosk: no requests, no tqdm),
        # so that only the model's own cost is counted here.
        "import sys, time, types; t = time.monotonic(); "
        "sys.modules.update(requests=types.ModuleType('requests'), tqdm=types.ModuleType('tqdm')); "
        "sys.modules['tqdm'].tqdm = None; import vosk; vosk.SetLogLevel(-1); "
        f"m = vosk.Model({vosk_model!r}); load = time.monotonic() - t; time.sleep(1); "
        "mb = lambda key: [int(l.split()[1]) / 1024 for l in open('/proc/self/status') if l.startswith(key)][0]; "
        "print(load, mb('VmHWM:'), mb('VmRSS:'))"
    )
    load, peak, rss = map(float, subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                                 text=True).stdout.split())
    return {"load_s": load, "peak_mb": peak, "steady_mb": rss}


def import_cost(module: str) -> tuple[float, float]:
    """(RSS MB, seconds) that importing `module` alone adds to a bare interpreter."""
    code = (
        "import time; rss = lambda: [int(l.split()[1]) / 1024 for l in open('/proc/self/status') "
        "if l.startswith('VmRSS:')][0]; before = rss(); t = time.perf_counter(); "
        f"import warnings; warnings.simplefilter('ignore'); import {module}; "
        "print(rss() - before, time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        return float("nan"), float("nan")
    mb, seconds = map(float, out.stdout.split())
    return mb, seconds


def summarize(runs: list[dict]) -> dict:
    ready = [r["ready_s"] for r in runs if r["ready_s"] is not None]
    return {"peak_mb": max(r["peak_mb"] for r in runs), "steady_mb": statistics.median(r["steady_mb"] for r in runs),
            "ready_s": statistics.median(ready) if ready else None,
            "elapsed_s": statistics.median(r["elapsed_s"] for r in runs), "modules": runs[0]["modules"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--vosk-model", default=None)
    parser.add_argument("--arena", action="store_true", help="also compare onnxruntime's memory arena on and off")
    args = parser.parse_args()
    vosk_model = args.vosk_model or default_vosk_model()

    with tempfile.TemporaryDirectory(prefix="earmuff-footprint-") as tmp:
        folder = Path(tmp)
        wake_wav, idle_wav = make_audio(folder)
        listen_cfg = write_config(folder, "listen", idle_wav, vosk_model)
        uplink_cfg = write_config(folder, "uplink", idle_wav, vosk_model)
        cases = {
            "detect": (["detect", "--wakeword", "hey_jarvis", str(wake_wav)], [], None),
            "listen (no Vosk model)": (["listen", "--config", str(listen_cfg)], ["--without-vosk"], None),
            "listen + Vosk model": (["listen", "--config", str(listen_cfg)], [], None),
            "uplink": (["uplink", "--config", str(uplink_cfg)], [], 4.0),
        }
        if args.arena:
            cases["detect, no arena"] = (cases["detect"][0], ["--no-arena"], None)
            cases["listen (no Vosk model), no arena"] = (cases["listen (no Vosk model)"][0],
                                                        ["--without-vosk", "--no-arena"], None)
        runs: dict[str, list[dict]] = {name: [] for name in cases}
        alone = []
        for _ in range(args.rounds):
            for name, (command, options, stop_after) in cases.items():
                runs[name].append(run_probed(folder, command, options, stop_after))
            alone.append(vosk_alone(vosk_model))

    print(f"machine: {platform.machine()}, {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.rounds} rounds (peak: the highest; steady and times: the median)")
    print(f"Vosk model: {vosk_model}")
    model_peak = max(a["peak_mb"] for a in alone)
    model_steady = statistics.median(a["steady_mb"] for a in alone)
    print(f"{'process':34} {'peak RSS':>9} {'steady RSS':>11} {'to READY':>9}  target")
    targets = {"detect": "peak <= 90 MB", "listen (no Vosk model)": "peak <= 90 MB, READY <= 1.0 s",
               "listen + Vosk model": f"peak <= {model_peak + 90:.0f} MB (model alone + 90)",
               "uplink": "peak <= 40 MB"}
    for name, rs in runs.items():
        s = summarize(rs)
        ready = f"{s['ready_s']:.2f} s" if s["ready_s"] is not None else f"{s['elapsed_s']:.2f} s*"
        print(f"{name:34} {s['peak_mb']:>6.1f} MB {s['steady_mb']:>8.1f} MB {ready:>9}  {targets.get(name, '')}")
    print(f"{'Vosk model alone':34} {model_peak:>6.1f} MB {model_steady:>8.1f} MB "
          f"{statistics.median(a['load_s'] for a in alone):>7.2f} s   (load time)")
    with_vosk = summarize(runs["listen + Vosk model"])
    print(f"listener over its Vosk model: peak +{with_vosk['peak_mb'] - model_peak:.1f} MB, "
          f"steady +{with_vosk['steady_mb'] - model_steady:.1f} MB")
    print("* detect signals no READY: start to exit, for one clip")
    heavy = ("scipy", "sklearn", "tqdm", "openwakeword")
    for name, rs in runs.items():
        top = sorted({m.split(".")[0] for m in rs[0]["modules"]} & {"numpy", "onnxruntime", "soxr", "vosk",
                                                                       "pyaudio", *heavy})
        print(f"loaded by {name}: {', '.join(top) or 'none of numpy, onnxruntime, soxr, vosk, pyaudio'}")

    print("per-import cost over a bare interpreter (each alone, with what it imports):")
    for module in RUNTIME_IMPORTS:
        costs = [import_cost(module) for _ in range(args.rounds)]
        mb = statistics.median(c[0] for c in costs)
        ms = statistics.median(c[1] for c in costs) * 1000
        note = "  (not loaded by earmuff at run time; for comparison)" if module == "openwakeword" else ""
        print(f"  {module:24} {mb:>6.1f} MB {ms:>7.0f} ms{note}")


if __name__ == "__main__":
    main()
