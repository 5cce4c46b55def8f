"""The listener process: audio -> wake word -> Vosk, one frame at a time.

It has no network (systemd gives it none). Frames flow from the source into
the wake detector while idle; after a wake they go to a Vosk Utterance until
it endpoints; the optional noise front end processes every frame before both.
Nothing is kept from before the wake word except what the wake detector itself
needs for its window. Every state change and event goes through `_emit`, the
one place later parts (LED ring, control socket, uplink) hook into.
"""

from __future__ import annotations

import base64
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from device.config import Config
from device.listener import frontend
from device.listener.audio import FRAME_SECONDS, open_source
from device.listener.transcribe import Transcriber, Transcript, Utterance
from device.listener.verifier import describe
from device.listener.wake import WakeDetector
from device.notify import Watchdog
from device.redact import Redaction, Redactor, mute_words, summarize

log = logging.getLogger(__name__)

EventHandler = Callable[[str, dict], None]
FLOOR_MARGIN_S = 0.25  # beyond [arbitration] window_ms: no answer by then, this speaker goes on alone
MAX_HELD_S = 15.0  # post-wake audio held while the floor is asked (a file read faster than real time)
MIC_HINT = ('`arecord -l` lists the microphones ALSA sees; set [audio] device to one of them, '
            'or [audio] source = "file:PATH" to listen to a WAV file')


@dataclass
class Counters:
    wakes: int = 0
    utterances: int = 0
    empty_utterances: int = 0
    dropped: int = 0
    sends: int = 0  # as the uplink reported them to us
    refusals: int = 0
    spooled: int = 0
    frames: int = 0
    last_wake: float | None = None  # wall-clock time
    stood_down: int = 0  # wakes another speaker answered ([arbitration])
    went_alone: int = 0  # wakes with no answer from arbitration in time: this speaker went on alone
    redacted: dict[str, int] = field(default_factory=dict)  # identifiers removed, by label
    started: float = field(default_factory=time.time)


class Listener:
    def __init__(self, config: Config, detector: WakeDetector, transcriber: Transcriber,
                 source=None, on_event: EventHandler | None = None, ring=None):
        self.config = config
        self.ring = ring
        self.privacy = None  # set by build(): its button calls on_privacy
        self.link = None  # set by connect_uplink(): where redacted utterances go
        self.detector = detector
        self.transcriber = transcriber
        self.redactor = Redactor.from_config(config)
        self.handlers: list[EventHandler] = [on_event] if on_event else []
        # Made before the source opens, so a front end that cannot run stops the start.
        self.frontend = frontend.from_settings(config.audio)
        self.source = source or open_source(config.audio, self._emit)
        self.state = "idle"
        self.counters = Counters()
        # The last few utterances, raw and redacted, in memory only, until the uplink takes them.
        self.recent: list[tuple[Transcript, Redaction]] = []
        self._utterance: Utterance | None = None
        self._utterance_audio: list[np.ndarray] = []  # only kept when send_audio is on
        self._wake = None
        self._stopping = threading.Event()
        self.watchdog = Watchdog()
        self._gap_handled = False
        # Wake arbitration: the level meter, the floor asked for and the audio heard meanwhile (memory only).
        self.level = None
        if config.arbitration.enabled:
            from device.listener.level import LevelMeter

            self.level = LevelMeter()
        self._floor = None
        self._floor_deadline = 0.0
        self._granted = None  # the floor this utterance goes on with: a late, louder claim may still take it
        self._held: list[np.ndarray] = []
        self.last_floor: dict | None = None

    # -- events -----------------------------------------------------------
    def _count_uplink(self, name: str, detail: dict) -> None:
        if name == "send_end":
            self.counters.sends += 1
        elif name == "uplink_outcome":
            outcomes = list((detail.get("outcome") or {}).values())
            self.counters.refusals += outcomes.count("refused")
            self.counters.spooled += outcomes.count("spooled")

    def _emit(self, name: str, detail: dict) -> None:
        self._count_uplink(name, detail)
        if name == "command_dropped":
            self._flash_error()
        if self.ring is not None and (name in ("mic_lost", "mic_reopening") or name == "uplink_problem"
                                      and detail.get("message")):
            self.ring.set_state("error")  # alive but deaf, or unable to record sends: it must show
        elif self.ring is not None and (name == "mic_opened" or name == "uplink_problem"):
            self.ring.set_state(self.state)
        for handler in self.handlers:
            try:
                handler(name, detail)
            except Exception:  # a broken hook must never stop the audio loop
                log.exception("event handler failed on %s", name)

    def _flash_error(self, seconds: float = 3.0) -> None:
        """A command was dropped (its upstream was unreachable): show error for a moment."""
        ring = self.ring
        if ring is None:
            return
        ring.set_state("error")

        def back():
            if not (self.link and self.link.problem):  # a lasting problem keeps the error showing
                ring.set_state(self.state)

        timer = threading.Timer(seconds, back)
        timer.daemon = True
        timer.start()

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            if self.ring is not None:
                self.ring.set_state(state)
            self._emit("state", {"state": state})

    # -- privacy ------------------------------------------------------------
    def on_privacy(self, muted: bool, source: str) -> None:
        """Called from the button's thread or the control socket: close or reopen the microphone."""
        if muted:
            self.source.pause()  # the capture stream itself stops, before anything else
            if self.ring is not None:
                self.ring.set_muted(True)
        else:
            if self.ring is not None:
                self.ring.set_muted(False)
            self.source.resume()
        self._emit("privacy", {"muted": muted, "source": source})

    # -- the loop ---------------------------------------------------------
    def run(self) -> None:
        # The audio loop is busy Python most of the time it has audio; hand the GIL to the
        # button, LED and socket threads within 1 ms instead of the default 5 ms.
        sys.setswitchinterval(0.001)
        if self.privacy is not None and self.privacy.muted:
            self.on_privacy(True, self.privacy.source)
        if self.ring is not None:
            self.ring.set_state("idle")
        self._emit("started", {"source": getattr(self.source, "description", {})})
        for frame in self.source.frames():
            self.watchdog.ping()
            if self._stopping.is_set():
                break
            if frame is None:
                self._on_gap()
                continue
            self.handle_frame(frame)
        if self._floor is not None:  # the file ended while the floor was asked: wait for the answer
            self._floor.answered.wait(max(0.0, self._floor_deadline - time.monotonic()))
            self._settle_floor()
        if self._utterance is not None:
            self._finish_utterance()
        self._emit("source_ended", {})

    def _on_gap(self) -> None:
        """Capture stopped (privacy mode, or the microphone failed): drop what was half heard."""
        if self._utterance is None and self._gap_handled:
            return  # a heartbeat of a gap already handled
        self._gap_handled = True
        self.detector.reset()
        if self.level is not None:
            self.level.reset()
        if self._floor is not None:  # privacy mode (or a lost microphone) while the floor was asked
            self._floor, self._held = None, []
            self._set_state("idle")
        if self.frontend is not None:  # the next audio is a new stream: no noise estimate carried over
            self.frontend = frontend.from_settings(self.config.audio)
        if self._utterance is not None:
            self._utterance, self._granted = None, None
            self.counters.dropped += 1
            log.info("utterance dropped: the microphone closed while it was being spoken")
            self._emit("utterance_dropped", {"wakeword": self._wake.wakeword if self._wake else None})
            self._set_state("idle")

    def stop(self) -> None:
        self._stopping.set()
        self.source.close()

    def _wake_status(self, name: str) -> dict:
        """The base model's rule and, where a word has a verifier, from which base score the base rule
        wakes alone and the verifier's threshold and patience (what wakes it below that)."""
        threshold, patience, refractory = self.config.wake.for_model(name)
        verifier = self.detector.verifiers.get(name)
        out = {"threshold": threshold, "patience": patience, "refractory_s": refractory,
               "verifier": describe(verifier)}
        if verifier is not None:
            shipped = getattr(verifier, "members", [verifier])[0]
            out |= {"verifier_confident": self.detector.rules[name].confident,
                    "verifier_threshold": shipped.threshold, "verifier_patience": verifier.patience}
        return out

    def handle_frame(self, frame: np.ndarray) -> None:
        self.counters.frames += 1
        self._gap_handled = False
        if self.frontend is not None:
            frame = self.frontend.process(frame)
        if self._granted is not None and self._granted.lost and self._utterance is not None:
            self._handed_over()
        if self._floor is not None:  # waiting for the floor: hold the audio, in memory only
            if len(self._held) * FRAME_SECONDS < MAX_HELD_S:
                self._held.append(frame)
            self._settle_floor()
        elif self._utterance is None:
            if self.level is not None:
                self.level.add(frame)
            for detection in self.detector.process(frame):
                self._on_wake(detection)
                break
        else:
            self._hear_utterance(frame)

    def _hear_utterance(self, frame: np.ndarray) -> bool:
        """One frame of the utterance to Vosk (and kept, if audio is sent); True once it has ended."""
        if self.config.uplink.send_audio:
            self._utterance_audio.append(frame)
        if self._utterance.feed(frame):
            self._finish_utterance()
            return True
        return False

    def _on_wake(self, detection) -> None:
        self.counters.wakes += 1
        self.counters.last_wake = time.time()
        self._wake = detection
        at = round(self.seconds_heard, 2)  # stream time; the detector does not hear utterances
        log.info("wake: %s (score %.2f) at %.2f s", detection.wakeword, detection.score, at)
        self._emit("wake", {"wakeword": detection.wakeword, "score": round(detection.score, 3), "time": at})
        self._set_state("listening")
        if self.level is not None and self.link is not None:
            loudness = self.level.loudness()
            floor = self.link.ask_floor(detection.wakeword, detection.score, loudness)
            if floor is not None:  # the answer comes within the window; until then the audio waits here
                self._floor, self._held = floor, []
                self._floor_deadline = time.monotonic() + self.config.arbitration.window_ms / 1000 + FLOOR_MARGIN_S
                return
            self._floor_done(True, None, "the uplink is unreachable", None)
        self._begin_utterance()

    def _begin_utterance(self) -> None:
        self._utterance = self.transcriber.utterance()
        self._utterance_audio = []

    def _settle_floor(self) -> None:
        """The floor's answer, if it has come (or the wait is over): go on with what was held, or drop it."""
        floor = self._floor
        if not floor.answered.is_set():
            if time.monotonic() < self._floor_deadline:
                return
            floor.settle(True, None, "no answer from arbitration in time")
        held, self._floor, self._held = self._held, None, []
        self._floor_done(floor.go, floor.room, floor.why, floor.latency_s)
        if not floor.go:  # another speaker answers: nothing of this wake is transcribed or sent
            self.detector.reset()
            self._set_state("idle")
            return
        self._begin_utterance()
        self._granted = floor
        for frame in held:
            if self._hear_utterance(frame):
                return

    def _handed_over(self) -> None:
        """A louder speaker's claim came late and took the floor: drop this utterance before anything of it
        is sent (what Vosk heard so far stays in memory and is dropped with it)."""
        floor, self._granted = self._granted, None
        self._utterance, self._utterance_audio = None, []
        self.detector.reset()
        self._floor_done(False, floor.lost_to, "handed over: its claim came late but louder", floor.lost_after_s,
                         handed_over=True)
        self._set_state("idle")

    def _floor_done(self, go: bool, room: str | None, why: str, latency_s: float | None,
                    handed_over: bool = False) -> None:
        wakeword = self._wake.wakeword if self._wake else None
        self.last_floor = {"time": time.time(), "go": go, "room": room, "why": why or None,
                           "ms": round(latency_s * 1000, 1) if latency_s is not None else None}
        if not go:
            self.counters.stood_down += 1
            log.info("wake %s: stood down for %s%s", wakeword, room, f" ({why})" if why else "")
            detail = {"wakeword": wakeword, "room": room}
            self._emit("stood_down", detail | {"handed_over": True} if handed_over else detail)
        else:
            if why:
                self.counters.went_alone += 1
                log.warning("wake %s: going on alone: %s", wakeword, why)
            self._emit("floor", {"wakeword": wakeword, "go": True, "why": why or None,
                                 "ms": self.last_floor["ms"]})

    def _finish_utterance(self) -> None:
        self._set_state("thinking")
        transcript = self._utterance.finish()
        self._utterance, self._granted = None, None  # sent from here on: too late to hand it over
        self.detector.reset()
        self.counters.utterances += 1
        if not transcript.words:
            self.counters.empty_utterances += 1
        redaction = self.redactor.redact(transcript.words)
        for label, count in redaction.counts.items():
            self.counters.redacted[label] = self.counters.redacted.get(label, 0) + count
        # Transcript text is private: counts and timings at INFO, the redacted text only at DEBUG.
        log.info("utterance: %d words, %.2f s, ended by %s; redacted %s", len(transcript.words),
                 transcript.duration, transcript.reason, summarize(redaction.counts))
        log.debug("utterance text (redacted): %s", redaction.text)
        self.recent.append((transcript, redaction))
        del self.recent[:-10]
        event = {
            "wakeword": self._wake.wakeword if self._wake else None,
            "words": len(transcript.words),
            "duration": transcript.duration,
            "reason": transcript.reason,
            "redacted": dict(redaction.counts),
        }
        if self.config.control.show_text:  # the owner asked to see it; never the raw text
            event["text"] = redaction.text
        self._emit("utterance", event)
        if self.link is not None and transcript.words:
            self.link.submit(self._handover(transcript, redaction))
        self._utterance_audio = []
        self._set_state("idle")

    def _handover(self, transcript: Transcript, redaction: Redaction) -> dict:
        """What crosses to the uplink: redacted text and counts; audio only if asked, and redacted."""
        message = {"type": "utterance", "session": uuid.uuid4().hex, "text": redaction.text,
                   "redacted": dict(redaction.counts), "wakeword": self._wake.wakeword if self._wake else None,
                   "seconds": transcript.duration, "reason": transcript.reason}
        if self.config.uplink.send_audio and self._utterance_audio:
            r = self.config.redact
            audio = mute_words(np.concatenate(self._utterance_audio), redaction.word_times,
                               pad_s=r.audio_padding_ms / 1000, mode=r.audio_mode)
            message["audio"] = base64.b64encode(_wav_bytes(audio)).decode()
        return message

    def status(self) -> dict:
        """What `earmuff status` shows. Counts and health, never transcript text."""
        from device.listener.control import versions

        c, privacy = self.counters, self.privacy
        wake, audio = self.config.wake, self.config.audio
        deaf = getattr(self.source, "health", None) == "reopening"  # alive but deaf: the ring shows error too
        return {
            "state": "error" if deaf else self.state,
            "problem": {"what": self.source.problem, "hint": MIC_HINT} if deaf else None,
            "privacy": {
                "muted": bool(privacy and privacy.muted),
                "source": privacy.source if privacy else None,
                "latched": bool(privacy and privacy.latched),
                "save_error": privacy.save_error if privacy else None,
            },
            "microphone": {**getattr(self.source, "description", {}),
                           "health": getattr(self.source, "health", "unknown"),
                           "channel": audio.channel,
                           "front_end": {"noise_suppression": audio.noise_suppression,
                                         "auto_gain_dbfs": audio.auto_gain_dbfs} if audio.front_end else "off"},
            "wake": {name: self._wake_status(name) for name in wake.models} | {"vad_threshold": wake.vad_threshold},
            "quiet_gate": self.detector.quiet.status() if self.detector.quiet else "off",
            "last_wake": c.last_wake,
            "counters": {"wakes": c.wakes, "utterances": c.utterances, "dropped": c.dropped,
                         "redacted": dict(c.redacted), "sends": c.sends, "refusals": c.refusals,
                         "spool": c.spooled},
            "arbitration": self._arbitration_status(),
            "uplink": {"health": "connected" if self.link and self.link.connected else "unreachable"
                       if self.link else "not started", "problem": self.link.problem if self.link else None,
                       "dropped": self.link.dropped if self.link else None},
            "uptime_s": round(time.time() - c.started, 1),
            "versions": versions(),
        }

    def _arbitration_status(self) -> dict:
        a, c = self.config.arbitration, self.counters
        return {"enabled": a.enabled, "broker": f"{a.host}:{a.port}" + (" (TLS)" if a.tls else ""),
                "topic": a.topic, "window_ms": a.window_ms, "room": a.room, "stood_down": c.stood_down,
                "went_alone": c.went_alone, "last": self.last_floor,
                "discovery": self.config.discovery.enabled}

    @property
    def seconds_heard(self) -> float:
        return self.counters.frames * FRAME_SECONDS


def build(config: Config, on_event: EventHandler | None = None, source=None, pin_factory=None) -> Listener:
    """Load the models, open the source, the LED ring and the privacy switch named by the config."""
    from device.ring.led import open_ring
    from device.ring.privacy import Privacy

    ring = open_ring(config.led, pin_factory=pin_factory)
    detector = WakeDetector(config.wake, state_dir=config.paths.state_dir)
    transcriber = Transcriber(config.model_path(), config.transcribe)
    lst = Listener(config, detector, transcriber, source=source, on_event=on_event, ring=ring)
    lst.privacy = Privacy(config.privacy, config.paths.state_dir, on_change=lst.on_privacy, pin_factory=pin_factory)
    return lst


def serve_control(lst: Listener):
    """Start the control socket for this listener; its events go out to subscribers."""
    from device.listener.control import Api, ControlServer

    config = lst.config
    server = ControlServer(config.control_socket(), Api(status=lst.status, privacy=lst.privacy,
                                                         audit_path=config.paths.state_dir / "audit.jsonl"),
                           group=config.control.group, mode=config.control.mode)
    server.start()
    lst.handlers.append(lambda name, detail: server.publish({"type": name, "time": time.time(), **detail}))
    return server


def connect_uplink(lst: Listener):
    """Hand redacted utterances to the uplink process and light the ring for its sends."""
    from device.listener.link import UplinkLink

    u = lst.config.uplink
    privacy = lst.privacy
    lst.link = UplinkLink(lst.config.uplink_socket(), lst.ring, min_light_s=u.min_light_s,
                          light_timeout_s=u.light_timeout_s, on_event=lst._emit,
                          stale_after_s=u.command_max_delay_s(),
                          lock=lst.config.paths.state_dir / "listener.lock",
                          on_mute=(lambda: privacy.mute("home assistant")) if privacy is not None else None,
                          report_state=lst.config.discovery.enabled)
    ring = lst.ring
    if ring is not None and lst.config.discovery.enabled:  # what the ring shows, for Home Assistant
        link, before = lst.link, ring.on_change

        def shown(state: str) -> None:
            if before is not None:
                before(state)
            link.state(state, ring.muted)

        ring.on_change = shown
        if ring.shown is not None:
            link.state(ring.shown, ring.muted)
    lst.link.start()
    return lst.link


def _wav_bytes(audio: np.ndarray) -> bytes:
    import io
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(audio.astype("<i2").tobytes())
    return out.getvalue()


def close(lst: Listener) -> None:
    if lst.link is not None:
        lst.link.close()
    if lst.privacy is not None:
        lst.privacy.close()
    if lst.ring is not None:
        lst.ring.close()
