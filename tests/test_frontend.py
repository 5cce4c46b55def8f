import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from device.listener.frontend import FrontEndError, NoiseFrontEnd
from tests import speech

REPO = Path(__file__).resolve().parent.parent


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def test_noise_suppression_quietens_noise_and_keeps_speech():
    said = speech.say("turn on the kitchen lights")
    clean = speech.concat(speech.silence(2.0), said, speech.silence(1.0))
    clean = clean[: len(clean) // 1280 * 1280]
    audio = speech.mix(clean, speech.noise(len(clean) / 16000 + 1, level=0.02, seed=3))
    frontend = NoiseFrontEnd(noise_suppression=3, auto_gain=0)
    out = np.concatenate([frontend.process(audio[i:i + 1280]) for i in range(0, len(audio), 1280)])
    assert out.shape == audio.shape and out.dtype == np.int16
    noise_only = slice(16000, 32000)  # the second second: the suppressor has adapted, nobody speaks
    talk = slice(32000, 32000 + len(said))
    assert rms(out[noise_only]) < 0.5 * rms(audio[noise_only])  # at least 6 dB less noise
    assert rms(out[talk]) > 0.5 * rms(audio[talk])  # the speech stays


def test_front_end_refuses_bad_settings_and_chunks():
    with pytest.raises(FrontEndError, match="0-4"):
        NoiseFrontEnd(noise_suppression=5)
    with pytest.raises(ValueError, match="10 ms"):
        NoiseFrontEnd().process(np.zeros(1000, np.int16))


# -- in the listener: [audio] noise_suppression / auto_gain_dbfs -------------------------------

NOISY_LEAD_S = 2.0  # noise alone before anyone speaks


def noisy_command(wake_command: np.ndarray) -> np.ndarray:
    audio = speech.concat(speech.silence(NOISY_LEAD_S), wake_command)
    return speech.mix(audio, speech.noise(len(audio) / 16000 + 1, level=0.01, seed=5))


def run_listener(tmp_path, ko_model, audio: np.ndarray, **settings):
    """Run the listener on `audio`; what reached the wake detector and Vosk, as (frame index, frame)."""
    from device import config as cfg
    from device.listener import service as listener
    from tests.test_listener import make_config

    wav = speech.write(tmp_path / "in.wav", audio)
    lst = listener.build(cfg.load(make_config(tmp_path, ko_model, f"file:{wav}", **settings)))
    heard, transcribed = [], []
    detect, utterance = lst.detector.process, lst.transcriber.utterance

    def detector_hears(frame):
        heard.append((lst.counters.frames - 1, frame.copy()))
        return detect(frame)

    def new_utterance():
        u = utterance()
        feed = u.feed
        u.feed = lambda frame: transcribed.append((lst.counters.frames - 1, frame.copy())) or feed(frame)
        return u

    lst.detector.process, lst.transcriber.utterance = detector_hears, new_utterance
    lst.run()
    return lst, heard, transcribed


def frames_of(audio: np.ndarray, taken: list) -> tuple[np.ndarray, np.ndarray]:
    """(the input audio at the frames taken, the frames as they arrived)."""
    audio = np.concatenate([audio, np.zeros(-len(audio) % 1280, np.int16)])  # the source pads the last frame
    source = np.concatenate([audio[i * 1280:(i + 1) * 1280] for i, _ in taken])
    return source, np.concatenate([frame for _, frame in taken])


def test_front_end_off_passes_frames_untouched(tmp_path, ko_model, wake_command):
    audio = noisy_command(wake_command)
    lst, heard, transcribed = run_listener(tmp_path, ko_model, audio)
    assert lst.frontend is None and lst.counters.wakes == 1 and transcribed
    for taken in (heard, transcribed):
        source, arrived = frames_of(audio, taken)
        assert np.array_equal(source, arrived)


def test_front_end_on_processes_what_the_wake_word_and_vosk_get(tmp_path, ko_model, wake_command):
    audio = noisy_command(wake_command)
    lst, heard, transcribed = run_listener(tmp_path, ko_model, audio, noise_suppression=4)
    assert lst.frontend is not None and lst.frontend.noise_suppression == 4
    assert lst.counters.wakes == 1 and lst.counters.utterances == 1  # it still wakes and transcribes
    # The second second is noise alone: the suppressor has adapted; the wake detector gets much less of it.
    noise_frames = [(i, f) for i, f in heard if 16000 <= i * 1280 < 32000]
    source, arrived = frames_of(audio, noise_frames)
    assert rms(arrived) < 0.5 * rms(source)
    # Vosk's frames went through it too: it endpoints on 0.7 s of silence, which here was noise alone.
    source, arrived = frames_of(audio, transcribed[-5:])
    assert rms(arrived) < 0.5 * rms(source)


def test_front_end_is_made_anew_after_a_gap(tmp_path, ko_model, wake_command):
    from device import config as cfg
    from device.listener import service as listener
    from tests.test_listener import make_config

    wav = speech.write(tmp_path / "in.wav", wake_command)
    lst = listener.build(cfg.load(make_config(tmp_path, ko_model, f"file:{wav}", noise_suppression=2,
                                              auto_gain_dbfs=10)))
    first = lst.frontend
    lst.handle_frame(np.zeros(1280, np.int16))
    lst._on_gap()  # the microphone closed (privacy, or it failed and reopens)
    assert lst.frontend is not first and (lst.frontend.noise_suppression, lst.frontend.auto_gain) == (2, 10)


BLOCK_WEBRTC = "import sys; sys.modules['webrtc_noise_gain'] = None; "  # as if it were not installed


def earmuff_without_webrtc(*args: str) -> subprocess.CompletedProcess:
    code = BLOCK_WEBRTC + "from device.owner.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                          cwd=REPO)


def test_missing_library_is_a_clear_error_at_start_and_in_checks(tmp_path, ko_model, wake_command):
    from tests.test_listener import make_config

    wav = speech.write(tmp_path / "in.wav", wake_command)
    config = make_config(tmp_path, ko_model, f"file:{wav}", noise_suppression=2)
    listen = earmuff_without_webrtc("listen", "--config", str(config))
    assert listen.returncode == 78, listen.stderr
    assert "needs webrtc-noise-gain" in listen.stderr and "pip install webrtc-noise-gain" in listen.stderr
    check = earmuff_without_webrtc("config", "check", str(config))
    assert check.returncode == 78 and "[audio] noise_suppression" in check.stderr + check.stdout
    assert "needs webrtc-noise-gain" in check.stderr + check.stdout
    doctor = earmuff_without_webrtc("doctor", "--config", str(config))
    assert doctor.returncode != 0 and "noise front end (suppression 2, gain 0 dBFS)" in doctor.stdout
    assert "pip install webrtc-noise-gain" in doctor.stdout
    # Installed, the same config passes config check, and off, nothing asks for the library.
    ok = subprocess.run([sys.executable, "-m", "device", "config", "check", str(config)], capture_output=True,
                        text=True, timeout=120, cwd=REPO)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    off = make_config(tmp_path, ko_model, f"file:{wav}")
    assert earmuff_without_webrtc("config", "check", str(off)).returncode == 0


def test_front_end_settings_are_validated(tmp_path):
    from device import config as cfg

    for text, key in (("noise_suppression = 5", "noise_suppression"), ("auto_gain_dbfs = 32", "auto_gain_dbfs"),
                      ("noise_suppression = -1", "noise_suppression"), ("auto_gain_dbfs = 'loud'", "auto_gain_dbfs")):
        path = tmp_path / "bad.toml"
        path.write_text(f"[audio]\n{text}\n")
        with pytest.raises(cfg.ConfigError, match=rf"\[audio\] {key}"):
            cfg.load(path)
    path = tmp_path / "ok.toml"
    path.write_text("[audio]\nnoise_suppression = 4\nauto_gain_dbfs = 31\n")
    audio = cfg.load(path).audio
    assert audio.front_end and (audio.noise_suppression, audio.auto_gain_dbfs) == (4, 31)
    assert not cfg.AudioSettings().front_end  # off by default


def test_detect_hears_through_the_configured_front_end(tmp_path, wake_command):
    """`earmuff detect` scores a file as the listener would hear it: through the front end when it is on."""
    wav = speech.write(tmp_path / "in.wav", noisy_command(wake_command))
    scores = {}
    for level in (0, 4):
        config = tmp_path / f"ns{level}.toml"
        config.write_text(f"[audio]\nnoise_suppression = {level}\n[wake]\nverifier = false\nthreshold = 0.0001\n")
        done = subprocess.run([sys.executable, "-m", "device", "detect", "--config", str(config), str(wav)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        scores[level] = [line for line in done.stdout.splitlines() if '"hey_jarvis"' in line]
    assert scores[0] and scores[4] and scores[0] != scores[4]
