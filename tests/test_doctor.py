import subprocess
import sys

from tests import speech


def doctor(config):
    return subprocess.run([sys.executable, "-m", "device", "doctor", "--config", str(config)],
                          capture_output=True, text=True, timeout=120)


def test_doctor_on_a_healthy_setup_with_a_microphone(tmp_path, alsa_home, ko_model):
    raw = tmp_path / "mic.raw"
    raw.write_bytes(bytes(64000))
    alsa_home(raw)
    config = tmp_path / "earmuff.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path}/state"\nruntime_dir = "{tmp_path}/run"\n'
                      f'[audio]\ndevice = "earmuff"\nchannels = 2\n[transcribe]\nmodel = "{ko_model}"\n'
                      '[uplink]\nsinks = ["file", "mqtt"]\n[uplink.mqtt]\nhost = "localhost"\n')
    proc = doctor(config)
    assert proc.returncode == 0, proc.stdout
    assert "input devices: 0: earmuff_test_mic" in proc.stdout
    assert "configured device 'earmuff' -> earmuff_test_mic" in proc.stdout
    assert "Vosk model" in proc.stdout and "mqtt sink: localhost resolves" in proc.stdout
    assert "\u2713 onnxruntime 1.28" in proc.stdout  # the pinned one, without telemetry
    assert proc.stdout.splitlines()[-1].endswith(" 0 failed")


def test_doctor_says_how_to_fix_what_is_wrong(tmp_path, alsa_home):
    wav = speech.write(tmp_path / "in.wav", speech.silence(0.5))
    config = tmp_path / "earmuff.toml"
    config.write_text(f'[paths]\nmodels_dir = "{tmp_path}/models"\nstate_dir = "{tmp_path}/state"\n'
                      f'runtime_dir = "{tmp_path}/run"\n[audio]\nsource = "file:{wav}"\n'
                      '[wake]\nmodels = ["hey_siri"]\n[uplink]\nsinks = ["webhook"]\n'
                      '[uplink.webhook]\nurl = "https://no-such-host.invalid/hook"\n'
                      f'secret_file = "{tmp_path}/missing-secret"\n')
    proc = doctor(config)
    assert proc.returncode == 1
    out = proc.stdout
    assert "fix: scripts/fetch-models --dir" in out
    assert "unknown wake word 'hey_siri'" in out
    assert "cannot resolve no-such-host.invalid" in out and "missing-secret not readable" in out
    bad = tmp_path / "bad.toml"
    bad.write_text("[audio]\nchannels = 99\n")
    broken = doctor(bad)
    assert broken.returncode == 1 and "[audio] channels" in broken.stdout


def test_an_onnxruntime_with_telemetry_is_worth_a_warning():
    from device.owner.doctor import onnxruntime_check

    pinned = onnxruntime_check("1.28.0")
    assert pinned.ok and not pinned.warn
    for newer in ("1.29.0", "1.32.1", "2.0.0"):
        check = onnxruntime_check(newer)
        assert check.ok and check.warn and "telemetry" in check.what and "onnxruntime<1.29" in check.fix
    assert not onnxruntime_check(None).ok
