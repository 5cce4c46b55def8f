import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from device import config as cfg
from device.listener import service as listener
from tests import speech


def toml_value(v) -> str:
    return str(v).lower() if isinstance(v, bool) else f'"{v}"' if isinstance(v, str) else repr(v)


def make_config(tmp_path: Path, ko_model: Path, source: str, **audio) -> Path:
    lines = [
        "[paths]", f'models_dir = "{tmp_path}"', f'state_dir = "{tmp_path}/state"', f'runtime_dir = "{tmp_path}/run"',
        "[audio]", f'source = "{source}"',
        *(f"{k} = {toml_value(v)}" for k, v in audio.items()),
        "[transcribe]", f'model = "{ko_model}"',
    ]
    path = tmp_path / "earmuff.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_wake_then_utterance_then_idle(tmp_path, ko_model, wake_command):
    wav = speech.write(tmp_path / "in.wav", wake_command)
    config = cfg.load(make_config(tmp_path, ko_model, f"file:{wav}"))
    events = []
    lst = listener.build(config, on_event=lambda name, detail: events.append((name, detail)))
    lst.run()
    names = [n for n, _ in events]
    assert names == ["started", "wake", "state", "state", "utterance", "state", "source_ended"], names
    states = [d["state"] for n, d in events if n == "state"]
    assert states == ["listening", "thinking", "idle"]
    utterance = dict(events)["utterance"]
    assert utterance["wakeword"] == "hey_jarvis" and utterance["words"] > 0 and utterance["reason"] == "silence"
    assert "text" not in utterance and utterance["redacted"] == {}  # events carry no transcript text
    assert lst.counters.wakes == 1 and lst.counters.utterances == 1
    wake_end = 1.0 + speech.spoken_seconds(speech.say("hey jarvis"))
    assert wake_end - 0.3 <= dict(events)["wake"]["time"] <= wake_end + 0.6
    transcript, redaction = lst.recent[-1]
    assert transcript.words and redaction.text == transcript.text  # Korean words: nothing to redact


def test_two_commands_wake_twice_at_the_right_times(tmp_path, ko_model, wake_command):
    wav = speech.write(tmp_path / "in.wav", speech.concat(wake_command, wake_command))
    events = []
    lst = listener.build(cfg.load(make_config(tmp_path, ko_model, f"file:{wav}")),
                         on_event=lambda name, detail: events.append((name, detail)))
    lst.run()
    times = [d["time"] for n, d in events if n == "wake"]
    assert len(times) == 2 and times[1] - times[0] == pytest.approx(len(wake_command) / 16000, abs=0.25)


def test_no_wake_word_means_no_transcription(tmp_path, ko_model, no_wake_speech):
    wav = speech.write(tmp_path / "in.wav", speech.concat(no_wake_speech, no_wake_speech))
    config = cfg.load(make_config(tmp_path, ko_model, f"file:{wav}"))
    lst = listener.build(config)
    started = lst.transcriber.utterance  # any utterance would be made through here
    calls = []
    lst.transcriber.utterance = lambda: calls.append(1) or started()
    lst.run()
    assert calls == [] and lst.counters.wakes == 0 and lst.recent == []


def test_file_ending_mid_utterance_still_finishes_it(tmp_path, ko_model):
    audio = speech.concat(speech.silence(0.5), speech.say("hey jarvis"), speech.say("turn off the"))
    wav = speech.write(tmp_path / "in.wav", audio)
    lst = listener.build(cfg.load(make_config(tmp_path, ko_model, f"file:{wav}")))
    lst.run()
    assert lst.counters.utterances == 1 and lst.recent[-1][0].reason == "end"


def run_listen(config: Path, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "device", "listen", "--config", str(config)],
                          capture_output=True, text=True, timeout=timeout, env=env)


def test_listen_command_logs_events_but_never_text_at_info(tmp_path, ko_model, wake_command):
    wav = speech.write(tmp_path / "in.wav", wake_command, rate=48000, channels=2)
    config = make_config(tmp_path, ko_model, f"file:{wav}", exit_at_end=True)
    proc = run_listen(config)
    # No uplink is running here: the listener says so and exits 1 rather than pretend.
    assert proc.returncode == 1 and "1 utterance was not handed to the uplink" in proc.stderr, proc.stderr
    assert "wake: hey_jarvis" in proc.stderr and "utterance:" in proc.stderr
    text = listener.build(cfg.load(config))
    text.run()
    words = text.recent[-1][0].words
    assert all(w.word not in proc.stderr for w in words if len(w.word) > 1)
    debug = config.read_text() + '[log]\nlevel = "debug"\n'
    config.write_text(debug)
    assert "utterance text (redacted):" in run_listen(config).stderr


class StderrWatch:
    """Collects a child's stderr in a thread, so a test can wait for a line instead of sleeping."""

    def __init__(self, proc: subprocess.Popen):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=lambda: self.lines.extend(proc.stderr), daemon=True)
        self.thread.start()

    def wait_for(self, text: str, count: int = 1, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(text in line for line in list(self.lines)) >= count:
                return True
            time.sleep(0.05)
        return False

    def text(self) -> str:
        self.thread.join(timeout=10)
        return "".join(self.lines)


def test_listen_stops_cleanly_on_sigterm(tmp_path, ko_model, wake_command):
    wav = speech.write(tmp_path / "in.wav", wake_command)
    config = make_config(tmp_path, ko_model, f"file:{wav}", realtime=True)
    proc = subprocess.Popen([sys.executable, "-m", "device", "listen", "--config", str(config)],
                            stderr=subprocess.PIPE, text=True)
    err = StderrWatch(proc)
    assert err.wait_for("listening for"), err.text()  # signal handlers are set before this line
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    assert "stopping on SIGTERM" in err.text()


@pytest.mark.usefixtures("alsa_home")
def test_listener_without_microphone_stays_alive_and_keeps_trying(tmp_path, ko_model):
    config = make_config(tmp_path, ko_model, "mic", device="respeaker", reopen_min_s=0.1, reopen_max_s=0.2)
    proc = subprocess.Popen([sys.executable, "-m", "device", "listen", "--config", str(config)],
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    watch = StderrWatch(proc)
    started = watch.wait_for("listening for")
    retried = started and watch.wait_for("no input device matching 'respeaker'", count=2)
    assert proc.poll() is None, watch.text()  # alive, and retrying: not dead, not deaf forever
    assert retried, watch.text()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    err = watch.text()
    assert err.count("no input device matching 'respeaker'") >= 2
