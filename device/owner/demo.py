"""`earmuff demo`: the whole path from speech to what left the device, without a Pi.

A short conversation at home is spoken by espeak-ng and played as the
microphone into the real listener (in this process) and the real uplink (a
child process, as under `earmuff run`): the wake word, transcription,
redaction, the uplink socket, the gate, the light handshake, the file sink and
the audit log. The LED ring is drawn on the screen. Afterwards the demo shows
what was said beside what left the device, and the audit entries.

Without the English Vosk model (any machine that has never been online), the
text of each utterance comes from the script instead of from Vosk, and the
screen says so. That ScriptedTranscriber exists only here: the demo builds it
and hands it to its listener in this process; no configuration key reaches it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from device.config import Config
from device.listener.audio import SAMPLE_RATE

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
WAKE_MODEL = "hey_jarvis"
NO_MODEL_NOTICE = "no English model: transcripts come from the script; fetch one with scripts/fetch-models"


@dataclass(frozen=True)
class Line:
    """One line of the script, and where it is in the conversation's audio."""

    text: str
    woken: bool
    start: float  # seconds: where the line itself (after any wake word) starts
    end: float


# -- the conversation --------------------------------------------------------
def speak(text: str, voice: str = "en-us", speed: int = 150, pitch: int = 50) -> np.ndarray:
    """`text` spoken by espeak-ng, as 16 kHz mono int16."""
    import soxr

    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
                         check=True, capture_output=True).stdout
    pcm = np.frombuffer(wav[44:], np.int16).astype(np.float32) / 32768  # espeak-ng writes 22050 Hz mono
    return np.clip(np.round(soxr.resample(pcm, 22050, SAMPLE_RATE) * 32767), -32768, 32767).astype(np.int16)


def synthesize(path: Path) -> list[Line]:
    """Write the conversation to `path` as a 16 kHz WAV; return where each line is."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is needed to make the demo's speech: sudo apt install espeak-ng")
    from device.listener.service import _wav_bytes

    parts = [np.zeros(SAMPLE_RATE, np.int16)]  # a second of quiet first
    lines = []
    at = lambda: sum(map(len, parts)) / SAMPLE_RATE  # noqa: E731
    for text, woken in SCRIPT:
        if woken:
            parts += [speak(WAKE), np.zeros(int(0.3 * SAMPLE_RATE), np.int16)]
        start = at()
        parts.append(speak(text))
        lines.append(Line(text, woken, round(start, 2), round(at(), 2)))
        parts.append(np.zeros(int(2.5 * SAMPLE_RATE), np.int16))
    path.write_bytes(_wav_bytes(np.concatenate(parts)))
    return lines


def line_after_wake(lines: list[Line], wake_time: float) -> Line | None:
    """The scripted line that begins just after a wake word heard at `wake_time` (None: a false wake)."""
    return next((ln for ln in lines if ln.woken and -1.0 <= ln.start - wake_time <= 2.0), None)


# -- the demo's stand-in for Vosk --------------------------------------------
class ScriptedRecognizer:
    """Vosk's KaldiRecognizer methods, answering with one line of the script.

    The words get evenly spread times across the line; they are only used if
    the demo were to send audio, which it does not.
    """

    def __init__(self, line: Line | None):
        self.line = line

    def AcceptWaveform(self, data: bytes) -> bool:  # noqa: N802 (Vosk's name)
        return False  # one result, at the end

    def Result(self) -> str:  # noqa: N802
        return '{"result": []}'

    def FinalResult(self) -> str:  # noqa: N802
        if self.line is None:
            return '{"result": []}'
        words = re.findall(r"[a-z']+", self.line.text.lower())
        step = (self.line.end - self.line.start) / len(words)
        return json.dumps({"result": [{"word": w, "start": i * step, "end": (i + 1) * step, "conf": 1.0}
                                      for i, w in enumerate(words)]})


class ScriptedTranscriber:
    """DEMO ONLY: takes each utterance's text from the script instead of from Vosk.

    Everything else about the utterance is real: it starts on a real wake
    word, it ends when the real VAD hears the speaker stop, and its text goes
    through the listener's redaction and the uplink like any other.
    """

    def __init__(self, lines: list[Line], settings):
        self.lines, self.settings = lines, settings
        self.clock = lambda: 0.0  # the listener's stream time, set once the listener exists
        self._vad = None

    def utterance(self):
        from device.listener.transcribe import Utterance
        from device.listener.wakeword.vad import SileroVad

        if self._vad is None:
            self._vad = SileroVad()
        line = line_after_wake(self.lines, self.clock())
        return Utterance(None, self._vad, self.settings, recognizer=ScriptedRecognizer(line))


# -- the screen ----------------------------------------------------------------
class Screen:
    """The demo's output. On a terminal the ring is one line redrawn in place and
    other lines are written above it; otherwise one plain line per event."""

    def __init__(self, out, color: bool):
        self.out = out
        self.tty = out.isatty()
        self.color = color and self.tty
        self._lock = threading.Lock()
        self._ring = ""  # the ring line as last drawn (terminal only)

    def style(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def say(self, text: str = "") -> None:
        with self._lock:
            if self._ring:
                self.out.write("\r\x1b[K")  # clear the ring line, write above it, draw it again
            self.out.write(text + "\n")
            if self._ring:
                self.out.write(self._ring)
            self.out.flush()

    def ring(self, line: str) -> None:
        with self._lock:
            self._ring = "\r" + line + "\x1b[K"
            self.out.write(self._ring)
            self.out.flush()

    def end_ring(self) -> None:
        with self._lock:
            if self._ring:
                self.out.write("\n")
                self._ring = ""


class ScreenRing:
    """A ring driver that draws on the Screen: animated on a terminal, one line per change elsewhere."""

    def __init__(self, screen: Screen, clock, count: int = 12):
        self.screen, self.clock, self.count = screen, clock, count
        self.animated = screen.tty

    def show(self, state: str, t: float) -> None:
        from device.ring.led import frame_colors

        if not self.screen.tty:
            self.screen.say(f"{self.clock():6.1f} s  ring: {state}")
            return
        dots = " ".join(self._dot(rgb) for rgb in frame_colors(state, self.count, t, 0.8))
        self.screen.ring(f"  ring  {dots}  {state}")

    def _dot(self, rgb: tuple[int, int, int]) -> str:
        if rgb == (0, 0, 0):
            return "\u25cb"  # an LED that is off
        return self.screen.style("\u25cf", "38;2;{};{};{}".format(*rgb)) if self.screen.color else "\u25cf"

    def close(self) -> None:
        self.screen.end_ring()


class ScreenLog(logging.Handler):
    """Warnings from the listener go above the ring line, never onto it."""

    def __init__(self, screen: Screen):
        super().__init__(logging.WARNING)
        self.screen = screen

    def emit(self, record: logging.LogRecord) -> None:
        self.screen.say(self.screen.style(f"         {record.levelname.lower()}: {record.getMessage()}", "33"))


def wants_color(no_color: bool) -> bool:
    return not no_color and not os.environ.get("NO_COLOR")


# -- the run --------------------------------------------------------------------
def run_demo(config: Config, model: str | None = None, no_color: bool = False, fast: bool = False,
             out=None) -> int:
    screen = Screen(out or sys.stdout, wants_color(no_color))
    with tempfile.TemporaryDirectory(prefix="earmuff-demo-") as tmp:
        try:
            return _run(screen, config, model, fast, Path(tmp))
        finally:
            screen.end_ring()  # e.g. after Ctrl-C: the shell's prompt goes on a line of its own


def _run(screen: Screen, config: Config, model: str | None, fast: bool, work: Path) -> int:
    from device.listener.service import close as close_listener
    from device.listener.transcribe import TranscribeError, Transcriber

    bold = lambda s: screen.style(s, "1")  # noqa: E731
    dim = lambda s: screen.style(s, "2")  # noqa: E731
    try:
        lines = synthesize(work / "conversation.wav")
    except (RuntimeError, subprocess.CalledProcessError) as e:
        print(f"earmuff demo: {e}", file=sys.stderr)
        return 1
    model_path = Path(model) if model else config.model_path()
    demo_config = _demo_config(work, model_path)
    screen.say(f"{bold('earmuff demo')}: a short conversation at home, spoken by espeak-ng and played as the "
               "microphone")
    screen.say("into the real listener (wake word, redaction, ring) and uplink (gate, light, file sink, audit log).")
    try:
        transcriber = Transcriber(model_path, demo_config.transcribe)
        screen.say(dim(f"transcripts: Vosk, {model_path}"))
    except TranscribeError:
        if model:  # asked for this model: say why it cannot be used
            raise
        transcriber = ScriptedTranscriber(lines, demo_config.transcribe)
        screen.say(screen.style(NO_MODEL_NOTICE, "33"))
    screen.say()

    uplink = subprocess.Popen([sys.executable, "-m", "device", "uplink", "--config", str(demo_config.path)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    threading.Thread(target=_relay, args=(uplink.stderr, screen), daemon=True).start()
    log_handler = ScreenLog(screen)
    root = logging.getLogger()
    root.addHandler(log_handler)
    try:
        deadline = time.monotonic() + 30
        while not demo_config.uplink_socket().exists() and uplink.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        heard, lst = _listen(screen, demo_config, transcriber, lines, fast)
        settled = lst.link.wait_settled(timeout=60)  # every utterance delivered (or spooled) by the uplink
        close_listener(lst)
    finally:
        root.removeHandler(log_handler)
        uplink.terminate()
        try:
            uplink.wait(timeout=30)
        except subprocess.TimeoutExpired:
            uplink.kill()
            uplink.wait()

    state = work / "state"
    sent = [json.loads(x) for x in (state / "sent.jsonl").read_text().splitlines()] \
        if (state / "sent.jsonl").exists() else []
    screen.say()
    _show_said_and_sent(screen, lines, heard, sent, scripted=isinstance(transcriber, ScriptedTranscriber))
    screen.say()
    screen.say(f"{bold('The audit log')}, as `earmuff audit` shows it: every send, before and after")
    _show_audit(screen, state / "audit.jsonl")
    screen.say()
    screen.say(dim("(the demo's state, spool and logs were in a temporary folder, removed now)"))
    if not settled:
        from device.owner.words import counted

        print(f"earmuff demo: {counted(lst.link.unsettled, 'utterance')} did not reach the uplink", file=sys.stderr)
        return 1
    return 0


def _demo_config(work: Path, model_path: Path) -> Config:
    """The demo's own config: everything under `work`, the file sink, no control group."""
    from device.config import load

    path = work / "demo.toml"
    path.write_text(
        f'[paths]\nmodels_dir = "{work}/models"\nstate_dir = "{work}/state"\nruntime_dir = "{work}/run"\n'
        f'[audio]\nsource = "file:{work}/conversation.wav"\n'
        f'[wake]\nmodels = ["{WAKE_MODEL}"]\n'
        f'[transcribe]\nmodel = "{model_path}"\n'
        '[control]\ngroup = ""\n[log]\nlevel = "warning"\n')
    return load(path)


def _listen(screen: Screen, config: Config, transcriber, lines: list[Line], fast: bool):
    """Run the real listener on the conversation. Returns what it heard after each wake, and the listener."""
    from device.listener import service as listener
    from device.listener.wake import WakeDetector
    from device.owner.words import counted
    from device.redact import summarize
    from device.ring.led import Ring

    audio = dataclasses.replace(config.audio, realtime=not fast)
    config = dataclasses.replace(config, audio=audio)
    heard: list[dict] = []  # per wake: time, the scripted line it belongs to, then the utterance's summary

    def on_event(name: str, detail: dict) -> None:
        if name == "wake":
            heard.append({"time": detail["time"], "line": line_after_wake(lines, detail["time"])})
            screen.say(f"{detail['time']:6.1f} s  wake word {detail['wakeword']} (score {detail['score']:.2f})")
        elif name == "utterance" and heard:
            heard[-1]["words"] = detail["words"]
            screen.say(f"{lst.seconds_heard:6.1f} s  utterance: {counted(detail['words'], 'word')}, ended by "
                       f"{detail['reason']}; redacted {summarize(detail['redacted'])}")
        elif name == "uplink_outcome":
            outcome = ", ".join(f"{sink} {result}" for sink, result in (detail.get("outcome") or {}).items())
            screen.say(f"{lst.seconds_heard:6.1f} s  uplink: {outcome}")

    class ExactRing(Ring):
        """Each change waits until it is drawn: with --fast the listener runs many times faster than
        the ring draws, and a real ring skips a state shorter than a frame; the demo's must show every
        state, in order, at the moment of audio it came (issue 27)."""

        def _update(self, **changes) -> None:
            super()._update(**changes)
            self.wait_shown(self.wanted)

    from device.files import hold_lock

    # The listener's lock, as `earmuff listen` holds it: the uplink gives the light role only to the
    # process that holds it (device/uplink/service.py).
    lock = hold_lock(config.paths.state_dir / "listener.lock", "earmuff demo's listener")  # noqa: F841
    lst = None
    ring = ExactRing(ScreenRing(screen, lambda: lst.seconds_heard if lst else 0.0))
    lst = listener.Listener(config, WakeDetector(config.wake), transcriber, on_event=on_event, ring=ring)
    if isinstance(transcriber, ScriptedTranscriber):
        transcriber.clock = lambda: lst.seconds_heard
    listener.connect_uplink(lst)
    if fast and lst.link is not None:
        # The light stays on at least half a second of real time so that eyes can see it; with --fast
        # that is seconds of the demo's audio. Here it is on exactly while each send lasts.
        lst.link.min_light_s = 0.0
    lst.run()
    # The listener keeps its last transcripts in memory; pair them with the wakes that had an utterance.
    with_utterance = [h for h in heard if "words" in h]
    for h, (transcript, _) in zip(with_utterance[-len(lst.recent):], lst.recent, strict=False):
        h["transcript"] = transcript.text
    return heard, lst


def _relay(stream, screen: Screen) -> None:
    for line in stream:
        screen.say(screen.style(f"         uplink: {line.rstrip()}", "33"))


def _show_said_and_sent(screen: Screen, lines: list[Line], heard: list[dict], sent: list[dict],
                        scripted: bool) -> None:
    bold = lambda s: screen.style(s, "1")  # noqa: E731
    green = lambda s: screen.style(s, "32")  # noqa: E731
    dim = lambda s: screen.style(s, "2")  # noqa: E731
    payloads = iter(sent)  # the file sink writes them in the order the listener heard them
    left_for: dict[int, list[str]] = {}
    false_wakes = []
    for h in heard:
        if not h.get("words"):
            continue
        text = next(payloads, {}).get("text", "(nothing)")
        if h["line"] is None:
            false_wakes.append((h, text))
        else:
            left_for.setdefault(id(h["line"]), []).append(text)
    screen.say(f"{bold('What was said')}  ->  {bold('what left the device')}"
               + (dim("  (transcripts from the script)") if scripted else ""))
    for ln in lines:
        said = f"{WAKE}, {ln.text}" if ln.woken else ln.text
        screen.say(f"  {said}")
        if not ln.woken:
            screen.say(dim("    -> nothing: no wake word, so never transcribed, never sent"))
            continue
        left = left_for.get(id(ln))
        if not left:
            screen.say(dim("    -> nothing: the wake word was not heard"))
        for text in left or []:
            if not scripted:
                transcript = next((h.get("transcript") for h in heard if h["line"] is ln), None)
                screen.say(dim(f"    Vosk heard: {transcript}"))
            screen.say(green(f"    -> {text}"))
    for h, text in false_wakes:
        screen.say(f"  (a false wake at {h['time']:.1f} s)")
        screen.say(green(f"    -> {text}"))


def _show_audit(screen: Screen, path: Path) -> None:
    from device.listener.control import read_audit
    from device.uplink.audit import format_entry

    entries = read_audit(path, 1000)
    for entry in entries:
        # The temporary folder is gone once this is read: show its paths from the demo's state folder.
        screen.say(f"  {format_entry(entry).replace(str(path.parent.parent) + '/', '')}")
    if not entries:
        screen.say("  (empty)")
