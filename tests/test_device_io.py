"""LED ring and privacy switch on gpiozero's own mock pins (MockFactory, MockPWMPin, MockSPIDevice)."""

import json
import threading
import time

import numpy as np
import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPin, MockPWMPin, MockSPIDevice

from device.config import LedSettings, PrivacySettings
from device.ring.led import LOOKS, Apa102Driver, GpioDriver, JsonlDriver, Ring, frame_colors
from device.ring.privacy import Privacy, save_state


class Apa102Recorder(MockSPIDevice):
    """The LED end of the SPI bus: collects each transfer as bytes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frames: list[list[int]] = []

    def on_start(self):
        super().on_start()
        self.frames.append([])

    def on_bit(self):
        if len(self.rx_buf) == 8:
            self.frames[-1].append(self.rx_word())
            self.rx_buf = []


@pytest.fixture
def factory():
    """gpiozero's MockFactory as the default pin factory, as GPIOZERO_PIN_FACTORY=mock would make it."""
    f = MockFactory()
    Device.pin_factory = f
    yield f
    f.reset()
    Device.pin_factory = None


@pytest.fixture
def pwm_factory():
    f = MockFactory(pin_class=MockPWMPin)
    Device.pin_factory = f
    yield f
    f.reset()
    Device.pin_factory = None


def expected_apa102(state, count, brightness):
    data = [0, 0, 0, 0]
    for r, g, b in frame_colors(state, count, 0.0, brightness):
        data += [0xE0 | 31, b, g, r]
    return data + [0xFF] * 4


@pytest.mark.parametrize("state", list(LOOKS))
def test_apa102_bytes_for_each_state(factory, state):
    # SPI0.0 on a Pi: clock GPIO11, MOSI GPIO10, chip select GPIO8.
    leds = Apa102Recorder(clock_pin=11, mosi_pin=10, select_pin=8, pin_factory=factory)
    driver = Apa102Driver(LedSettings(driver="apa102", count=12, brightness=0.5, power_pin=5), pin_factory=factory)
    assert factory.pin(5).state  # the 4-mic HAT's LED power is switched on
    driver.show(state, 0.0)
    assert leds.frames[-1] == expected_apa102(state, 12, 0.5)
    assert leds.frames[-1][4:8] == [0xE0 | 31, *reversed([round(c * 0.5) for c in LOOKS[state].rgb])] or \
        LOOKS[state].animation == "spin" or state == "idle"
    driver.close()
    assert leds.frames[-1][4:8] == [0xE0 | 31, 0, 0, 0]  # dark when closed


def test_muted_is_solid_red_and_sending_looks_like_nothing_else():
    assert LOOKS["muted"].rgb == (255, 0, 0) and LOOKS["muted"].animation == "solid"
    colours = {state: look.rgb for state, look in LOOKS.items()}
    assert list(colours.values()).count(colours["sending"]) == 1
    assert colours["listening"] != colours["sending"]


def test_ring_priorities_and_jsonl_record(tmp_path):
    path = tmp_path / "ring.jsonl"
    ring = Ring(JsonlDriver(str(path)))
    ring.set_state("idle")
    assert ring.wait_shown("idle")
    ring.set_state("listening")
    assert ring.wait_shown("listening")
    ring.set_muted(True)
    assert ring.wait_shown("muted")
    ring.set_state("thinking")  # muted still wins
    ring.set_sending(True)  # sending wins over muted
    assert ring.wait_shown("sending")
    ring.set_sending(False)
    assert ring.wait_shown("muted")
    ring.set_muted(False)
    assert ring.wait_shown("thinking")
    ring.close()
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["state"] for r in records] == ["starting", "idle", "listening", "muted", "sending", "muted", "thinking"]
    times = [r["t"] for r in records]
    assert times == sorted(times) and abs(times[-1] - time.clock_gettime(time.CLOCK_MONOTONIC)) < 10


def test_state_changes_never_block_the_caller(tmp_path):
    class SlowDriver(JsonlDriver):
        def show(self, state, t):
            time.sleep(0.2)
            super().show(state, t)

    ring = Ring(SlowDriver(str(tmp_path / "r.jsonl")))
    started = time.perf_counter()
    for state in ["idle", "listening", "thinking", "idle"] * 50:
        ring.set_state(state)
    assert time.perf_counter() - started < 0.1  # 200 changes, none waited for the LEDs
    assert ring.wait_shown("idle", timeout=3)  # and the ring catches up with the latest
    ring.close()


def test_gpio_leds(factory):
    board = GpioDriver(LedSettings(driver="gpio", pins=(22, 23, 24)), pin_factory=factory)
    board.show("muted", 0.0)
    assert [factory.pin(p).state for p in (22, 23, 24)] == [1, 1, 1]
    board.show("idle", 0.0)
    assert [factory.pin(p).state for p in (22, 23, 24)] == [0, 0, 0]
    board.close()


def test_rgb_led(pwm_factory):
    rgb = GpioDriver(LedSettings(driver="rgb", pins=(12, 13, 19), brightness=1.0), pin_factory=pwm_factory)
    rgb.show("muted", 0.0)
    assert [pwm_factory.pin(p).state for p in (12, 13, 19)] == [1.0, 0.0, 0.0]
    rgb.show("listening", 0.0)
    assert pwm_factory.pin(12).state == 0.0 and pwm_factory.pin(19).state == 1.0
    rgb.close()


# -- privacy ------------------------------------------------------------------
def press(factory, pin=17):
    factory.pin(pin).drive_low()
    time.sleep(0.06)
    factory.pin(pin).drive_high()
    time.sleep(0.06)


def test_momentary_button_toggles_and_survives_restart(tmp_path, factory):
    changes = []
    p = Privacy(PrivacySettings(button_pin=17, bounce_ms=20), tmp_path, lambda m, s: changes.append((m, s)),
                pin_factory=factory)
    assert not p.muted
    press(factory)
    assert p.muted and changes == [(True, "button")]
    p.close()
    again = Privacy(PrivacySettings(button_pin=17, bounce_ms=20), tmp_path, pin_factory=factory)
    assert again.muted and again.source == "button"  # restored from the state directory
    press(factory)
    assert not again.muted
    again.close()


class ClosedSwitchPin(MockPin):
    """A latching switch already closed to ground: it holds the line low whatever pull is set."""

    def _set_pull(self, value):
        self._pull = value
        self.drive_low()


def test_latching_switch_wins_over_software(tmp_path, factory):
    factory.pin(17, pin_class=ClosedSwitchPin)  # the switch is in the muted position at start
    p = Privacy(PrivacySettings(button_pin=17, mode="latching"), tmp_path, pin_factory=factory)
    assert p.muted and p.source == "latch"
    refused = p.unmute("socket")
    assert not refused.ok and refused.muted and "switch" in refused.reason and p.muted
    factory.pin(17).drive_high()
    time.sleep(0.1)
    assert not p.muted
    assert p.mute("socket").ok and p.unmute("socket").ok  # with the switch open, software works
    p.close()


def test_corrupt_or_unreadable_state_means_muted(tmp_path):
    (tmp_path / "privacy.json").write_text("{not json")
    assert Privacy(PrivacySettings(), tmp_path).muted
    (tmp_path / "privacy.json").write_text('{"muted": "no"}')
    p = Privacy(PrivacySettings(), tmp_path)
    assert p.muted and p.source == "unreadable-state"
    save_state(tmp_path / "privacy.json", False, "socket")
    assert not Privacy(PrivacySettings(), tmp_path).muted
    assert not (tmp_path / ".privacy.json.tmp").exists()


def test_state_that_cannot_be_saved_is_kept_and_reported(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    p = Privacy(PrivacySettings(), blocker / "state")  # the state dir cannot be created
    assert p.mute().ok and p.muted
    assert p.save_error and "cannot save privacy state" in p.save_error


# -- the listener: the button closes the microphone stream itself ---------------
def test_button_closes_the_microphone_stream_and_lights_muted(tmp_path, alsa_home, factory, ko_model):
    from device import config as cfg
    from device.listener import service as listener
    from tests import speech

    raw = tmp_path / "mic.raw"
    raw.write_bytes(np.tile(speech.say("hello there").astype("<i2"), 40).tobytes())
    alsa_home(raw)
    ring_log = tmp_path / "ring.jsonl"
    config = cfg.from_dict({
        "paths": {"state_dir": str(tmp_path / "state")},
        "audio": {"device": "earmuff", "rate": 16000, "reopen_min_s": 0.05},
        "transcribe": {"model": str(ko_model)},
        "led": {"driver": f"jsonl:{ring_log}"},
        "privacy": {"button_pin": 17, "bounce_ms": 10},
    })
    events = []
    lst = listener.build(config, on_event=lambda n, d: events.append((n, d)), pin_factory=factory)
    thread = threading.Thread(target=lst.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while lst.counters.frames < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lst.source.health == "healthy"
    press(factory)
    assert lst.privacy.muted and lst.source.health == "paused" and lst.source._stream is None
    assert lst.ring.wait_shown("muted")
    frames = lst.counters.frames
    time.sleep(0.3)
    assert lst.counters.frames == frames  # nothing flows while muted
    press(factory)
    deadline = time.monotonic() + 10
    while lst.counters.frames <= frames + 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lst.counters.frames > frames + 5 and not lst.privacy.muted  # reopened
    lst.stop()
    thread.join(timeout=10)
    listener.close(lst)
    assert ("privacy", {"muted": True, "source": "button"}) in events
    states = [json.loads(line)["state"] for line in ring_log.read_text().splitlines()]
    assert "muted" in states and states[states.index("muted") + 1] == "idle"


def test_privacy_mid_utterance_drops_it(tmp_path, ko_model, wake_command):
    from device import config as cfg
    from device.listener import service as listener
    from tests import speech

    wav = speech.write(tmp_path / "in.wav", wake_command)
    config = cfg.from_dict({"paths": {"state_dir": str(tmp_path)}, "audio": {"source": f"file:{wav}"},
                            "transcribe": {"model": str(ko_model)}})
    events = []

    def on_event(name, detail):
        events.append(name)
        if name == "wake":  # the owner presses the button while the command is being spoken
            lst.privacy.mute("button")

    lst = listener.build(config, on_event=on_event)
    runner = threading.Thread(target=lst.run, daemon=True)
    runner.start()
    time.sleep(1.0)
    assert "utterance_dropped" in events and "utterance" not in events
    lst.privacy.unmute("button")
    runner.join(timeout=30)
    listener.close(lst)
    assert lst.counters.dropped == 1 and lst.counters.utterances == 0


def test_the_terminal_ring_writes_plain_lines_when_piped_and_animates_on_a_terminal(monkeypatch):
    import io
    import os
    import pty

    from device.ring.led import TerminalDriver

    monkeypatch.delenv("NO_COLOR", raising=False)
    piped = io.StringIO()
    ring = Ring(TerminalDriver(12, 0.5, True, stream=piped))
    for state in ("listening", "thinking", "sending"):
        ring.set_state(state) if state != "sending" else ring.set_sending(True)
        assert ring.wait_shown(state)
    ring.close()
    out = piped.getvalue()
    assert "\r" not in out and "\x1b" not in out
    assert [line for line in out.splitlines() if line.startswith("ring: ")][-3:] == [
        "ring: listening", "ring: thinking", "ring: sending"]

    main, child = pty.openpty()
    with os.fdopen(child, "w") as terminal:
        assert TerminalDriver(12, 0.5, True, stream=terminal).animated
        monkeypatch.setenv("NO_COLOR", "1")
        assert not TerminalDriver(12, 0.5, True, stream=terminal).animated
    os.close(main)
