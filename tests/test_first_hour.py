"""The rough edges a new owner hit in their first hour (issue 16), one test each."""

import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from device.uplink.audit import AuditLog
from tests import speech

ROOT = Path(__file__).resolve().parent.parent


def earmuff(*args, cwd=None, env=None, timeout=120):
    """The command as a person types it; from `cwd` with no config of its own unless given one."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    env.pop("EARMUFF_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "device", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=env)


def checkout_config(tmp_path, extra: str = "") -> Path:
    config = tmp_path / "earmuff.toml"
    config.write_text(f'[paths]\nmodels_dir = "{tmp_path}/models"\nstate_dir = "{tmp_path}/state"\n'
                      f'runtime_dir = "{tmp_path}/run"\n[control]\ngroup = ""\n' + extra)
    return config


# 1
def test_audit_reads_the_log_file_when_earmuff_is_not_running(tmp_path):
    config = checkout_config(tmp_path)
    log = AuditLog(tmp_path / "state" / "audit.jsonl")
    log.append({"time": time.time() - 7200, "outcome": "sent", "sink": "file",
                "payload": {"text": "an old one"}, "redacted": {}})
    log.append({"outcome": "sent", "sink": "file", "payload": {"text": "call [PERSON]"}, "redacted": {"PERSON": 1}})
    proc = earmuff("audit", "--config", str(config), "--since", "1h")
    assert proc.returncode == 0, proc.stderr
    assert "'call [PERSON]'  (redacted: 1 PERSON)" in proc.stdout and "an old one" not in proc.stdout
    assert "not running; reading" in proc.stderr and "systemctl" not in proc.stderr
    status = earmuff("status", "--config", str(config))
    assert status.returncode == 69
    assert "systemctl" not in status.stderr and "earmuff run --config" in status.stderr


# 2
def test_silero_and_timer_are_not_wake_words(tmp_path):
    wav = speech.write(tmp_path / "quiet.wav", speech.silence(0.5))
    proc = earmuff("detect", "--wakeword", "silero", str(wav))
    assert proc.returncode == 78 and "Traceback" not in proc.stderr
    assert "unknown wake word 'silero'" in proc.stderr
    built_in = re.search(r"built in: ([^;]*);", proc.stderr).group(1).split(", ")
    assert "hey_jarvis" in built_in and "silero" not in built_in and "timer" not in built_in


@pytest.mark.slow
def test_a_wake_word_that_is_not_one_stops_earmuff_run_with_78(tmp_path):
    wav = speech.write(tmp_path / "quiet.wav", speech.silence(0.5))
    config = checkout_config(tmp_path, f'[audio]\nsource = "file:{wav}"\nexit_at_end = true\n'
                                       '[wake]\nmodels = ["silero"]\n')
    proc = earmuff("run", "--config", str(config))
    assert proc.returncode == 78 and "unknown wake word 'silero'" in proc.stderr
    assert "Traceback" not in proc.stderr


# 3 is in test_audio.py (WAVE_FORMAT_EXTENSIBLE files from sox, a text file)


# 4
def test_fetch_models_with_a_missing_zip_says_so(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "fetch-models"), "--dir", str(tmp_path / "m"),
                           "--zip", str(tmp_path / "vosk-model-small-en-us-0.15.zip")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "vosk-model-small-en-us-0.15.zip: no such file" in proc.stderr


# 5
def test_a_missing_model_names_the_zip_route_and_the_checkout_config(tmp_path):
    wav = speech.write(tmp_path / "quiet.wav", speech.silence(0.5))
    bare = earmuff("transcribe", str(wav), cwd=tmp_path)  # no --config, as in a fresh checkout
    assert bare.returncode == 78
    assert "--zip vosk-model-small-en-us-0.15.zip" in bare.stderr
    assert "--config config/earmuff.toml" in bare.stderr
    config = checkout_config(tmp_path)
    named = earmuff("transcribe", "--config", str(config), str(wav))
    assert named.returncode == 78
    assert f"scripts/fetch-models --dir {tmp_path}/models" in named.stderr and "--zip" in named.stderr
    assert "--config config/earmuff.toml" not in named.stderr


# 6
def test_config_check_reports_every_error_and_checks_names_models_and_sinks(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[wake]\nmodels = ["hey_siri", "silero"]\nthreshold = 3\n[audio]\nchannels = 99\n'
                      f'[transcribe]\nmodel = "{tmp_path}/no-such-model"\n'
                      '[uplink]\nsinks = ["homeassistant", "webhook", "mqtt"]\n'
                      '[uplink.webhook]\nurl = "ftp://example.org/hook"\n'
                      f'[uplink.mqtt]\npassword_file = "{tmp_path}/absent"\nusername = "speaker"\n')
    proc = earmuff("config", "check", str(config))
    assert proc.returncode == 78
    for words in ("[audio] channels: 99 is out of range", "[wake] threshold: 3.0 is out of range",
                  "unknown wake word 'hey_siri'", "unknown wake word 'silero'",
                  f"[transcribe] model: no Vosk model at {tmp_path}/no-such-model",
                  "[uplink.homeassistant] token_file: the homeassistant sink needs",
                  "[uplink.webhook] url: 'ftp://example.org/hook' is not an http",
                  f"[uplink.mqtt] password_file: {tmp_path}/absent: no such file"):
        assert words in proc.stderr, (words, proc.stderr)
    assert proc.stderr.strip().endswith("8 errors")
    # A right file whose model is simply not fetched yet passes, with a note.
    fine = earmuff("config", "check", str(checkout_config(tmp_path)))
    assert fine.returncode == 0 and "note: [transcribe] model" in fine.stdout and "OK" in fine.stdout


# 7
def test_status_says_error_and_why_while_the_microphone_is_missing(tmp_path, alsa_home, ko_model):
    import threading

    from device.config import load
    from device.listener import service as listener

    config = load(checkout_config(tmp_path, f'[audio]\ndevice = "earmuff_test_mic"\nreopen_min_s = 0.1\n'
                                            f'reopen_max_s = 0.2\n[transcribe]\nmodel = "{ko_model}"\n'))
    lst = listener.build(config)  # no microphone plugged in: ALSA knows no earmuff_test_mic
    server = listener.serve_control(lst)
    loop = threading.Thread(target=lst.run, daemon=True)
    loop.start()
    try:
        deadline = time.monotonic() + 20
        while lst.status()["state"] != "error" and time.monotonic() < deadline:
            time.sleep(0.1)
        status = earmuff("status", "--config", str(tmp_path / "earmuff.toml"))
    finally:
        lst.stop()
        loop.join(10)
        server.close()
        listener.close(lst)
    assert status.returncode == 0, status.stderr
    lines = dict(line.split(":", 1) for line in status.stdout.splitlines() if ":" in line)
    assert lines["state"].strip() == "error"
    assert "no input device matching 'earmuff_test_mic'" in lines["problem"]
    assert "arecord -l" in lines["hint"] and "[audio] device" in lines["hint"] and 'source = "file:' in lines["hint"]
    # What decides a wake: the base rule from its threshold on, the shipped verifier below it.
    assert lines["wake words"].strip().startswith(
        "hey_jarvis (base model wakes from 0.5, patience 1; verifier shipped below that: threshold 0.")


# 8
def test_doctor_counts_warnings_apart_and_never_points_at_an_empty_list(tmp_path, alsa_home):
    config = checkout_config(tmp_path, '[audio]\ndevice = "no-such-microphone"\n')
    proc = earmuff("doctor", "--config", str(config))
    out = proc.stdout
    assert proc.returncode == 1
    marks = [line[0] for line in out.splitlines() if line[:2] in ("\u2713 ", "\u2717 ", "! ")]
    passed, noted, failed = marks.count("\u2713"), marks.count("!"), marks.count("\u2717")
    assert noted and failed
    assert out.splitlines()[-1] == f"{passed} passed, {noted} to note (!), {failed} failed"
    if "input devices: none" in out:
        assert "listed above" not in out
    assert "--zip vosk-model-small-en-us-0.15.zip" in out


# 9
def test_usage_errors_exit_2_and_counts_are_singular_when_one(tmp_path):
    config = checkout_config(tmp_path)
    for args in (["--limit", "5000"], ["--limit", "0"], ["--since", "yesterday"]):
        proc = earmuff("audit", "--config", str(config), *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "usage:" in proc.stderr and "Traceback" not in proc.stderr
    from device.owner.words import counted

    assert counted(1, "utterance") == "1 utterance" and counted(2, "utterance") == "2 utterances"
    assert counted(1, "utterance", "was", "were") == "1 utterance was"


# 10
def test_every_link_in_the_readme_and_the_docs_is_inside_the_repository():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    linked = set()
    for page in pages:
        links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text())
        for link in (link for link in links if not re.match(r"[a-z]+:", link)):
            target = (page.parent / link).resolve()  # relative to the page
            assert target.is_relative_to(ROOT) and target.exists(), (page.name, link)
            linked.add(target)
    # Every page of docs/ is reachable from the README (directly or through another page).
    assert set(pages[1:]) <= linked, sorted(p.name for p in set(pages[1:]) - linked)
    readme = (ROOT / "README.md").read_text()
    assert "(docs/DESIGN.md)" in readme and len(readme.splitlines()) <= 260
    design = (ROOT / "docs" / "DESIGN.md").read_text()
    assert "## The promises" in design and "No light, no send" in design


# 11
def test_setup_is_quiet_unless_asked_and_shows_the_log_when_it_fails(tmp_path):
    noisy, bin_dir = fake_setup_tree(tmp_path)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", PYTHON=str(bin_dir / "noisy-python"))
    quiet = subprocess.run(["bash", str(noisy / "scripts" / "setup")], capture_output=True, text=True, env=env)
    assert quiet.returncode == 0, quiet.stderr
    said = quiet.stdout + quiet.stderr
    assert "debconf" not in said and "Building wheel" not in said and "Selecting previously" not in said
    assert "setup: installing" in said and "setup: done" in said
    loud = subprocess.run(["bash", str(noisy / "scripts" / "setup"), "-v"], capture_output=True, text=True, env=env)
    assert loud.returncode == 0 and "debconf" in loud.stdout + loud.stderr
    failing = subprocess.run(["bash", str(noisy / "scripts" / "setup")], capture_output=True, text=True,
                             env=dict(env, FAKE_APT_FAILS="1"))
    assert failing.returncode != 0
    assert "E: Unable to locate package" in failing.stderr  # the quiet log is shown when a step fails


def fake_setup_tree(tmp_path):
    """A copy of scripts/setup beside stand-ins for apt, dpkg and Python that are as chatty as the real ones."""
    tree, bin_dir = tmp_path / "checkout", tmp_path / "bin"
    (tree / "scripts").mkdir(parents=True)
    bin_dir.mkdir()
    (tree / "scripts" / "setup").write_bytes((ROOT / "scripts" / "setup").read_bytes())
    fakes = {
        "dpkg-query": "exit 1",  # nothing installed yet
        "apt-get": 'echo "debconf: delaying package configuration, since apt-utils is not installed"\n'
                   'echo "Selecting previously unselected package espeak-ng."\n'
                   '[ -z "$FAKE_APT_FAILS" ] || { echo "E: Unable to locate package espeak-ng" >&2; exit 100; }',
        "sudo": '"$@"',
        "noisy-python": 'echo "Building wheel for pyaudio (pyproject.toml) ... done"\n'
                        'if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; fi',
    }
    for name, body in fakes.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    (tree / "scripts" / "fetch-models").write_text('#!/bin/sh\necho "downloading ..."\n')
    (tree / "scripts" / "fetch-models").chmod(0o755)
    return tree, bin_dir


# the control group warning
def test_a_checkout_run_does_not_warn_about_the_missing_control_group(tmp_path, caplog):
    from device.config import PrivacySettings
    from device.listener.control import UNIT_FILE, Api, ControlServer
    from device.ring.privacy import Privacy

    assert not UNIT_FILE.exists()  # a checkout: earmuff is not installed on this machine
    server = ControlServer(tmp_path / "control.sock", Api(status=dict, privacy=Privacy(PrivacySettings(), tmp_path)),
                           group="no-such-group-here")
    with caplog.at_level(logging.DEBUG, logger="device.listener.control"):
        server.start()
        server.close()
    said = [(r.levelno, r.getMessage()) for r in caplog.records if "does not exist" in r.getMessage()]
    assert said and all(level == logging.DEBUG for level, _ in said)  # not at the default level, info
