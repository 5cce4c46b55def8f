"""Microphone arrays: [audio] channel = 0 / "mean" / "best" / "beam", in simulated rooms.

    nice python -m benchmarks.array [--rooms 20] [--talkers 6] [--talk-minutes 10] [--seed 2026]

pyroomacoustics (bench only: pip install pyroomacoustics) makes shoebox rooms
(4-6 x 3-5 x 2.4-2.8 m, Sabine RT60 0.2-0.5 s by the image source method)
with a 4-microphone circular array of 3.2 cm radius (a ReSpeaker 4-mic HAT) on
a table, a noise source (pink noise or espeak-ng babble) 1-3 m away, and
talkers 1-3 m away at least 45 degrees from the noise. Each talker says the
wake word once (an espeak-ng voice from benchmarks/verifier_corpus.py's
held-out side); the same take is heard clean (reverberation only), with the
noise at 10 and 5 dB SNR at microphone 0, and once more in pink noise at 10 dB
with microphone 0 dead (what "best" is for). Every microphone also has its own
self-noise, 30 dB below the speech (a MEMS microphone's floor for a voice at
1-2 m). The multichannel audio goes through earmuff's own FrameConverter with
each channel setting, then earmuff's WakeDetector (default settings:
calibrated threshold, the shipped verifier). Printed: recall per condition
and setting, clips woken by one setting and not by "mean" (and the reverse),
false wakes on ordinary talk from the held-out voices in the same rooms with
noise at 10 dB, and each setting's CPU time. No setting was tuned on recall;
the beam's noise-floor gate was added after looking at the delays it chose in
three scenes from this simulator (without it, it steered at the noise source).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
from scipy.signal import fftconvolve

from benchmarks.verifier_corpus import make_noise, speak, speech_clips, voice
from device.listener.audio import FRAME_SAMPLES, FrameConverter

RATE = 16000
MICS, RADIUS = 4, 0.032
SPEECH_RMS = 2000.0  # the talker's level at microphone 0, about -24 dBFS
SELF_NOISE_DB = 30.0  # each microphone's own noise, this far below the speech
MIXES: list[int | str] = [0, "mean", "best", "beam"]
CONDITIONS = [("clean", None, None), ("pink 10 dB", "pink", 10), ("pink 5 dB", "pink", 5),
              ("babble 10 dB", "babble", 10), ("babble 5 dB", "babble", 5)]
DEAD = "pink 10 dB, microphone 0 dead"  # what "best" is for: one microphone covered or broken
WAKE_TEXT = {"hey_jarvis": "hey jarvis", "alexa": "alexa", "hey_mycroft": "hey my croft"}


@dataclass
class Room:
    rt60: float  # as measured on the simulated impulse responses
    noise_rir: list[np.ndarray]  # one per microphone
    talker_rirs: list[list[np.ndarray]]  # per talker, one per microphone


def _place(rng, dim, center, near: float, far: float, height: tuple[float, float], away_from: float | None):
    """A point `near`-`far` m from the array, inside the room, at least 45 degrees from `away_from`."""
    while True:
        distance, angle = rng.uniform(near, far), rng.uniform(0, 2 * np.pi)
        if away_from is not None and abs(np.angle(np.exp(1j * (angle - away_from)))) < np.pi / 4:
            continue
        x, y = center[0] + distance * np.cos(angle), center[1] + distance * np.sin(angle)
        if 0.3 < x < dim[0] - 0.3 and 0.3 < y < dim[1] - 0.3:
            return [x, y, rng.uniform(*height)], angle


def make_room(rng: np.random.Generator, talkers: int) -> Room:
    import pyroomacoustics as pra

    dim = [rng.uniform(4, 6), rng.uniform(3, 5), rng.uniform(2.4, 2.8)]
    absorption, order = pra.inverse_sabine(rng.uniform(0.2, 0.5), dim)
    room = pra.ShoeBox(dim, fs=RATE, materials=pra.Material(absorption), max_order=order)
    center = [rng.uniform(1.0, dim[0] - 1.0), rng.uniform(1.0, dim[1] - 1.0)]
    mics = pra.circular_2D_array(center, MICS, rng.uniform(0, np.pi), RADIUS)
    room.add_microphone_array(np.vstack([mics, np.full(MICS, 0.8)]))  # on a table
    noise_at, noise_angle = _place(rng, dim, center, 1.0, 3.0, (0.3, 1.5), None)
    room.add_source(noise_at)
    for _ in range(talkers):
        room.add_source(_place(rng, dim, center, 1.0, 3.0, (1.1, 1.8), noise_angle)[0])
    room.compute_rir()
    rt60 = float(np.mean(room.measure_rt60()))
    rirs = [[np.asarray(room.rir[m][s], np.float32) for m in range(MICS)] for s in range(talkers + 1)]
    return Room(rt60, rirs[0], rirs[1:])


def through(rirs: list[np.ndarray], audio: np.ndarray) -> np.ndarray:
    """Dry audio as the array hears it from one place: (samples, microphones)."""
    out = [fftconvolve(audio, rir)[: len(audio)] for rir in rirs]
    return np.stack(out, axis=1)


def scene(room: Room, talker: int, dry: np.ndarray, noise: str | None, snr_db: float | None,
          rng: np.random.Generator, babble: np.ndarray) -> np.ndarray:
    """The talker's speech (with its silences) at the array, scaled, with noise and self-noise: float32 in [-1, 1)."""
    speech = through(room.talker_rirs[talker], dry.astype(np.float32))
    voiced = np.abs(dry) > 300
    speech *= SPEECH_RMS / (np.sqrt(np.mean(speech[voiced, 0] ** 2)) + 1e-9)
    mix = speech
    if noise is not None:
        n = len(dry) + RATE  # a second more, so the reverberant noise is already built up at the start
        heard = through(room.noise_rir, make_noise(noise, n, rng, babble))[RATE:]
        mix = mix + heard * SPEECH_RMS / 10 ** (snr_db / 20) / (np.sqrt(np.mean(heard[:, 0] ** 2)) + 1e-9)
    self_noise = rng.standard_normal(mix.shape).astype(np.float32) * SPEECH_RMS / 10 ** (SELF_NOISE_DB / 20)
    return np.clip(mix + self_noise, -32768, 32767) / 32768


def wake_clip(word: str, take, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """1.5-2 s of silence (the noise alone: a room before anyone speaks), the wake word, 1 s after."""
    said = speak(WAKE_TEXT[word], take)
    lead = int(rng.uniform(1.5, 2.0) * RATE)
    audio = np.concatenate([np.zeros(lead, np.int16), said, np.zeros(RATE, np.int16)])
    return audio, lead + len(said)


def talk_clip(parts) -> np.ndarray:
    pieces = [np.zeros(RATE // 2, np.int16)]
    for text, take in parts:
        pieces.append(speak(text, take) if text else np.zeros(RATE // 3, np.int16))
    return np.concatenate(pieces)


def wakes(detector, audio: np.ndarray, mix) -> list[int]:
    """Frames where earmuff's detector wakes on multichannel audio turned to mono by `mix`."""
    converter = FrameConverter(RATE, MICS, 4, mix)
    frames = []
    for i in range(0, len(audio), FRAME_SAMPLES):
        frames += converter.push_samples(audio[i:i + FRAME_SAMPLES])
    frames += converter.flush()
    detector.reset()
    return [i for i, frame in enumerate(frames) if detector.process(frame)]


def mixer_cpu(mix, seconds: float = 20) -> float:
    """The share of a core FrameConverter takes for `mix`, 80 ms blocks as from the microphone."""
    audio = np.random.default_rng(0).standard_normal((int(seconds * RATE), MICS)).astype(np.float32) * 0.05
    converter = FrameConverter(RATE, MICS, 4, mix)
    started = time.process_time()
    for i in range(0, len(audio), FRAME_SAMPLES):
        converter.push_samples(audio[i:i + FRAME_SAMPLES])
    return (time.process_time() - started) / seconds


def main() -> None:
    from device.config import WakeSettings
    from device.listener.wake import WakeDetector

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--talkers", type=int, default=6, help="talkers (wake word takes) per room")
    parser.add_argument("--talk-minutes", type=float, default=10, help="ordinary talk for false wakes")
    parser.add_argument("--words", nargs="+", default=["hey_jarvis"], choices=list(WAKE_TEXT))
    parser.add_argument("--seed", type=int, default=2026, help="rooms and positions")
    args = parser.parse_args()
    print("CPU per audio second, 4 channels at 16 kHz: " + ", ".join(
        f"{mix!r} {mixer_cpu(mix):.2%}" for mix in MIXES), flush=True)

    import benchmarks.verifier_corpus as vc

    with vc.pool() as pool:
        babble = vc.babble_bank("held_out", pool)
    started = time.monotonic()
    rng = np.random.default_rng(args.seed)
    rooms = [make_room(rng, args.talkers) for _ in range(args.rooms)]
    rt60s = [r.rt60 for r in rooms]
    print(f"{len(rooms)} rooms, measured RT60 {min(rt60s):.2f}-{max(rt60s):.2f} s (median {np.median(rt60s):.2f}); "
          f"{args.talkers} talkers each; {MICS} microphones, {RADIUS * 100:.1f} cm radius; "
          f"made in {time.monotonic() - started:.0f} s", flush=True)

    for word in args.words:
        detector = WakeDetector(WakeSettings(models=(word,)))
        verifier = "verifier on" if detector.verifiers else "no verifier"
        woke = {(c, m): [] for c in [*(c for c, *_ in CONDITIONS), DEAD] for m in MIXES}  # one bool per take
        started = time.monotonic()
        for r, room in enumerate(rooms):
            for t in range(args.talkers):
                take_rng = np.random.default_rng([r, t])
                dry, end = wake_clip(word, voice(take_rng, "held_out"), take_rng)
                for name, noise, snr in CONDITIONS:
                    audio = scene(room, t, dry, noise, snr, np.random.default_rng([r, t, len(name)]), babble)
                    for mix in MIXES:
                        # A wake from the wake word's start to 1 s after it ends counts.
                        hits = [f for f in wakes(detector, audio, mix) if f * FRAME_SAMPLES <= end + RATE]
                        woke[name, mix].append(bool(hits))
                dead = scene(room, t, dry, "pink", 10, np.random.default_rng([r, t, 10]), babble)
                dead[:, 0] = 0
                for mix in MIXES:
                    hits = [f for f in wakes(detector, dead, mix) if f * FRAME_SAMPLES <= end + RATE]
                    woke[DEAD, mix].append(bool(hits))
        takes = args.rooms * args.talkers
        print(f"\n{word} ({verifier}): recall of {takes} takes per condition "
              f"(clips woken that 'mean' missed / missed that 'mean' woke); {time.monotonic() - started:.0f} s")
        print("| condition | " + " | ".join(f"channel = {m!r}" if isinstance(m, str) else f"channel = {m}"
                                          for m in MIXES) + " |")
        print("| --- |" + " --- |" * len(MIXES))
        noisy = [n for n, noise, _ in CONDITIONS if noise]
        rows = [(name, [name]) for name, *_ in CONDITIONS] + [("all noisy", noisy), (DEAD, [DEAD])]
        for label, names in rows:
            base = np.concatenate([woke[n, "mean"] for n in names])
            cells = []
            for mix in MIXES:
                got = np.concatenate([woke[n, mix] for n in names])
                paired = "" if mix == "mean" else f" (+{int(np.sum(got & ~base))}/-{int(np.sum(~got & base))})"
                cells.append(f"{got.mean():.1%}{paired}")
            print(f"| {label} | " + " | ".join(cells) + " |")

        # Ordinary talk: held-out voices, one clip per room position in turn, noise at 10 dB.
        started = time.monotonic()
        false_wakes = dict.fromkeys(MIXES, 0)
        seconds = 0.0
        for k, clip in enumerate(speech_clips("held_out", args.talk_minutes, seed=77)):
            room = rooms[k % len(rooms)]
            dry = talk_clip(clip.parts)
            seconds += len(dry) / RATE
            noise = ("pink", "babble")[k % 2]
            audio = scene(room, k % args.talkers, dry, noise, 10, np.random.default_rng([k, 9]), babble)
            for mix in MIXES:
                false_wakes[mix] += len(wakes(detector, audio, mix))
        cells = [f"{false_wakes[m]} ({false_wakes[m] / seconds * 3600:.1f}/h)" for m in MIXES]
        print(f"| false wakes in {seconds / 60:.1f} min of talk, 10 dB | " + " | ".join(cells) + " |")
        print(f"(talk: {time.monotonic() - started:.0f} s)")



if __name__ == "__main__":
    main()
