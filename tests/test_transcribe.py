"""Real Vosk decoding with the small Korean model from PyPI (no English model can be fetched here).

English speech through a Korean model gives Korean words, so these tests check
structure and timing, not the words themselves.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

from device.config import TranscribeSettings
from device.listener.audio import FRAME_SAMPLES
from device.listener.transcribe import TranscribeError, Transcriber
from tests import speech


@pytest.fixture(scope="module")
def transcriber(ko_model):
    return Transcriber(ko_model, TranscribeSettings())


def feed(utterance, audio):
    n = len(audio) // FRAME_SAMPLES
    for i in range(n):
        if utterance.feed(audio[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]):
            break
    return utterance.finish()


def check_words(words, duration):
    assert words
    for w in words:
        assert w.word and 0 <= w.start <= w.end <= duration + 0.1 and 0 <= w.conf <= 1
    starts = [w.start for w in words]
    assert starts == sorted(starts)


def test_whole_file_has_words_with_increasing_timestamps(transcriber):
    audio = speech.concat(speech.silence(0.5), speech.say("turn on the kitchen lights please"),
                          speech.silence(0.5))
    t = transcriber.transcribe(audio)
    check_words(t.words, len(audio) / 16000)
    assert t.words[0].start >= 0.3  # nothing recognised in the leading silence
    assert t.text == " ".join(w.word for w in t.words)


def test_endpoint_after_trailing_silence(transcriber):
    command = speech.say("set a timer for ten minutes")
    audio = speech.concat(command, speech.silence(5.0))
    t = feed(transcriber.utterance(), audio)
    assert t.reason == "silence"
    spoken = np.nonzero(np.abs(command) > 300)[0][-1] / 16000  # espeak pads its clips with silence
    # Ends about 700 ms after the speech, not at the end of the audio.
    assert spoken + 0.5 <= t.duration <= spoken + 1.2, (spoken, t.duration)
    check_words(t.words, t.duration)


def test_shorter_silence_setting_ends_sooner(ko_model):
    command = speech.say("set a timer for ten minutes")
    audio = speech.concat(command, speech.silence(5.0))
    quick = Transcriber(ko_model, TranscribeSettings(trailing_silence_ms=300))
    slow = Transcriber(ko_model, TranscribeSettings(trailing_silence_ms=1500))
    assert feed(quick.utterance(), audio).duration + 0.8 < feed(slow.utterance(), audio).duration


def test_no_speech_timeout(ko_model):
    t = feed(Transcriber(ko_model, TranscribeSettings(no_speech_timeout_s=1.5)).utterance(),
             speech.concat(speech.noise(4.0, level=0.003)))
    assert t.reason == "no_speech" and t.words == []
    assert t.duration == pytest.approx(1.52, abs=0.1)


def test_maximum_length(ko_model):
    talk = speech.say("one two three four five six seven eight nine ten eleven twelve thirteen fourteen")
    t = feed(Transcriber(ko_model, TranscribeSettings(max_utterance_s=2.0)).utterance(), talk)
    assert t.reason == "max_length" and t.duration == pytest.approx(2.0, abs=0.09)
    assert t.words


def test_feeding_after_the_end_changes_nothing(transcriber):
    u = transcriber.utterance()
    t = feed(u, speech.concat(speech.say("hello"), speech.silence(2.0)))
    assert u.feed(np.zeros(FRAME_SAMPLES, np.int16)) == t.reason


def test_missing_or_broken_model_names_fetch_models(tmp_path):
    with pytest.raises(TranscribeError, match="not found.*scripts/fetch-models"):
        Transcriber(tmp_path / "vosk-model-small-en-us-0.15")
    broken = tmp_path / "broken"
    (broken / "am").mkdir(parents=True)
    (broken / "conf").mkdir()
    (broken / "am" / "final.mdl").write_bytes(b"garbage")
    (broken / "conf" / "model.conf").write_text("--beam=10\n")
    with pytest.raises(TranscribeError, match="could not load.*scripts/fetch-models"):
        Transcriber(broken)
    with pytest.raises(TranscribeError, match="not a complete Vosk model"):
        Transcriber(tmp_path)


def test_transcribe_command(tmp_path, ko_model):
    wav = speech.write(tmp_path / "c.wav", speech.concat(speech.say("what time is it"), speech.silence(0.5)),
                       rate=22050)
    proc = subprocess.run([sys.executable, "-m", "device", "transcribe", "--model", str(ko_model), str(wav)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.splitlines()
    out = json.loads(line)
    assert set(out) == {"file", "text", "words"} and out["file"] == str(wav)
    assert out["text"] == " ".join(w["word"] for w in out["words"])
    assert all(set(w) == {"word", "start", "end", "conf"} for w in out["words"])


def test_transcribe_command_without_model(tmp_path):
    config = tmp_path / "e.toml"
    config.write_text(f'[paths]\nmodels_dir = "{tmp_path}"\n')
    proc = subprocess.run([sys.executable, "-m", "device", "transcribe", "--config", str(config), "x.wav"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 78
    assert "Vosk model not found" in proc.stderr and "scripts/fetch-models" in proc.stderr
