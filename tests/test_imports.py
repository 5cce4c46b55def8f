"""What earmuff's processes load: no scipy, scikit-learn or tqdm anywhere; no audio or model stack in the uplink.

Each command runs as a real child process under benchmarks/probe.py, which
writes the whole of sys.modules at exit.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import speech

NEVER = {"scipy", "sklearn", "tqdm", "openwakeword"}
NOT_IN_UPLINK = {"numpy", "onnxruntime", "soxr", "vosk", "pyaudio", "device.listener"}


def probed(out: Path, *command: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "benchmarks.probe", str(out), "--", *command],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def loaded(out: Path) -> set[str]:
    """Modules, and the top-level packages of modules, the probed command had loaded at exit."""
    modules = json.loads(out.read_text())["modules"]
    return {m.split(".")[0] for m in modules} | set(modules)


def write_config(tmp_path: Path, ko_model: Path, wav: Path) -> Path:
    config = tmp_path / "earmuff.toml"
    config.write_text(
        f'[paths]\nstate_dir = "{tmp_path / "state"}"\nruntime_dir = "{tmp_path / "run"}"\n'
        f'[audio]\nsource = "file:{wav}"\nexit_at_end = true\n'
        f'[transcribe]\nmodel = "{ko_model}"\n'
    )
    return config


def test_detect_loads_no_scipy_sklearn_tqdm_or_openwakeword(tmp_path, wake_command):
    wav = speech.write(tmp_path / "wake.wav", wake_command)
    out = tmp_path / "detect.json"
    proc = probed(out, "detect", "--wakeword", "hey_jarvis", "--wakeword", "alexa", str(wav))
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert json.loads(stdout.splitlines()[0])["wakeword"] == "hey_jarvis"
    modules = loaded(out)
    assert "onnxruntime" in modules and not modules & NEVER


@pytest.mark.slow
def test_listener_and_uplink_load_only_what_they_need(tmp_path, ko_model, wake_command):
    """The real pair on a file with a wake word and a command: wake, Vosk, VAD endpointing, hand-over."""
    config = write_config(tmp_path, ko_model, speech.write(tmp_path / "wake.wav", wake_command))
    uplink_out, listen_out = tmp_path / "uplink.json", tmp_path / "listen.json"
    uplink = probed(uplink_out, "uplink", "--config", str(config))
    try:
        deadline = time.monotonic() + 20
        while not (tmp_path / "run" / "uplink.sock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        listener = probed(listen_out, "listen", "--config", str(config))
        _, stderr = listener.communicate(timeout=180)
        assert listener.returncode == 0, stderr
        assert "1 wake, 1 utterance" in stderr
    finally:
        uplink.terminate()
        uplink.communicate(timeout=30)
    listen_modules = loaded(listen_out)
    assert {"vosk", "onnxruntime", "device.listener.wakeword"} <= listen_modules
    assert not listen_modules & NEVER
    uplink_modules = loaded(uplink_out)
    assert "device.uplink" in uplink_modules
    assert not uplink_modules & (NEVER | NOT_IN_UPLINK)
    assert (tmp_path / "state" / "sent.jsonl").is_file()  # the uplink did deliver the utterance
