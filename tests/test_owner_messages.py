"""What the owner's commands say when something is wrong (issue 27: a newcomer's second hour)."""

import subprocess
import sys


def earmuff(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "device", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd)


TWO_MISTAKES = '[wake]\nthreshold = 7\n[audio]\nchannels = 99\n'


def test_doctor_on_a_missing_file_does_not_speak_of_a_key(tmp_path):
    proc = earmuff("doctor", "--config", str(tmp_path / "nope.toml"))
    assert proc.returncode != 0
    assert "no such file" in proc.stdout and "key" not in proc.stdout
    assert "check the path" in proc.stdout


def test_doctor_and_demo_report_every_mistake_in_a_config(tmp_path):
    config = tmp_path / "two.toml"
    config.write_text(TWO_MISTAKES)
    doctor = earmuff("doctor", "--config", str(config))
    assert "[wake] threshold" in doctor.stdout and "[audio] channels" in doctor.stdout
    assert "2 failed" in doctor.stdout
    demo = earmuff("demo", "--config", str(config), cwd=tmp_path)
    assert demo.returncode == 78  # EX_CONFIG
    assert "[wake] threshold" in demo.stderr and "[audio] channels" in demo.stderr
    listen = earmuff("listen", "--config", str(config))
    assert listen.stderr.count("configuration error") == 2


def test_audit_before_the_first_run_says_there_is_no_log_yet_and_where_it_looked(tmp_path):
    config = tmp_path / "e.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path}/s"\nruntime_dir = "{tmp_path}/r"\n')
    proc = earmuff("audit", "--config", str(config))
    assert proc.returncode == 0, proc.stderr
    assert "no audit log yet" in proc.stderr and f"{tmp_path}/s/audit.jsonl" in proc.stderr
    assert "not running" not in proc.stderr


def test_names_list_with_nothing_listed_says_where_it_looked(tmp_path):
    config = tmp_path / "e.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path}/s"\n')
    proc = earmuff("names", "list", "--config", str(config))
    assert proc.returncode == 0 and proc.stdout == ""
    assert f"no household names in {tmp_path}/s/names.txt" in proc.stderr


def test_every_command_says_in_its_help_what_it_does():
    import argparse

    from device.owner.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for name, command in commands.items():
        assert command.description, name
    assert "FILE" in commands["config"].format_help()
    names = commands["names"].format_help()
    assert "list:" in names and "add NAME" in names and "remove NAME" in names
    assert "standard input" in commands["redact"].format_help()
    for name in ("run", "listen", "uplink"):
        assert len(commands[name].description) > 60, name


def test_the_docs_name_the_array_default_the_code_has():
    """Issue 27, item 12: the README said the mean; the config and the code say "beam"."""
    import re
    from pathlib import Path

    from device.config import AudioSettings

    docs = Path(__file__).resolve().parent.parent / "docs" / "wake-word.md"
    said = re.search(r'`"?(\w+)"?` \(the default', docs.read_text())
    assert said and said.group(1) == AudioSettings().channel
    toml = (Path(__file__).resolve().parent.parent / "config" / "earmuff.toml").read_text()
    assert re.search(r'^channel = "(\w+)"', toml, re.M).group(1) == AudioSettings().channel


def test_detect_on_a_folder_says_it_is_a_folder(tmp_path):
    """Issue 27, item 7: `earmuff detect DIR` said "no such file"."""
    proc = earmuff("detect", str(tmp_path))
    assert proc.returncode != 0
    assert "a folder, not a WAV file" in proc.stderr and "no such file" not in proc.stderr
