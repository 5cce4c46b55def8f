"""Household enrolment with a synthesized household member (an espeak-ng voice)."""

import subprocess
import sys

import numpy as np
import pytest

from device import config as cfg
from device.listener import service as listener
from device.listener.enroll import EnrollError, as_heard, enroll, enrolled, remove, train_personal
from device.listener.verifier import Verifier, VerifierGroup, builtin_verifier, describe
from device.listener.wake import WakeDetector
from tests import speech

VOICE = "en-gb-x-gbcwmd+grandma"
TALK = ["could you pass the salt please", "the kids are at school until three",
        "did you feed the cat this morning", "we need to call the plumber about the sink",
        "let's have pasta for dinner tonight", "where did I leave my keys"]


def takes(n: int) -> list[np.ndarray]:
    return [speech.say("hey jarvis", VOICE, speed=130 + 12 * k, pitch=40 + 4 * k) for k in range(n)]


def talk() -> np.ndarray:
    parts = [speech.say(t, VOICE, speed=150) for t in TALK * 3]
    return speech.concat(*[p for part in parts for p in (part, speech.silence(0.4))])


def make_config(tmp_path, source: str | None = None, **sections) -> cfg.Config:
    d = {"paths": {"state_dir": str(tmp_path / "state")}, **sections}
    if source:
        d["audio"] = {"source": source}
    return cfg.from_dict(d, tmp_path / "earmuff.toml")


def test_enrol_from_files_list_and_remove(tmp_path, ko_model):
    files = [str(speech.write(tmp_path / f"take{k}.wav", t)) for k, t in enumerate(takes(6))]
    chat = str(speech.write(tmp_path / "talk.wav", talk()))
    config = make_config(tmp_path, transcribe={"model": str(ko_model)})
    shown = listener.build(config).status()["wake"]["hey_jarvis"]
    assert shown["verifier"] == "shipped"
    shipped = Verifier.load(builtin_verifier("hey_jarvis"))  # what decides, not the base model's rule
    assert (shown["verifier_threshold"], shown["verifier_patience"]) == (shipped.threshold, shipped.patience)
    assert shown["verifier_confident"] == shown["threshold"] == 0.5  # under the base threshold only
    keener = make_config(tmp_path, transcribe={"model": str(ko_model)}, wake={"verifier_threshold": 0.9})
    assert listener.build(keener).status()["wake"]["hey_jarvis"]["verifier_threshold"] == 0.9
    path = enroll(config, "hey_jarvis", "gran", files, talk_files=[chat], say=lambda s: None)
    assert path == tmp_path / "state" / "verifiers" / "hey_jarvis" / "gran.npz"
    [(word, person, info)] = enrolled(config.paths.state_dir)
    assert (word, person, info["takes"]) == ("hey_jarvis", "gran", "6")

    detector = WakeDetector(config.wake, state_dir=config.paths.state_dir)
    group = detector.verifiers["hey_jarvis"]
    assert isinstance(group, VerifierGroup) and describe(group) == "shipped + enrolled: gran"
    # `earmuff status` (the listener's status) says a personal verifier is active.
    assert listener.build(config).status()["wake"]["hey_jarvis"]["verifier"] == "shipped + enrolled: gran"
    # Her other takes (not enrolled) wake it.
    for take in [speech.say("hey jarvis", VOICE, speed=150, pitch=50), speech.say("hey jarvis", VOICE, speed=175)]:
        detector.restart()
        audio = speech.concat(speech.silence(1.0), take, speech.silence(1.5))
        found = [d for i in range(len(audio) // 1280) for d in detector.process(audio[i * 1280:(i + 1) * 1280])]
        assert [d.wakeword for d in found] == ["hey_jarvis"]

    assert remove(config.paths.state_dir, "gran") == [path] and not path.exists()
    assert enrolled(config.paths.state_dir) == []


def test_enrol_from_the_configured_source(tmp_path):
    """No files: the takes and the talk are recorded from the audio source (here a WAV playing as the mic)."""
    parts = []
    for take in takes(4):
        parts += [speech.silence(0.5), take, speech.silence(3.0 - 0.5 - len(take) / 16000)]
    recording = speech.write(tmp_path / "mic.wav", speech.concat(*parts, talk()))
    config = make_config(tmp_path, f"file:{recording}")
    lines = []
    path = enroll(config, "hey_jarvis", "ann", count=4, talk_seconds=30, say=lines.append)
    assert path.exists()
    assert lines[0] == "take 1 of 4: say the wake word (hey_jarvis) now" and "enrolled ann" in lines[-1]


def test_enrolment_hears_through_the_configured_noise_front_end(tmp_path):
    """With [audio] noise suppression on, the personal verifier learns from audio as the listener hears it."""
    clips = takes(3)
    off = make_config(tmp_path)
    assert as_heard(off.audio, clips) is clips
    on = make_config(tmp_path, audio={"noise_suppression": 3})
    heard = as_heard(on.audio, clips)
    for before, after in zip(clips, heard, strict=True):
        assert len(after) == len(before) // 160 * 160 and not np.array_equal(after, before[:len(after)])
    files = [str(speech.write(tmp_path / f"take{k}.wav", t)) for k, t in enumerate(takes(4))]
    chat = str(speech.write(tmp_path / "talk.wav", talk()))
    assert enroll(on, "hey_jarvis", "ann", files, talk_files=[chat], say=lambda s: None).exists()


def test_enrolment_refuses_what_it_cannot_learn_from(tmp_path):
    detector = WakeDetector(make_config(tmp_path).wake, models=["hey_jarvis"], verifiers={})
    with pytest.raises(EnrollError, match="at least 3"):
        train_personal(detector, takes(2), [talk()], "ann")
    silent = [speech.silence(2.0)] * 4
    with pytest.raises(EnrollError, match="hold the wake word"):
        train_personal(detector, silent, [talk()], "ann", say=lambda s: None)


def test_enroll_command(tmp_path):
    files = [str(speech.write(tmp_path / f"take{k}.wav", t)) for k, t in enumerate(takes(5))]
    chat = str(speech.write(tmp_path / "talk.wav", talk()))
    config = tmp_path / "earmuff.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path}/state"\n')
    run = lambda *a: subprocess.run([sys.executable, "-m", "device", "enroll", "--config", str(config), *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    done = run("--name", "gran", "--talk", chat, *files)
    assert done.returncode == 0, done.stderr
    assert "enrolled gran for hey_jarvis from 5 takes" in done.stdout
    listed = run("--list")
    assert listed.returncode == 0 and listed.stdout.startswith("hey_jarvis     gran")
    bad = run("--name", "../etc", "--talk", chat, *files)
    assert bad.returncode == 1 and "use 1-40 letters" in bad.stderr
    nomic = run("--name", "bo", "--count", "3", "--talk", chat)
    assert nomic.returncode == 1 and "no microphone?" in nomic.stderr
    missing = run("--name", "bo", "--talk", chat, str(tmp_path / "absent.wav"))
    assert missing.returncode == 1 and "absent.wav: no such file" in missing.stderr
    assert run("--remove", "gran").returncode == 0
    gone = run("--remove", "gran")
    assert gone.returncode == 1 and "not enrolled" in gone.stderr
    assert "nobody is enrolled" in run("--list").stdout


def test_coloured_noise_has_its_colour():
    """Enrolment's noisy copies (and the benchmarks' corpora) use white, pink and brown noise of unit RMS."""
    from device.listener import noise

    low_share = {}
    for kind in noise.COLOURS:
        x = noise.coloured(kind, 32000, np.random.default_rng(1))
        assert x.dtype == np.float32 and abs(np.sqrt(np.mean(x.astype(np.float64) ** 2)) - 1) < 1e-3
        power = np.abs(np.fft.rfft(x)) ** 2
        f = np.fft.rfftfreq(len(x), 1 / 16000)
        low_share[kind] = power[f < 500].sum() / power.sum()
    assert 0.04 < low_share["white"] < 0.08 < low_share["pink"] < low_share["brown"]
    with pytest.raises(ValueError, match="one of white, pink, brown"):
        noise.coloured("purple", 10, np.random.default_rng(0))
