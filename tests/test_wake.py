import json
import subprocess
import sys

import numpy as np
import pytest

from device.config import CALIBRATED, WakeSettings, WakeTuning
from device.listener.audio import FRAME_SAMPLES
from device.listener.wake import (
    VerifiedRule,
    WakeDetector,
    WakeError,
    WakeRule,
    builtin_models,
    resolve_model,
)
from tests import speech


def frames_of(audio: np.ndarray):
    n = len(audio) // FRAME_SAMPLES
    return [audio[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES] for i in range(n)]


def run(detector: WakeDetector, audio: np.ndarray):
    return [d for frame in frames_of(audio) for d in detector.process(frame)]


def test_builtin_models_come_from_the_wheel():
    models = builtin_models()
    for name in ("alexa", "hey_jarvis", "hey_mycroft"):
        assert models[name].is_file()
    assert "silero_vad" not in models and "embedding_model" not in models


def test_model_names_and_paths(tmp_path):
    name, path = resolve_model("alexa")
    assert name == "alexa" and path.suffix == ".onnx"
    assert resolve_model(str(path)) == ("alexa_v0.1", path)
    with pytest.raises(WakeError, match="unknown wake word 'hey_siri'.*hey_jarvis"):
        resolve_model("hey_siri")
    with pytest.raises(WakeError, match="no such file"):
        resolve_model(str(tmp_path / "mine.onnx"))


def test_rule_patience_and_refractory():
    rule = WakeRule(threshold=0.5, patience=3, refractory_s=0.8)  # 10 frames
    scores = [0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    fired = [i for i, s in enumerate(scores) if rule.update(i, s)]
    # Needs 3 in a row (frames 3,4,5); then quiet for 10 frames (until 15), then 3 more in a row.
    assert fired == [5, 15]


def test_no_default_rule_is_stricter_than_raw_openwakeword():
    """A wake rule with threshold <= 0.5 and patience 1 wakes wherever raw openWakeWord (0.5) does."""
    assert set(CALIBRATED) == set(builtin_models())
    for word in CALIBRATED:
        threshold, patience, _ = WakeSettings().for_model(word)
        assert threshold <= 0.5 and patience == 1, word


def test_verified_rule_lets_confident_base_scores_wake_and_the_verifier_add_wakes():
    """Base scores at or over `confident` wake whatever the verifier says; below it, only the verifier's rule."""
    def verified(confident):
        return VerifiedRule(WakeRule(0.5, 1, 0.4), WakeRule(0.9, 2, 0.4), confident)  # refractory: 5 frames

    # (base, verifier) per frame: a confident take the verifier turns away, a quiet take it accepts
    # (two frames, its patience), a near miss both turn away, and a take in the band 0.5-0.8.
    frames = [(0.7, 0.1), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0),
              (0.3, 0.95), (0.3, 0.95), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0),
              (0.45, 0.2), (0.0, 0.0), (0.9, 0.2)]
    rule = verified(confident=0.5)  # the default: the word's own threshold
    assert [i for i, (b, v) in enumerate(frames) if rule.update(i, b, v)] == [0, 7, 14]
    assert rule.woken_by == "base"
    band = verified(confident=0.8)  # the verifier judges base scores under 0.8
    assert [i for i, (b, v) in enumerate(frames) if band.update(i, b, v)] == [7, 14]
    assert band.woken_by == "base"
    judge_all = verified(confident=1.01)
    assert [i for i, (b, v) in enumerate(frames) if judge_all.update(i, b, v)] == [7]


def test_verified_rule_wakes_once_when_both_rules_would():
    rule = VerifiedRule(WakeRule(0.5, 1, 0.8), WakeRule(0.9, 1, 0.8), 0.5)
    fired = [i for i in range(12) if rule.update(i, 0.8, 0.95 if i > 0 else 0.1)]
    assert fired == [0, 10]  # the verifier's frame 1 falls in the quiet time the base wake started


def test_rule_vad_gate():
    rule = WakeRule(threshold=0.5, patience=1, refractory_s=0)
    assert not rule.update(0, 0.99, voiced=False)
    assert rule.update(1, 0.99, voiced=True)


def test_detects_hey_jarvis_in_speech_and_not_elsewhere(wake_command, no_wake_speech):
    detector = WakeDetector(WakeSettings())
    detections = run(detector, wake_command)
    assert [d.wakeword for d in detections] == ["hey_jarvis"]
    wake_end = 1.0 + speech.spoken_seconds(speech.say("hey jarvis"))
    assert wake_end - 0.3 <= detections[0].time <= wake_end + 0.6
    detector.restart()
    assert run(detector, no_wake_speech) == []


def test_several_models_at_once_with_per_model_tuning():
    # Tuning acts on the base scores, so without the verifier (with it, the verifier's threshold decides).
    settings = WakeSettings(models=("alexa", "hey_jarvis"), tuning={"alexa": WakeTuning(threshold=0.3)}, verifier=False)
    detector = WakeDetector(settings)
    assert detector.rules["alexa"].threshold == 0.3 and detector.rules["hey_jarvis"].threshold == 0.5
    audio = speech.concat(speech.silence(0.5), speech.say("alexa"), speech.silence(2.0),
                          speech.say("hey jarvis"), speech.silence(1.0))
    assert [d.wakeword for d in run(detector, audio)] == ["alexa", "hey_jarvis"]


def test_vad_gate_still_passes_real_speech(wake_command):
    detector = WakeDetector(WakeSettings(vad_threshold=0.5))
    assert [d.wakeword for d in run(detector, wake_command)] == ["hey_jarvis"]


def test_restart_makes_runs_independent(wake_command):
    detector = WakeDetector(WakeSettings())
    first = run(detector, wake_command)
    detector.restart()
    assert run(detector, wake_command) == first


def test_frames_must_be_80ms():
    detector = WakeDetector(WakeSettings())
    with pytest.raises(ValueError, match="1280"):
        detector.process(np.zeros(1000, np.int16))


def test_detect_command_prints_json_lines(tmp_path, wake_command, no_wake_speech):
    wake = speech.write(tmp_path / "wake.wav", wake_command, rate=44100, channels=2)
    quiet = speech.write(tmp_path / "quiet.wav", no_wake_speech)
    proc = subprocess.run(
        [sys.executable, "-m", "device", "detect", "--wakeword", "hey_jarvis", "--wakeword", "alexa",
         str(quiet), str(tmp_path / "absent.wav"), str(wake)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1  # one file was missing; the others were still processed
    assert "absent.wav: no such file" in proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == 1
    hit = lines[0]
    assert set(hit) == {"file", "wakeword", "time", "score"}
    assert hit["file"] == str(wake) and hit["wakeword"] == "hey_jarvis"
    assert 1.0 < hit["time"] < 3.0 and 0.5 <= hit["score"] <= 1.0


def test_multiclass_intent_model_is_refused():
    import openwakeword

    with pytest.raises(WakeError, match="multi-class"):
        WakeDetector(WakeSettings(models=(openwakeword.models["timer"]["model_path"],)))


def test_a_file_that_is_not_a_model_is_refused_clearly(tmp_path):
    bad = tmp_path / "mine.onnx"
    bad.write_bytes(b"not an onnx model")
    with pytest.raises(WakeError, match="cannot load wake word models"):
        WakeDetector(WakeSettings(models=(str(bad),)))


def test_models_are_found_without_importing_openwakeword(monkeypatch):
    import importlib.util

    monkeypatch.delitem(sys.modules, "openwakeword", raising=False)
    assert builtin_models()["hey_jarvis"].name == "hey_jarvis_v0.1.onnx"
    assert "openwakeword" not in sys.modules
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(WakeError, match=r"openwakeword is not installed.*pip install openwakeword==0.4.0"):
        builtin_models()
