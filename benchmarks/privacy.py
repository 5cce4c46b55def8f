"""Privacy button latency: from the button's edge to the capture stream stopped, and to the muted light.

    python -m benchmarks.privacy [--presses 30]

The whole listener runs on real PortAudio, reading a microphone made with
ALSA's file plugin (a temporary ~/.asoundrc), with the button and the LEDs on
gpiozero's MockFactory pins. Each press is timed from just before the pin is
driven low to (a) the moment MicSource has stopped and closed the PortAudio
stream, and (b) the moment the ring has drawn "muted", once through the jsonl
driver and once through APA102 frames bit-banged over gpiozero's mock SPI
(slower than the Pi's hardware SPI). Target: at most 100 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def mic_home(tmp: Path) -> None:
    raw = tmp / "mic.raw"
    rng = np.random.default_rng(0)
    raw.write_bytes((rng.standard_normal(16000 * 60) * 3000).astype("<i2").tobytes())
    home = tmp / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(
        'pcm.earmuff_bench_mic {\n type file\n slave.pcm "null"\n file "/dev/null"\n'
        f' infile "{raw}"\n format "raw"\n hint {{ show on description "bench mic" }}\n}}\n')
    os.environ["HOME"] = str(home)


def run(led: str, presses: int, tmp: Path) -> tuple[list[float], list[float]]:
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    from benchmarks.listen_cpu import default_vosk_model
    from device import config as cfg
    from device.listener import service as listener

    factory = MockFactory()
    Device.pin_factory = factory
    state = tmp / f"state-{led}"
    config = cfg.from_dict({
        "paths": {"state_dir": str(state)},
        "audio": {"device": "earmuff_bench", "rate": 16000, "reopen_min_s": 0.05},
        "transcribe": {"model": default_vosk_model()},
        "led": {"driver": f"jsonl:{tmp / 'ring.jsonl'}"} if led == "jsonl" else {"driver": "apa102", "count": 12},
        "privacy": {"button_pin": 17, "bounce_ms": 5},
    })
    lst = listener.build(config, pin_factory=factory)
    runner = threading.Thread(target=lst.run, daemon=True)
    runner.start()
    pin = factory.pin(17)
    to_stream, to_light = [], []
    for _ in range(presses):
        start_frames = lst.counters.frames
        while lst.counters.frames < start_frames + 3:  # the microphone is open and flowing
            time.sleep(0.005)
        edge = time.monotonic()
        pin.drive_low()
        lst.ring.wait_shown("muted", timeout=5)
        to_stream.append((lst.source.stopped_at - edge) * 1000)
        to_light.append((lst.ring.shown_at - edge) * 1000)
        pin.drive_high()
        time.sleep(0.02)
        pin.drive_low()  # press again: unmute
        pin.drive_high()
        lst.ring.wait_shown("idle", timeout=5)
    lst.stop()
    runner.join(timeout=10)
    listener.close(lst)
    factory.reset()
    return to_stream, to_light


def summary(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"median {statistics.median(values):6.2f} ms, p95 {p95:6.2f} ms, max {values[-1]:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        mic_home(tmp)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"{args.presses} presses each; target at most 100 ms")
        for led in ("jsonl", "apa102"):
            stream, light = run(led, args.presses, tmp)
            print(f"button edge -> capture stream stopped ({led:6} ring): {summary(stream)}")
            print(f"button edge -> muted light drawn      ({led:6} ring): {summary(light)}")


if __name__ == "__main__":
    main()
