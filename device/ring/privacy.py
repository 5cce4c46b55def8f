"""Privacy mode: a closed microphone, from a button, a latching switch or the socket.

The state lives in the state directory (written atomically, fsynced) and is
restored at start. A state file that exists but cannot be read means muted:
when in doubt, earmuff does not listen. With a latching switch the switch's
position is the truth, read at start and on every change, and while it says
muted no software unmute is accepted.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from device.config import PrivacySettings
from device.files import write_atomically

log = logging.getLogger(__name__)

STATE_FILE = "privacy.json"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    muted: bool
    reason: str = ""


def load_state(path: Path) -> tuple[bool, str]:
    """(muted, source) from the state file; a missing file is a first start (not muted)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        muted = data["muted"]
        if not isinstance(muted, bool):
            raise ValueError("muted is not true or false")
        return muted, str(data.get("source", "state"))
    except FileNotFoundError:
        return False, "default"
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.error("privacy state %s cannot be read (%s): starting muted", path, e)
        return True, "unreadable-state"


def save_state(path: Path, muted: bool, source: str) -> None:
    """Atomically and durably: a crash leaves the old state or the new one."""
    write_atomically(path, json.dumps({"muted": muted, "source": source, "changed": time.time()}))


class Privacy:
    """Holds privacy mode and tells `on_change(muted, source)` when it changes."""

    def __init__(self, settings: PrivacySettings, state_dir: Path,
                 on_change: Callable[[bool, str], None] | None = None, pin_factory=None):
        self.settings = settings
        self.path = Path(state_dir) / STATE_FILE
        self.on_change = on_change
        self._lock = threading.RLock()
        self.muted, self.source = load_state(self.path)
        self.save_error: str | None = None
        self.button = None
        if settings.button_pin >= 0:
            from gpiozero import Button

            self.button = Button(settings.button_pin, pull_up=settings.pull_up,
                                 bounce_time=settings.bounce_ms / 1000 or None, pin_factory=pin_factory)
            if settings.mode == "latching":
                self.button.when_pressed = lambda: self._set(True, "latch")
                self.button.when_released = lambda: self._set(False, "latch")
                self._set(self.button.is_pressed, "latch", notify=False)
            else:
                self.button.when_pressed = lambda: self.toggle("button")

    @property
    def latched(self) -> bool:
        """True while a latching switch holds the microphone closed."""
        return self.settings.mode == "latching" and self.button is not None and self.button.is_pressed

    def mute(self, source: str = "socket") -> Outcome:
        return self._set(True, source)

    def unmute(self, source: str = "socket") -> Outcome:
        if self.latched:
            return Outcome(False, True, "the privacy switch is in the muted position; move it to unmute")
        return self._set(False, source)

    def toggle(self, source: str = "socket") -> Outcome:
        with self._lock:
            return self.unmute(source) if self.muted else self.mute(source)

    def _set(self, muted: bool, source: str, notify: bool = True) -> Outcome:
        with self._lock:
            changed = muted != self.muted
            self.muted, self.source = muted, source
            # Close (or open) the microphone first; the disk (fsync, tens of ms) can wait.
            if changed and notify and self.on_change:
                self.on_change(muted, source)
            try:
                save_state(self.path, muted, source)
                self.save_error = None
            except OSError as e:  # keep the state in memory; status shows the error
                self.save_error = f"cannot save privacy state to {self.path}: {e.strerror or e}"
                log.error("%s", self.save_error)
        log.info("privacy mode %s (%s)", "on: microphone closed" if muted else "off: microphone open", source)
        return Outcome(True, muted)

    def close(self) -> None:
        if self.button is not None:
            self.button.close()
