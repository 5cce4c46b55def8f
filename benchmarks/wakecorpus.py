"""The wake word calibration corpus, synthesized with espeak-ng, cached under benchmarks/.cache/wake.

Positives: each built-in wake phrase in 8 English accents x 2 voice variants x
3 speeds x 2 pitches (96 takes), once clean and once over brown noise at about
10 dB SNR, each between a second of lead-in and a short command.
Negatives (no wake phrase anywhere), at least two hours: ordinary read speech
(sentences from Python's own documentation, many voices and speeds), near-miss
phrases ("hey travis", "a jar of peas", ...), household-style commands,
babble (three voices at once), and white and brown noise.
"""

from __future__ import annotations

import itertools
import random
import re
import wave
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from device.owner import demo

RATE = 16000
CACHE = Path(__file__).resolve().parent / ".cache" / "wake"

ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
           "en-029", "en-us-nyc"]
VARIANTS = ["", "+f3", "+m3", "+f2", "+m7", "+Annie", "+Michael", "+f4", "+m1", "+Andy", "+klatt", "+m5"]
SPEEDS = [125, 155, 185]
PITCHES = [35, 65]

WAKE_PHRASES = {
    "alexa": "alexa",
    "hey_jarvis": "hey jarvis",
    "hey_mycroft": "hey mycroft",
    "hey_marvin": "hey marvin",
    "weather": "what's the weather",
}
COMMANDS = ["turn on the kitchen lights", "what time is it", "play some music", "set the thermostat to seventy",
            "add milk to the shopping list", "how tall is mount everest"]
NEAR_MISSES = [
    "hey travis", "a jar of peas", "hey harvest", "hey service", "jars of jam", "hey jamie", "hey jar",
    "hey darvis", "hey nervous", "hey jarred", "they carve this", "a lexus", "alexis", "electra", "election",
    "a lexicon", "hey microsoft", "hey my craft", "hey mike", "hey mister", "hey martin", "hey marlin",
    "hey marty", "hey garden", "what's the word", "what's the matter", "whether or not", "the feather",
    "hey there", "hey you", "okay", "hey google", "hey jars",
]
HOUSEHOLD = [
    "could you pass the salt please", "the kids are at school until three", "did you feed the cat this morning",
    "we need to call the plumber about the sink", "let's have pasta for dinner tonight",
    "turn the music down a little", "where did I leave my keys", "the game starts at eight",
    "it's your turn to do the dishes", "grandma is coming over on sunday", "open the window it's warm in here",
    "I think it's going to rain later", "remind me to water the plants", "how was your day at work",
]


def read_sentences(max_words: int = 30, avoid: str = r"jarvis|alexa|mycroft|marvin|weather") -> list[str]:
    """Ordinary read sentences from Python's documentation (5 to max_words words, mostly
    words), none matching `avoid` (the wake words and what sounds like them)."""
    import pydoc_data.topics as topics

    text = re.sub(r"\s+", " ", " ".join(topics.topics.values()))
    text = re.sub(r"[`*\"()\[\]]", "", text)
    out = []
    for s in re.split(r"(?<=[.!?])\s+", text):
        words = s.split()
        if 5 <= len(words) <= max_words and sum(w.strip(".,;:").isalpha() for w in words) >= 0.8 * len(words):
            if not re.search(avoid, s, re.I):
                out.append(s)
    return out


def speak(args: tuple[str, str, int, int]) -> np.ndarray:
    """(text, voice, speed, pitch) -> 16 kHz int16; one tuple, for ProcessPoolExecutor.map."""
    return demo.speak(*args)


def brown_noise(n: int, rng: np.random.Generator, level: float) -> np.ndarray:
    x = np.cumsum(rng.standard_normal(n))
    x -= np.convolve(x, np.ones(801) / 801, mode="same")
    return (x / (np.sqrt(np.mean(x**2)) + 1e-9) * level * 32767).astype(np.float32)


def add_noise(audio: np.ndarray, rng: np.random.Generator, snr_db: float) -> np.ndarray:
    speech_rms = np.sqrt(np.mean(audio.astype(np.float32) ** 2)) + 1e-9
    noise = brown_noise(len(audio), rng, 1.0)
    noise *= speech_rms / (np.sqrt(np.mean(noise**2)) + 1e-9) / 10 ** (snr_db / 20)
    return np.clip(audio + noise, -32768, 32767).astype(np.int16)


def write_wav(path: Path, audio: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(audio.astype("<i2").tobytes())
    tmp.rename(path)


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), np.int16)


def takes() -> list[tuple[str, int, int]]:
    """96 (voice, speed, pitch) takes: every accent with two of the variants."""
    out = []
    for i, accent in enumerate(ACCENTS):
        for variant in (VARIANTS[(2 * i) % len(VARIANTS)], VARIANTS[(2 * i + 1) % len(VARIANTS)]):
            for speed, pitch in itertools.product(SPEEDS, PITCHES):
                out.append((accent + variant, speed, pitch))
    return out


def positives(model: str, pool: ProcessPoolExecutor) -> list[Path]:
    """Clips that each hold the wake phrase once (the phrase ends 1 s + its length in)."""
    folder = CACHE / "positive" / model
    done = sorted(folder.glob("*.wav"))
    if len(done) == 2 * len(takes()):
        return done
    rng = np.random.default_rng(7)
    phrase_jobs = [(WAKE_PHRASES[model], v, s, p) for v, s, p in takes()]
    command_jobs = [(COMMANDS[i % len(COMMANDS)], v, s, p) for i, (v, s, p) in enumerate(takes())]
    phrases = list(pool.map(speak, phrase_jobs, chunksize=8))
    commands = list(pool.map(speak, command_jobs, chunksize=8))
    paths = []
    for i, (phrase, command) in enumerate(zip(phrases, commands, strict=True)):
        clip = np.concatenate([np.zeros(RATE, np.int16), phrase, np.zeros(RATE // 4, np.int16), command,
                               np.zeros(RATE, np.int16)])
        for kind, audio in (("clean", clip), ("noisy", add_noise(clip, rng, snr_db=10))):
            path = folder / f"{i:03d}-{kind}.wav"
            write_wav(path, audio)
            paths.append(path)
    return sorted(paths)


def negatives(pool: ProcessPoolExecutor, minutes: float = 126, chunk_minutes: float = 6) -> list[Path]:
    """About `minutes` of audio with no wake phrase, in chunks of `chunk_minutes`."""
    folder = CACHE / "negative"
    chunks = int(np.ceil(minutes / chunk_minutes))
    done = [p for p in sorted(folder.glob("*.wav")) if p.with_suffix(".txt").exists()]
    if len(done) >= chunks:
        return done[:chunks]
    rng = random.Random(11)
    nrng = np.random.default_rng(11)
    sentences = read_sentences()
    voices = [(a + v) for a in ACCENTS for v in VARIANTS]
    paths = []
    for c in range(chunks):
        path = folder / f"{c:03d}.wav"
        labels = path.with_suffix(".txt")  # what is said when, for looking into false wakes
        paths.append(path)
        if path.exists() and labels.exists():
            continue
        target = int(chunk_minutes * 60 * RATE)
        jobs = []
        # Mostly read speech, a share of near misses and household talk.
        while len(jobs) < 140:
            roll = rng.random()
            text = (rng.choice(NEAR_MISSES) + " " + rng.choice(HOUSEHOLD) if roll < 0.12 else
                    rng.choice(HOUSEHOLD) if roll < 0.22 else rng.choice(sentences))
            jobs.append((text, rng.choice(voices), rng.choice([120, 140, 160, 180, 200]), rng.randint(25, 75)))
        spoken = list(pool.map(speak, jobs, chunksize=8))
        parts, length, said = [], 0, []
        for (text, *_), audio in zip(jobs, spoken, strict=True):
            gap = np.zeros(int(rng.uniform(0.2, 1.2) * RATE), np.int16)
            if rng.random() < 0.3:
                audio = add_noise(audio, nrng, snr_db=rng.uniform(5, 20))
            said.append(f"{length / RATE:8.2f} {(length + len(audio)) / RATE:8.2f} {text}")
            parts += [audio, gap]
            length += len(audio) + len(gap)
            if length >= target * 0.8:
                break
        # Babble (three voices at once) and plain noise fill the rest of the chunk.
        rest = target - length
        if rest > 0:
            babble = np.zeros(rest, np.float32)
            for k in range(3):
                stream = np.concatenate(spoken[k::3])
                stream = np.resize(stream, rest).astype(np.float32) * 0.4
                babble += np.roll(stream, k * 7919)
            half = rest // 2
            noise = (nrng.standard_normal(rest - half) * 0.01 * 32767).astype(np.float32)
            if c % 2:
                noise = brown_noise(rest - half, nrng, 0.03)
            parts += [np.clip(babble[:half], -32768, 32767).astype(np.int16), noise.astype(np.int16)]
        said.append(f"{length / RATE:8.2f} {target / RATE:8.2f} [babble, then noise]")
        if not path.exists():  # labels only: the audio is deterministic and already there
            write_wav(path, np.concatenate(parts)[:target])
        labels.write_text("\n".join(said) + "\n")
    return paths


def near_miss_spans(wav_path: Path | str) -> list[tuple[float, float]]:
    """(start, end) seconds of each near-miss phrase in a negative chunk, from its label file."""
    spans = []
    for line in Path(wav_path).with_suffix(".txt").read_text().splitlines():
        start, end, text = line.split(None, 2)
        if any(text.startswith(p + " ") for p in NEAR_MISSES):
            spans.append((float(start), float(end)))
    return spans


def build(models: list[str], minutes: float = 126) -> tuple[dict[str, list[Path]], list[Path]]:
    with ProcessPoolExecutor(max_workers=2) as pool:
        pos = {m: positives(m, pool) for m in models}
        neg = negatives(pool, minutes=minutes)
    return pos, neg


if __name__ == "__main__":
    pos, neg = build(list(WAKE_PHRASES))
    hours = sum(len(read_wav(p)) for p in neg) / RATE / 3600
    print(f"positives: {sum(len(v) for v in pos.values())} clips; negatives: {hours:.2f} h in {len(neg)} files")
