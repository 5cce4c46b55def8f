"""Run one earmuff command in this process and record, at exit, what it loaded and how much memory it held.

    python -m benchmarks.probe OUT.json [--without-vosk] [--no-arena] -- COMMAND ARGS...

OUT.json gets {"modules": [...], "peak_rss_mb", "rss_mb", "exit"}: every
module in sys.modules when the interpreter exits (so everything the command
ever imported), the peak RSS (VmHWM) and the RSS at exit. Used by
benchmarks/footprint.py and by the test that no command loads scipy,
scikit-learn or tqdm.

--without-vosk: the listener's Vosk model is not loaded (Transcriber.model
stays None), to measure the listener's own cost; only for audio without a wake
word, since a wake would need the model.
--no-arena: onnxruntime sessions without the CPU memory arena (for comparing).
"""

from __future__ import annotations

import atexit
import sys


def _status_mb(field: str) -> float:
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    out, options, command = sys.argv[1], sys.argv[2 : sys.argv.index("--")], sys.argv[sys.argv.index("--") + 1 :]
    outcome = {"exit": None}

    def record() -> None:
        modules = sorted(sys.modules)  # before json and resource add themselves
        import json

        # VmHWM, not ru_maxrss: after exec, ru_maxrss still counts the parent's memory at fork.
        with open(out, "w") as f:
            json.dump({"modules": modules, "peak_rss_mb": _status_mb("VmHWM"), "rss_mb": _status_mb("VmRSS"),
                       "exit": outcome["exit"]}, f)

    atexit.register(record)
    if "--without-vosk" in options:
        import device.listener.transcribe

        device.listener.transcribe.load_model = lambda path: None
    if "--no-arena" in options:
        import device.listener.wakeword.models

        device.listener.wakeword.models.ARENA = False
    from device.owner.cli import main as earmuff

    outcome["exit"] = earmuff(command)
    sys.exit(outcome["exit"])


if __name__ == "__main__":
    main()
