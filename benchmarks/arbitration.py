"""Wake arbitration: three speakers hear one wake; does exactly one, the loudest, go on? And how soon?

    python -m benchmarks.arbitration [--trials 100] [--window-ms 150] [--down 30]

Each trial is one "hey jarvis" (espeak-ng, one of six voices, random speed and
pitch) heard by three speakers, each at its own level (the voice 0 to 24 dB
down: distance) in its own noise (white, pink or brown, -55 to -40 dBFS). Each
speaker's audio goes through the listener's real wake detector (openWakeWord
and the verifier, as configured by default) and its level meter, frame by
frame as the listener feeds them; a speaker that wakes claims the floor at the
moment its detector fired (the frame it fired on, relative to the others') through
its real listener link, to its real uplink, over a real mosquitto on
127.0.0.1. Three uplinks, each with its own state and socket, decide.

What is simplified: the audio is not played in real time while the claims
fly (the detector runs first, then the claims are made at the detectors'
relative times), and the three speakers share one machine and one broker on
loopback (a home's Wi-Fi adds a few ms to each claim's trip).

It prints: trials; double answers (more than one speaker held the floor once
the wake was over); lost wakes (at least one speaker woke, none went on); how often the winner was the
speaker that heard the voice loudest over its noise (the true level from the
mix, not the measured one) and the one whose voice level was highest
(regardless of noise); the added time from claim to answer, median and max,
for the speaker that went on, with the broker up, with it stopped (the uplinks
know it is gone) and with it hung (SIGSTOP: connected, passing nothing on);
how often a later, louder claim took the floor over and how long the speaker
that yielded had been listening; and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan")
ROOMS = ("kitchen", "hall", "study")
CLOSE_DB = 1.5  # two speakers this close in true level over noise: a close call


def heard(rng: np.random.Generator, phrases: list[np.ndarray]):
    """One trial's audio at three speakers: (clips, true SNR dB, voice gain dB)."""
    from device.listener.noise import COLOURS, coloured

    phrase = phrases[rng.integers(len(phrases))].astype(np.float64)
    phrase *= 10 ** (-6 / 20) * 32767 / (np.max(np.abs(phrase)) + 1e-9)  # peak at -6 dBFS at the nearest
    voiced = phrase[np.abs(phrase) > 0.01 * np.max(np.abs(phrase))]
    speech_rms = float(np.sqrt(np.mean(voiced**2)))
    n = int(3.0 * 16000)
    clips, snrs, gains = [], [], []
    for _ in ROOMS:
        gain_db, noise_dbfs = rng.uniform(-24, 0), rng.uniform(-55, -40)
        noise = coloured(COLOURS[rng.integers(len(COLOURS))], n, rng) * 32767 * 10 ** (noise_dbfs / 20)
        x = noise.astype(np.float64)
        start = 16000
        x[start:start + len(phrase)] += phrase[: n - start] * 10 ** (gain_db / 20)
        clips.append(np.clip(np.round(x), -32768, 32767).astype(np.int16))
        snrs.append(20 * np.log10(speech_rms * 10 ** (gain_db / 20)) - noise_dbfs - 20 * np.log10(32767))
        gains.append(gain_db)
    return clips, snrs, gains


def detect(detector, meter, clip: np.ndarray):
    """(frame index, score, loudness) of the first wake in the clip, as the listener computes them, or None."""
    from device.listener.audio import FRAME_SAMPLES

    detector.reset()
    meter.reset()
    for i in range(len(clip) // FRAME_SAMPLES):
        frame = clip[i * FRAME_SAMPLES:(i + 1) * FRAME_SAMPLES]
        meter.add(frame)
        for detection in detector.process(frame):
            return i, detection.score, meter.loudness()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--window-ms", type=int, default=150)
    parser.add_argument("--down", type=int, default=30, help="trials with the broker stopped, and again hung")
    parser.add_argument("--seed", type=int, default=25)
    args = parser.parse_args()

    from benchmarks.listen_cpu import cpu_name
    from device.config import WakeSettings
    from device.listener.audio import FRAME_SECONDS
    from device.listener.level import LevelMeter
    from device.listener.link import UplinkLink
    from device.listener.wake import WakeDetector
    from device.ring.led import NullDriver, Ring
    from device.uplink.arbitration import SAME_WAKE_S
    from tests import speech
    from tests.household import Broker, Speaker
    from tests.waiting import wait_for

    rng = np.random.default_rng(args.seed)
    began = time.monotonic()
    phrases = [speech.say("hey jarvis", voice=v, speed=int(s), pitch=int(p))
               for v in VOICES for s, p in ((150, 45), (175, 60))]
    with tempfile.TemporaryDirectory() as tmp:
        detector = WakeDetector(WakeSettings(), state_dir=Path(tmp))
        meter = LevelMeter()
        trials = []
        for _ in range(args.trials):
            clips, snrs, gains = heard(rng, phrases)
            trials.append(([detect(detector, meter, clip) for clip in clips], snrs, gains))
        print(f"{args.trials} trials heard by three detectors in {time.monotonic() - began:.0f} s", flush=True)

        window_s = args.window_ms / 1000
        broker = Broker(Path(tmp)).start()
        speakers, links = [], []
        try:
            for room in ROOMS:
                s = Speaker(Path(tmp), room, broker.port, window_ms=args.window_ms)
                assert s.connected(), room
                ring = Ring(NullDriver())
                link = UplinkLink(s.config.uplink_socket(), ring, lock=s.config.paths.state_dir / "listener.lock")
                link.start()
                assert wait_for(lambda link=link, s=s: link.connected and s.uplink.listener is not None, 10)
                speakers.append(s)
                links.append((link, ring))

            def run(woke):
                """Claims at the detectors' relative times -> [(speaker, go, latency s)]."""
                fired = [(i, w) for i, w in enumerate(woke) if w is not None]
                if not fired:
                    return []
                first = min(w[0] for _, w in fired)
                start, floors = threading.Event(), {}

                def one(i, w):
                    start.wait()
                    time.sleep((w[0] - first) * FRAME_SECONDS)
                    floors[i] = links[i][0].ask_floor("hey_jarvis", w[1], w[2])

                threads = [threading.Thread(target=one, args=(i, w)) for i, w in fired]
                for t in threads:
                    t.start()
                start.set()
                for t in threads:
                    t.join()
                for f in floors.values():
                    f.answered.wait(window_s + 2)
                time.sleep(SAME_WAKE_S + 0.1)  # the next trial is another wake; a late claim may take the floor
                held.extend(f.lost_after_s for f in floors.values() if f.lost)
                return [(i, f.go and not f.lost, f.latency_s) for i, f in sorted(floors.items())]

            doubles = lost = woke_any = loudest = highest = clear = clear_won = 0
            added, offsets, held = [], [], []
            for woke, snrs, gains in trials:
                fired = [w[0] for w in woke if w is not None]
                if fired:
                    offsets.append((max(fired) - min(fired)) * FRAME_SECONDS)
                results = run(woke)
                if not results:
                    continue
                woke_any += 1
                went = [i for i, go, _ in results if go]
                doubles += len(went) > 1
                lost += not went
                if len(went) == 1:
                    top = sorted(snrs, reverse=True)
                    clear += top[0] - top[1] > CLOSE_DB
                    clear_won += top[0] - top[1] > CLOSE_DB and went[0] == int(np.argmax(snrs))
                    loudest += went[0] == int(np.argmax(snrs))
                    highest += went[0] == int(np.argmax(gains))
                    added += [lat for i, go, lat in results if go]

            handed_over_after = list(held)  # the trials with the broker down below add none

            def down_trials(how: str):
                latencies, alone = [], 0
                for woke, _, _ in trials[: args.down]:
                    results = run(woke)
                    alone += all(go for _, go, _ in results)
                    latencies += [lat for _, go, lat in results if go]
                return latencies, alone

            os.kill(broker.proc.pid, signal.SIGSTOP)  # hung: the connections stay up, nothing passes
            hung, hung_alone = down_trials("hung")
            os.kill(broker.proc.pid, signal.SIGCONT)
            broker.stop()
            assert wait_for(lambda: not any(s.uplink.household.connected for s in speakers), 10)
            stopped, stopped_alone = down_trials("stopped")
        finally:
            for link, ring in links:
                link.close()
                ring.close()
            for s in speakers:
                s.close()
            broker.stop()

    def ms(values):
        return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms" if values else "-"

    print(f"window {args.window_ms} ms; {args.trials} trials, {woke_any} in which at least one speaker woke "
          f"(detectors fired up to {max(offsets, default=0) * 1000:.0f} ms apart)")
    print(f"double answers: {doubles}; lost wakes: {lost}")
    print(f"the winner heard the voice loudest over its noise in {loudest}/{woke_any} "
          f"({100 * loudest / max(1, woke_any):.1f}%); had the highest voice level in {highest}/{woke_any} "
          f"({100 * highest / max(1, woke_any):.1f}%)")
    print(f"  where the loudest led the next by more than {CLOSE_DB} dB: {clear_won}/{clear} "
          f"({100 * clear_won / max(1, clear):.1f}%)")
    print(f"added time, claim to go, broker up: {ms(added)}")
    print(f"the floor was handed over to a later, louder claim {len(handed_over_after)} times; "
          f"the speaker that yielded had been listening for {ms(handed_over_after)} (in memory, dropped; nothing sent)")
    print(f"broker hung (SIGSTOP): {ms(hung)}; every speaker that woke went on alone in {hung_alone}/{args.down}")
    print(f"broker stopped: {ms(stopped)}; every speaker that woke went on alone in {stopped_alone}/{args.down}")
    print(f"machine: {platform.machine()}, {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{time.monotonic() - began:.0f} s in all")


if __name__ == "__main__":
    main()
