import subprocess
import sys
from pathlib import Path

import pytest

from device import config as cfg
from device.owner.cli import main

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "config" / "earmuff.toml"


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "earmuff.toml"
    path.write_text(text)
    return path


def test_shipped_config_loads_and_matches_builtin_defaults():
    config = cfg.load(SHIPPED)
    defaults = cfg.Config()
    for section in ("audio", "wake", "transcribe", "log"):
        assert getattr(config, section) == getattr(defaults, section), section
    # Relative paths are taken relative to the config file's directory.
    assert config.paths.models_dir == REPO / "models"
    assert config.model_path() == REPO / "models" / "vosk-model-small-en-us-0.15"


def test_every_key_is_shown_and_documented_in_the_shipped_file():
    text = SHIPPED.read_text()
    # Each key sits in a block of lines that opens with a comment explaining it.
    for block in text.split("\n\n"):
        lines = [line for line in block.strip().splitlines() if not line.startswith("[")]
        if any("=" in line and not line.startswith("#") for line in lines):
            assert lines[0].startswith("#"), f"undocumented: {block}"
    def check(section: str, cls) -> None:
        for f in cfg.dataclasses.fields(cls):
            if cfg.dataclasses.is_dataclass(f.default):
                assert f"\n[{section}.{f.name}]\n" in text, f"[{section}.{f.name}] missing"
                check(f"{section}.{f.name}", type(f.default))
            elif f.name != "tuning":
                assert f"\n{f.name} = " in text or f"\n# {f.name} = " in text, f"[{section}] {f.name} missing"

    for section, cls in cfg.SECTIONS.items():
        check(section, cls)


def test_values_are_frozen(tmp_path):
    config = cfg.load(write(tmp_path, '[wake]\nmodels = ["alexa"]\n[wake.tuning.alexa]\nthreshold = 0.7\n'))
    with pytest.raises(AttributeError):
        config.wake.threshold = 0.1
    with pytest.raises(TypeError):
        config.wake.tuning["alexa"] = None
    assert config.wake.for_model("alexa") == (0.7, 1, cfg.WakeSettings.refractory_s)


def test_wake_settings_precedence():
    assert cfg.WakeSettings().for_model("hey_mycroft") == (*cfg.CALIBRATED["hey_mycroft"], 2.0)
    assert cfg.WakeSettings().for_model("mine.onnx") == (0.5, 1, 2.0)
    both = cfg.WakeSettings(models=("alexa", "hey_mycroft"), threshold=0.6,
                            tuning={"alexa": cfg.WakeTuning(patience=4, refractory_s=1.0)})
    assert both.for_model("alexa") == (0.6, 4, 1.0)
    assert both.for_model("hey_mycroft") == (0.6, cfg.CALIBRATED["hey_mycroft"][1], 2.0)


def test_file_source_path_is_resolved_against_the_config(tmp_path):
    config = cfg.load(write(tmp_path, '[audio]\nsource = "file:clips/a.wav"\n'))
    assert config.audio.file == tmp_path / "clips" / "a.wav"


@pytest.mark.parametrize(
    "text, key, words",
    [
        ("[audoi]\nsource = 'mic'\n", "audoi", "unknown section"),
        ("[audio]\nsorce = 'mic'\n", "[audio] sorce", "unknown key"),
        ("[audio]\nchannels = 'two'\n", "[audio] channels", "expected an integer"),
        ("[audio]\nchannels = true\n", "[audio] channels", "expected an integer"),
        ("[audio]\nchannels = 9\n", "[audio] channels", "out of range"),
        ("[audio]\nchannels = 0\n", "[audio] channels", "out of range"),
        ("[audio]\nchannel = 'left'\n", "[audio] channel", 'must be "mean"'),
        ("[audio]\nchannels = 2\nchannel = 2\n", "[audio] channel", "does not exist"),
        ("[audio]\nchannel = 1.5\n", "[audio] channel", "expected an integer or a string"),
        ("[audio]\nsource = 'usb'\n", "[audio] source", "file:PATH"),
        ("[audio]\nsource = 'file:'\n", "[audio] source", "needs a path"),
        ("[audio]\nreopen_min_s = 10.0\nreopen_max_s = 1.0\n", "[audio] reopen_min_s", "reopen_max_s"),
        ("[audio]\nrealtime = 'yes'\n", "[audio] realtime", "expected a boolean"),
        ("[wake]\nmodels = 'hey_jarvis'\n", "[wake] models", "array of strings"),
        ("[led]\ndriver = 'neopixel'\n", "[led] driver", "jsonl:PATH"),
        ("[led]\ndriver = 'rgb'\npins = [1, 2]\n", "[led] pins", "three pins"),
        ("[led]\npins = ['a']\n", "[led] pins", "array of integers"),
        ("[privacy]\nmode = 'sticky'\n", "[privacy] mode", "not one of"),
        ("[uplink]\nsinks = ['pigeon']\n", "[uplink] sinks", "unknown sink"),
        ("[uplink.mqtt]\nport = 0\n", "[uplink] mqtt.port", "out of range"),
        ("[uplink.mqtt]\nprot = 1\n", "[uplink] mqtt.prot", "unknown key"),
        ("[uplink]\nmqtt = 1\n", "[uplink] mqtt", "expected a table"),
        ("[uplink]\nsinks = ['webhook']\n", "[uplink] webhook.url", "needs a url"),
        ("[wake]\nmodels = []\n", "[wake] models", "at least one"),
        ("[wake]\nthreshold = 1.5\n", "[wake] threshold", "out of range"),
        ("[wake]\npatience = 0\n", "[wake] patience", "out of range"),
        ("[wake.tuning.alexa]\nthreshold = 0.6\n", "[wake] tuning.alexa", "not in models"),
        ("[wake]\nmodels = ['alexa']\n[wake.tuning.alexa]\nthreshhold = 0.6\n",
         "[wake] tuning.alexa.threshhold", "unknown key"),
        ("[wake]\ntuning = 3\n", "[wake] tuning", "expected a table"),
        ("[transcribe]\ntrailing_silence_ms = 50\n", "[transcribe] trailing_silence_ms", "out of range"),
        ("[transcribe]\nmodel = 7\n", "[transcribe] model", "expected a string"),
        ("[log]\nlevel = 'loud'\n", "[log] level", "not one of"),
        ("[paths]\nstate_dir = 1\n", "[paths] state_dir", "expected a path string"),
        ("audio = 3\n", "[audio]", "must be a table"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path, text, key, words):
    path = write(tmp_path, text)
    with pytest.raises(cfg.ConfigError) as err:
        cfg.load(path)
    message = str(err.value)
    assert str(path) in message and key in message and words in message, message


@pytest.mark.parametrize(
    "content, words",
    [(b"[audio\n", "not valid TOML"), (b"\xff\xfe[audio]", "not UTF-8")],
)
def test_unreadable_files(tmp_path, content, words):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    with pytest.raises(cfg.ConfigError, match=words):
        cfg.load(path)
    with pytest.raises(cfg.ConfigError, match="no such file"):
        cfg.load(tmp_path / "absent.toml")


def test_config_check_command(tmp_path, capsys):
    assert main(["config", "check", str(SHIPPED)]) == 0
    assert "OK" in capsys.readouterr().out
    bad = write(tmp_path, "[wake]\nthreshold = 2\n")
    assert main(["config", "check", str(bad)]) == cfg.EX_CONFIG == 78
    err = capsys.readouterr().err
    assert str(bad) in err and "[wake] threshold" in err


def test_every_command_refuses_a_bad_config_with_78(tmp_path):
    bad = write(tmp_path, "[audio]\nchannels = 99\n")
    for argv in (["listen", "--config", str(bad)], ["detect", "--config", str(bad), "x.wav"]):
        proc = subprocess.run([sys.executable, "-m", "device", *argv], capture_output=True, text=True)
        assert proc.returncode == 78, proc.stderr
        assert "[audio] channels" in proc.stderr and str(bad) in proc.stderr


@pytest.mark.parametrize("name", ["respeaker-2mic.toml", "respeaker-4mic.toml", "usb-mic-gpio-leds.toml"])
def test_hardware_examples_are_valid(name):
    config = cfg.load(REPO / "config" / name)
    assert config.led.driver in ("apa102", "pwm") and config.privacy.button_pin >= 0
