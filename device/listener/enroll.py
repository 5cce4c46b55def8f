"""Household enrolment: a personal verifier per person and wake word, trained on the device.

`earmuff enroll` takes a person's wake word takes (WAV files, or N takes
recorded from the configured audio source) and a minute of the household's
ordinary talk (files, or recorded), and fine-tunes the word's shipped verifier
(device/listener/verifier.py) towards this person's way of saying the word, held close
to the shipped weights so that what it knows of near misses stays. It is stored as
state_dir/verifiers/WAKEWORD/PERSON.npz; the detector loads it beside the
shipped verifier and wakes when either accepts, so guests still can.

Training data: windows of openWakeWord embeddings from the detector itself,
the same ones it will see at run time. Positives are the windows around the
base model's peak in each take, also with generated noise laid over them (so
one quiet recording session carries over to a noisy kitchen); negatives are
every window of the household talk and the hard negatives (near misses
synthesized for training) shipped with the word's verifier.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from device.listener import noise
from device.listener.audio import FRAME_SAMPLES, SAMPLE_RATE, read_wav
from device.listener.verifier import (
    WINDOW_FRAMES,
    Verifier,
    VerifierError,
    builtin_hard_negatives,
    builtin_verifier,
    personal_dir,
    train,
)

TAKE_SECONDS = 3.0
TALK_SECONDS = 60.0
PEAK_FRAMES = (-1, 4)  # windows around the base model's peak that count as the wake word
GATE_FLOOR = 0.0002
FINE_TUNE_PULL = 0.3  # l2 towards the shipped verifier's weights (benchmarks/wake.py, "enrolled")
FINE_TUNE_EPOCHS = 15
NO_AUDIO_S = 10.0  # give up on a source that stays silent (no device, closed) this long
_PERSON = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


class EnrollError(Exception):
    """Enrolment cannot go on; the message says why and what to do."""


def check_person(person: str) -> str:
    if not _PERSON.match(person):
        raise EnrollError(f"name {person!r}: use 1-40 letters, digits, '.', '_' or '-' (it names a file)")
    return person


def windows_of(detector, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(base scores (frames,), windows (frames, 16, 96)) of one clip, for the detector's one word."""
    name = detector.names[0]
    padded = np.concatenate([np.zeros(SAMPLE_RATE // 2, np.int16), audio, np.zeros(SAMPLE_RATE, np.int16)])
    detector.restart()
    scores, windows = [], []
    for i in range(len(padded) // FRAME_SAMPLES):
        scores.append(detector.scores(padded[i * FRAME_SAMPLES:(i + 1) * FRAME_SAMPLES])[name])
        windows.append(detector.recent_embeddings(WINDOW_FRAMES))
    return np.asarray(scores, np.float32), np.asarray(windows, np.float32)


def _with_noise(audio: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """The take over white, pink and brown noise at 20, 12 and 6 dB below the speech."""
    rms = np.sqrt(np.mean(audio.astype(np.float32) ** 2)) + 1e-9
    return [np.clip(audio + noise.coloured(kind, len(audio), rng) * rms / 10 ** (snr / 20), -32768, 32767)
            .astype(np.int16) for kind, snr in (("white", 20), ("pink", 12), ("brown", 6))]


def train_personal(detector, takes: list[np.ndarray], talk: list[np.ndarray], person: str,
                   say: Callable[[str], None] = lambda s: None) -> Verifier:
    """A personal verifier for the detector's (single) wake word from takes and household talk."""
    word = detector.names[0]
    if len(takes) < 3:
        raise EnrollError(f"{len(takes)} takes of the wake word: at least 3 are needed (5-10 is better)")
    rng = np.random.default_rng(0)
    pos, peaks = [], []
    for k, take in enumerate(takes, 1):
        scores, _ = windows_of(detector, take)
        peak = int(np.argmax(scores))
        peaks.append(float(scores[peak]))
        if scores[peak] < GATE_FLOOR:
            say(f"take {k}: the {word} model does not hear the wake word in it (peak score "
                f"{scores[peak]:.5f}); skipped - was it said, and loud enough?")
            continue
        for version in [take] + _with_noise(take, rng):
            v_scores, v_windows = windows_of(detector, version)
            lo = max(0, peak + PEAK_FRAMES[0])
            pos.append(v_windows[lo:peak + PEAK_FRAMES[1]])
    if len(pos) < 3 * 4:
        raise EnrollError(f"only {len(pos) // 4} of {len(takes)} takes hold the wake word {word!r}; "
                          "record them again, closer to the microphone")
    neg = [windows_of(detector, clip)[1] for clip in talk]
    hard = builtin_hard_negatives(word)
    if hard is not None:
        neg.append(hard)
    x_pos, x_neg = np.concatenate(pos), np.concatenate(neg)
    if len(x_neg) < 200:
        raise EnrollError(f"{len(x_neg) * 0.08:.0f} s of ordinary talk is too little to learn from; "
                          "give at least 30 s")
    x = np.concatenate([x_pos, x_neg])
    y = np.concatenate([np.ones(len(x_pos)), np.zeros(len(x_neg))])
    usable = [p for p in peaks if p >= GATE_FLOOR]
    # Ask the verifier whenever the base model shows this person's takes' level of interest.
    gate = float(max(GATE_FLOOR, min(0.002, 0.5 * min(usable))))
    shipped = Verifier.load(path) if (path := builtin_verifier(word)) else None
    if shipped is not None:
        # Fine-tune the shipped verifier, held close to it: it keeps what it knows of near misses in
        # many voices and learns this person's way of saying the word (a verifier trained from
        # scratch on one voice learns the voice, and wakes on its near misses too).
        verifier = train(x, y, word, l2=FINE_TUNE_PULL, epochs=FINE_TUNE_EPOCHS, seed=0, start=shipped)
        verifier.gate, verifier.threshold = min(gate, shipped.gate), shipped.threshold
    else:
        verifier = train(x, y, word, hidden=0, l2=3e-2, epochs=25, seed=0)
        verifier.gate, verifier.threshold = gate, 0.5
    verifier.patience = shipped.patience if shipped else 1  # the group keeps the shipped one's
    verifier.info = {"person": person, "takes": str(len(usable)), "talk_s": f"{len(x_neg) * 0.08:.0f}",
                     "enrolled": time.strftime("%Y-%m-%d %H:%M")}
    return verifier


def as_heard(audio_settings, clips: list[np.ndarray]) -> list[np.ndarray]:
    """The clips as the listener hears them: through the noise front end when `[audio]` turns it on."""
    from device.listener import frontend

    out = []
    for clip in clips:
        try:
            front_end = frontend.from_settings(audio_settings)  # a fresh one per clip: each is its own stream
        except frontend.FrontEndError as e:
            raise EnrollError(str(e)) from None
        if front_end is None:
            return clips
        out.append(front_end.process(clip[: len(clip) // frontend.CHUNK * frontend.CHUNK]))
    return out


def record(frames: Iterator, seconds: float) -> np.ndarray:
    """The next `seconds` of audio from a source's frames (None, a closed microphone, gives nothing)."""
    want = int(seconds * SAMPLE_RATE / FRAME_SAMPLES)
    got: list[np.ndarray] = []
    last_audio = time.monotonic()
    for frame in frames:
        if frame is not None:
            got.append(frame)
            last_audio = time.monotonic()
        elif time.monotonic() - last_audio > NO_AUDIO_S:
            break
        if len(got) >= want:
            break
    if len(got) < want // 2:
        raise EnrollError(f"the audio source gave {len(got) * FRAME_SAMPLES / SAMPLE_RATE:.1f} s of audio where "
                          f"{seconds:.0f} s were asked for (no microphone? privacy mode on? a file too short?)")
    return np.concatenate(got)


def enroll(config, wakeword: str, person: str, files: Iterable[str] = (), count: int = 8,
           talk_files: Iterable[str] = (), talk_seconds: float = TALK_SECONDS,
           say: Callable[[str], None] = print) -> Path:
    """Collect takes and talk (files, else the configured source), train, store. Returns the file."""
    from device.listener.audio import open_source
    from device.listener.wake import WakeDetector

    check_person(person)
    detector = WakeDetector(config.wake, models=[wakeword], verifiers={})
    wakeword = detector.names[0]
    files, talk_files = list(files), list(talk_files)
    source = None if files and talk_files else open_source(config.audio)
    stream = source.frames() if source is not None else iter(())
    try:
        if files:
            takes = [read_wav(f) for f in files]
        else:
            takes = []
            for k in range(1, count + 1):
                say(f"take {k} of {count}: say the wake word ({wakeword}) now")
                takes.append(record(stream, TAKE_SECONDS))
        if talk_files:
            talk = [read_wav(f) for f in talk_files]
        else:
            say(f"now {talk_seconds:.0f} s of ordinary talk in the room (anything but the wake word)")
            talk = [record(stream, talk_seconds)]
    finally:
        if source is not None:
            source.close()
    takes, talk = as_heard(config.audio, takes), as_heard(config.audio, talk)
    started = time.monotonic()
    verifier = train_personal(detector, takes, talk, person, say)
    path = verifier.save(personal_dir(config.paths.state_dir, wakeword) / f"{person}.npz")
    say(f"enrolled {person} for {wakeword} from {verifier.info['takes']} takes and {verifier.info['talk_s']} s "
        f"of talk in {time.monotonic() - started:.1f} s: {path}")
    return path


def enrolled(state_dir: Path | str) -> list[tuple[str, str, dict[str, str]]]:
    """(wake word, person, info) for every personal verifier in the state directory."""
    out = []
    for path in sorted((Path(state_dir) / "verifiers").glob("*/*.npz")):
        out.append((path.parent.name, path.stem, Verifier.load(path).info))
    return out


def remove(state_dir: Path | str, person: str, wakeword: str | None = None) -> list[Path]:
    check_person(person)
    pattern = f"{wakeword or '*'}/{person}.npz"
    gone = sorted((Path(state_dir) / "verifiers").glob(pattern))
    for path in gone:
        path.unlink()
    return gone


# -- `earmuff enroll` ---------------------------------------------------------
def command(args, config) -> int:
    state_dir = config.paths.state_dir
    try:
        if args.list:
            rows = enrolled(state_dir)
            for word, person, info in rows:
                print(f"{word:14} {person:20} {info.get('takes', '?')} takes, {info.get('talk_s', '?')} s talk, "
                      f"enrolled {info.get('enrolled', '?')}")
            if not rows:
                print(f"nobody is enrolled (no personal verifiers in {state_dir / 'verifiers'})")
            return 0
        if args.remove:
            gone = remove(state_dir, args.remove, args.wakeword)
            for path in gone:
                print(f"removed {path}")
            if not gone:
                print(f"earmuff enroll: {args.remove!r} is not enrolled", file=sys.stderr)
                return 1
            print("restart the listener for it to take effect")
            return 0
        if not 3 <= args.count <= 50:
            raise EnrollError("--count must be between 3 and 50")
        word = args.wakeword or config.wake.models[0]
        enroll(config, word, args.name, args.files, args.count, args.talk or (), args.talk_seconds)
        print("restart the listener for it to take effect")
        return 0
    except (EnrollError, VerifierError) as e:
        print(f"earmuff enroll: {e}", file=sys.stderr)
        return 1
