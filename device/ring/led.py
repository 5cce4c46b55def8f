"""The LED ring: what earmuff is doing, shown truthfully.

The Ring is the one place that decides what is shown. Callers set the base
state (starting, idle, listening, thinking, error) and two overrides, muted
and sending; "sending" wins over everything, then "muted". Setting a state
never blocks the caller (the audio loop): a worker thread draws it and runs
the animations, always catching up to the latest state.

Drivers: APA102 rings over SPI (ReSpeaker HATs), GPIO LEDs (gpiozero LEDBoard,
RGBLED, PWMLED), a terminal renderer, `jsonl:PATH` (each shown state with a
CLOCK_MONOTONIC timestamp, for tests and audits) and none.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import threading
import time
from dataclasses import dataclass

from device.config import LedSettings

log = logging.getLogger(__name__)

STATES = ("starting", "idle", "listening", "thinking", "sending", "muted", "error")


@dataclass(frozen=True)
class Look:
    """How a state looks: a colour and an animation (solid, pulse, spin, blink)."""

    rgb: tuple[int, int, int]
    animation: str = "solid"
    meaning: str = ""


# Listening and sending never look alike; muted is solid red, as on other speakers;
# magenta is used for sending and for nothing else.
LOOKS: dict[str, Look] = {
    "starting": Look((255, 255, 255), "pulse", "earmuff is loading its models"),
    "idle": Look((0, 0, 0), "solid", "waiting for the wake word (dark, or dim white if idle_dark = false)"),
    "listening": Look((0, 90, 255), "solid", "heard the wake word, recording the command"),
    "thinking": Look((0, 200, 200), "spin", "transcribing and redacting, on the device"),
    "sending": Look((255, 0, 200), "pulse", "redacted text is leaving the device now"),
    "muted": Look((255, 0, 0), "solid", "privacy mode: the microphone is closed"),
    "error": Look((255, 110, 0), "blink", "something is wrong: see `earmuff status`"),
}
IDLE_DIM = (20, 20, 20)


def frame_colors(state: str, count: int, t: float, brightness: float, idle_dark: bool = True) -> list[tuple]:
    """The colour of each of `count` LEDs for `state`, `t` seconds into it."""
    look = LOOKS[state]
    rgb = IDLE_DIM if state == "idle" and not idle_dark else look.rgb
    level = brightness
    if look.animation == "pulse":
        level *= 0.55 + 0.45 * math.cos(2 * math.pi * t / 1.5)
    elif look.animation == "blink":
        level *= 1.0 if int(t / 0.5) % 2 == 0 else 0.0
    base = tuple(round(c * level) for c in rgb)
    if look.animation != "spin" or count < 2:
        return [base] * count
    head = int(t / 0.08) % count  # one lit LED goes round, with a fading tail
    return [tuple(round(c * max(0.0, 1 - ((head - i) % count) / 3)) for c in base) for i in range(count)]


# -- drivers --------------------------------------------------------------
class NullDriver:
    animated = False

    def show(self, state: str, t: float) -> None:
        pass

    def close(self) -> None:
        pass


class JsonlDriver:
    """Appends {"t": CLOCK_MONOTONIC seconds, "state": ...} per shown state."""

    animated = False

    def __init__(self, path: str):
        self.path = path
        self._file = open(path, "a", buffering=1, encoding="utf-8")

    def show(self, state: str, t: float) -> None:
        self._file.write(json.dumps({"t": time.clock_gettime(time.CLOCK_MONOTONIC), "state": state}) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class TerminalDriver:
    """Draws the ring on a terminal in colour, on one line that it rewrites.

    Piped or saved (not a terminal), or with NO_COLOR set, it writes one plain
    line per state instead: no escape codes, no carriage-return frames.
    """

    def __init__(self, count: int, brightness: float, idle_dark: bool, stream=None):
        self.count, self.brightness, self.idle_dark = count, brightness, idle_dark
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self.animated = isatty and not os.environ.get("NO_COLOR")

    def show(self, state: str, t: float) -> None:
        if not self.animated:
            self.stream.write(f"ring: {state}\n")
            self.stream.flush()
            return
        dots = "".join(
            f"\x1b[38;2;{r};{g};{b}m\u25cf\x1b[0m " if (r, g, b) != (0, 0, 0) else "\u25cb "
            for r, g, b in frame_colors(state, self.count, t, max(self.brightness, 0.6), self.idle_dark))
        self.stream.write(f"\r  {dots} {state:<10}")
        self.stream.flush()

    def close(self) -> None:
        if self.animated:
            self.stream.write("\n")


def _apa102_class():
    from gpiozero import SPIDevice

    class APA102(SPIDevice):
        """APA102 LEDs on SPI, as on the ReSpeaker 2-, 4- and 6-mic HATs."""

        def __init__(self, count: int, **spi_args):
            super().__init__(**spi_args)
            self.count = count

        def write_colors(self, colors: list[tuple[int, int, int]], global_brightness: int = 31) -> list[int]:
            """Send one frame: 32 zero bits, then per LED 0xE0|brightness, blue, green, red, then an end frame."""
            data = [0x00] * 4
            for r, g, b in colors:
                data += [0xE0 | global_brightness, b, g, r]
            data += [0xFF] * max(4, (self.count + 15) // 16)
            self._spi.write(data)
            return data

    return APA102


class Apa102Driver:
    animated = True

    def __init__(self, settings: LedSettings, pin_factory=None):
        from gpiozero import DigitalOutputDevice

        self.settings = settings
        # The 4- and 6-mic HATs switch LED power on GPIO 5 (12 on some 2-mic boards).
        self.power = (DigitalOutputDevice(settings.power_pin, initial_value=True, pin_factory=pin_factory)
                      if settings.power_pin >= 0 else None)
        self.device = _apa102_class()(settings.count, port=settings.spi_port, device=settings.spi_device,
                                      pin_factory=pin_factory)
        self.last_frame: list[int] = []

    def show(self, state: str, t: float) -> None:
        s = self.settings
        self.last_frame = self.device.write_colors(frame_colors(state, s.count, t, s.brightness, s.idle_dark))

    def close(self) -> None:
        self.device.write_colors([(0, 0, 0)] * self.settings.count)
        self.device.close()
        if self.power is not None:
            self.power.close()


class GpioDriver:
    """Plain LEDs through gpiozero: "gpio" (LEDBoard), "pwm" (PWMLEDs) or "rgb" (one RGBLED)."""

    animated = True

    def __init__(self, settings: LedSettings, pin_factory=None):
        from gpiozero import RGBLED, LEDBoard

        self.settings = settings
        self.kind = settings.driver
        if self.kind == "rgb":
            self.device = RGBLED(*settings.pins, pin_factory=pin_factory)
        else:
            self.device = LEDBoard(*settings.pins, pwm=self.kind == "pwm", pin_factory=pin_factory)

    def show(self, state: str, t: float) -> None:
        s = self.settings
        if self.kind == "rgb":
            (r, g, b), = frame_colors(state, 1, t, s.brightness, s.idle_dark)
            self.device.value = (r / 255, g / 255, b / 255)
            return
        # Plain LEDs have no colour: say it with how many are lit.
        n = len(self.device)
        colors = frame_colors(state, n, t, s.brightness, s.idle_dark)
        lit = {"muted": n, "sending": n, "error": n, "listening": max(1, n // 2), "thinking": n,
               "starting": 1, "idle": 0}[state]
        for i, led in enumerate(self.device):
            level = max(colors[i]) / 255 if i < lit or state in ("thinking",) else 0.0
            led.value = level if self.kind == "pwm" else (1 if level > 0 else 0)

    def close(self) -> None:
        self.device.off()
        self.device.close()


def make_driver(settings: LedSettings, pin_factory=None):
    driver = settings.driver
    if driver == "none":
        return NullDriver()
    if driver.startswith("jsonl:"):
        return JsonlDriver(driver[6:])
    if driver == "terminal":
        return TerminalDriver(settings.count, settings.brightness, settings.idle_dark)
    if driver == "apa102":
        return Apa102Driver(settings, pin_factory)
    return GpioDriver(settings, pin_factory)


# -- the ring ---------------------------------------------------------------
class Ring:
    """The single owner of what the LEDs show."""

    FPS = 20

    def __init__(self, driver, on_change=None):
        self.driver = driver
        self.on_change = on_change
        self.base = "starting"
        self.muted = False
        self.sending = False
        self.shown: str | None = None
        self.shown_at: float = 0.0  # CLOCK_MONOTONIC of the last change actually drawn
        self._cond = threading.Condition()
        self._changed = True
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="led-ring", daemon=True)
        self._thread.start()

    @property
    def wanted(self) -> str:
        return "sending" if self.sending else "muted" if self.muted else self.base

    def set_state(self, state: str) -> None:
        if state not in STATES or state in ("sending", "muted"):
            raise ValueError(f"not a base state: {state!r}")
        self._update(base=state)

    def set_muted(self, muted: bool) -> None:
        self._update(muted=muted)

    def set_sending(self, sending: bool) -> None:
        self._update(sending=sending)

    def _update(self, **changes) -> None:
        with self._cond:
            for name, value in changes.items():
                setattr(self, name, value)
            self._changed = True
            self._cond.notify()

    def wait_shown(self, state: str, timeout: float = 2.0) -> bool:
        """Block until `state` is on the LEDs (for the uplink's handshake and for tests)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.shown != state:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _run(self) -> None:
        started = time.monotonic()
        state = None
        while True:
            with self._cond:
                if not self._changed:
                    animated = self.driver.animated and LOOKS[state].animation != "solid" if state else False
                    self._cond.wait(1 / self.FPS if animated else None)
                if self._closing:
                    return
                self._changed = False
                wanted = self.wanted
            if wanted != state:
                state, started = wanted, time.monotonic()
                changed = True
            else:
                changed = False
            if not changed and not self.driver.animated:
                continue
            try:
                self.driver.show(state, time.monotonic() - started)
            except Exception:  # a broken LED must not take the listener down
                log.exception("LED driver failed showing %s", state)
            if changed:
                with self._cond:
                    self.shown = state
                    self.shown_at = time.clock_gettime(time.CLOCK_MONOTONIC)
                    self._cond.notify_all()
                if self.on_change:
                    self.on_change(state)

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(timeout=2)
        try:
            self.driver.close()
        except Exception:
            log.exception("LED driver failed to close")


def open_ring(settings: LedSettings, on_change=None, pin_factory=None) -> Ring:
    """A ring for the configured driver; if the hardware cannot be opened, say so and run dark."""
    try:
        driver = make_driver(settings, pin_factory)
    except Exception as e:  # no SPI, no GPIO, a bad path: the listener still runs
        log.error("LED ring %r unavailable (%s); running without LEDs", settings.driver, e)
        driver = NullDriver()
    return Ring(driver, on_change)
