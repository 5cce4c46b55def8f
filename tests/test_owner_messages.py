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
