"""`earmuff demo`: see earmuff work without a Pi.

A short home conversation is synthesized with espeak-ng (once, then cached)
and played as the microphone through the real listener and uplink (as
`earmuff run` does), with the LED ring drawn in the terminal and the file
sink. Afterwards it shows what was said beside what left the device, and the
audit log. Without the English Vosk model it says what is missing and how to
get it, and shows the parts that need no model: the wake word, the ring, and
the redaction of the script's commands.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from device.audio import SAMPLE_RATE
from device.config import Config

# (spoken, starts with the wake word)
SCRIPT = [
    ("good morning, did you sleep well", False),
    ("set a timer for ten minutes", True),
    ("we should call grandma later", False),
    ("call olivia at five five five one two three four", True),
    ("remind me that the door code is four four two one", True),
    ("what's the weather in boston", True),
]
WAKE = "hey jarvis"
BOLD, DIM, RED, GREEN, RESET = "\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[0m"


def speak(text: str, voice: str = "en-us", speed: int = 150, pitch: int = 50) -> np.ndarray:
    """`text` spoken by espeak-ng, as 16 kHz mono int16."""
    import soxr

    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
                         check=True, capture_output=True).stdout
    pcm = np.frombuffer(wav[44:], np.int16).astype(np.float32) / 32768  # espeak-ng writes 22050 Hz mono
    return np.clip(np.round(soxr.resample(pcm, 22050, SAMPLE_RATE) * 32767), -32768, 32767).astype(np.int16)


def synthesize(path: Path) -> Path:
    """The conversation as a 16 kHz WAV, made with espeak-ng the first time."""
    if path.exists():
        return path
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is needed to make the demo's speech: sudo apt install espeak-ng")
    from device.listener import _wav_bytes

    say = speak
    silence = lambda s: np.zeros(int(s * SAMPLE_RATE), np.int16)  # noqa: E731
    parts = [silence(1.0)]
    for text, woken in SCRIPT:
        if woken:
            parts += [say(WAKE), silence(0.3)]
        parts += [say(text), silence(2.5)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_wav_bytes(np.concatenate(parts)))
    return path


def run_demo(config: Config, model: str | None = None, workdir: Path | None = None, out=sys.stdout) -> int:
    from device.transcribe import FETCH_HINT

    work = Path(workdir or tempfile.mkdtemp(prefix="earmuff-demo-"))
    cache = Path.home() / ".cache" / "earmuff"
    wav = synthesize(cache / "demo-conversation.wav")
    model_path = Path(model) if model else config.model_path()
    print(f"{BOLD}earmuff demo{RESET}: a short conversation at home, played as the microphone.", file=out)
    print(f"{DIM}audio: {wav}; the ring is drawn below as it changes.{RESET}\n", file=out)
    if not (model_path / "am" / "final.mdl").is_file():
        print(f"{RED}The English Vosk model is missing{RESET} (looked in {model_path}).", file=out)
        print(f"  {FETCH_HINT.replace('run ', 'Run ', 1)}; offline, download vosk-model-small-en-us-0.15.zip "
              "elsewhere and run scripts/fetch-models --zip FILE.", file=out)
        print("  Meanwhile, here is everything that needs no speech recognition:\n", file=out)
        return _without_model(config, wav, out)
    cfg = work / "demo.toml"
    cfg.write_text(
        f'[paths]\nstate_dir = "{work}/state"\nruntime_dir = "{work}/run"\n'
        f'[audio]\nsource = "file:{wav}"\nrealtime = true\nexit_at_end = true\n'
        f'[transcribe]\nmodel = "{model_path}"\n[led]\ndriver = "terminal"\ncount = 12\n'
        '[control]\ngroup = ""\n[log]\nlevel = "warning"\n')
    status = subprocess.run([sys.executable, "-m", "device", "run", "--config", str(cfg)]).returncode
    print("\n", file=out)
    sent_path = work / "state" / "sent.jsonl"
    sent = [json.loads(line) for line in sent_path.read_text().splitlines()] if sent_path.exists() else []
    said = [text for text, woken in SCRIPT if woken]
    print(f"{BOLD}What was said after the wake word{RESET}  ->  {BOLD}what left the device{RESET}", file=out)
    for i, text in enumerate(said):
        left = sent[i]["text"] if i < len(sent) else "(nothing)"
        print(f"  {text}\n    {GREEN}-> {left}{RESET}", file=out)
    print(f"{DIM}(said without the wake word: never transcribed, never sent){RESET}", file=out)
    print(f"\n{BOLD}The audit log{RESET} ({work}/state/audit.jsonl, also `earmuff audit`):", file=out)
    _print_audit(work / "state" / "audit.jsonl", out)
    return status


def _without_model(config: Config, wav: Path, out) -> int:
    from device.audio import read_wav
    from device.led import Ring, TerminalDriver
    from device.redact import Redactor
    from device.wake import WakeDetector

    audio = read_wav(wav)
    detector = WakeDetector(config.wake)
    wakes = [d for i in range(len(audio) // 1280) for d in detector.process(audio[i * 1280 : (i + 1) * 1280])]
    print(f"{BOLD}1. The wake word{RESET} ({', '.join(config.wake.models)}), heard locally by openWakeWord:", file=out)
    for d in wakes:
        print(f"   woke at {d.time:5.2f} s (score {d.score:.2f})", file=out)
    print(f"   {sum(w for _, w in SCRIPT)} wake words were said; {len(wakes)} heard.\n", file=out)
    print(f"{BOLD}2. The ring{RESET}, as it would go for one command:", file=out)
    ring = Ring(TerminalDriver(12, 0.6, True, stream=out))
    for state, seconds in (("idle", 0.6), ("listening", 1.0), ("thinking", 0.8)):
        ring.set_state(state)
        time.sleep(seconds)
    ring.set_sending(True)
    time.sleep(0.8)
    ring.set_sending(False)
    ring.set_muted(True)
    time.sleep(0.8)
    ring.set_muted(False)
    ring.set_state("idle")
    time.sleep(0.3)
    ring.close()
    print(f"\n{BOLD}3. Redaction{RESET}: what the assistant would be sent for each command:", file=out)
    redactor = Redactor(config.redact.generic_digits)
    for text, woken in SCRIPT:
        if woken:
            print(f"   {text}\n     {GREEN}-> {redactor.redact(text).text}{RESET}", file=out)
    print(f"\n{DIM}Install the English model and run `earmuff demo` again to hear it all end to end.{RESET}",
          file=out)
    return 0


def _print_audit(path: Path, out) -> None:
    from device.control import read_audit
    from device.uplink.audit import format_entry

    entries = read_audit(path, 1000)
    for entry in entries:
        print(f"   {format_entry(entry)}", file=out)
    if not entries:
        print("   (empty)", file=out)
