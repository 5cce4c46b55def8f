"""What a newcomer tripped over (issue 27): items 3, 10, 11 and 13, one or more tests each."""

import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.test_first_hour import fake_setup_tree

ROOT = Path(__file__).resolve().parent.parent
WAITING = "setup: waiting for another apt to finish (unattended-upgrades?) ..."

# -- 3. scripts/setup waits for another apt's lock --------------------------------------------

# apt as it answers while unattended-upgrades holds the dpkg lock. FAKE_APT_LOCK=honours: an apt that
# waits for the lock when given DPkg::Lock::Timeout (bookworm's); =ignores: one that knows no such option
# and fails while the lock is held, which it is for the first FAKE_APT_BUSY calls (0: for ever).
FAKE_LOCKED_APT = r"""
echo "$*" >> "$FAKE_APT_CALLS"
wait=0
for a in "$@"; do case "$a" in DPkg::Lock::Timeout=*) wait=${a#*=} ;; esac; done
n=$(($(wc -l < "$FAKE_APT_CALLS")))
if [ "$FAKE_APT_LOCK" = honours ] && [ "$wait" -gt 0 ]; then
  sleep 1  # the other apt finishes meanwhile
elif [ "$FAKE_APT_BUSY" = 0 ] || [ "$n" -le "$FAKE_APT_BUSY" ]; then
  echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)" >&2
  echo "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?" >&2
  exit 100
fi
echo "Selecting previously unselected package espeak-ng."
"""


def locked_apt_setup(tmp_path, lock: str, busy: int, wait: str | None = None, *args: str):
    tree, bin_dir = fake_setup_tree(tmp_path)
    (bin_dir / "apt-get").write_text("#!/bin/sh\n" + FAKE_LOCKED_APT)
    calls = tmp_path / "apt-calls"
    calls.touch()
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", PYTHON=str(bin_dir / "noisy-python"),
               FAKE_APT_CALLS=str(calls), FAKE_APT_LOCK=lock, FAKE_APT_BUSY=str(busy))
    env.pop("EARMUFF_APT_LOCK_WAIT", None)
    if wait is not None:
        env["EARMUFF_APT_LOCK_WAIT"] = wait
    started = time.monotonic()
    proc = subprocess.run(["bash", str(tree / "scripts" / "setup"), *args], capture_output=True, text=True,
                          env=env, timeout=120)
    return proc, calls.read_text().splitlines(), time.monotonic() - started


def lock_timeouts(calls: list[str]) -> list[int]:
    return [int(a.split("=", 1)[1]) for call in calls for a in call.split() if a.startswith("DPkg::Lock::Timeout=")]


def test_setup_waits_for_an_apt_that_holds_the_dpkg_lock(tmp_path):
    proc, calls, _ = locked_apt_setup(tmp_path, "honours", busy=0)
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said
    assert said.count(WAITING) == 1 and "setup: done" in said
    assert "Could not get lock" not in said  # apt's own complaint stays in the quiet log
    # apt itself waits, for what is left of the 10 minutes; update and install both
    assert len(calls) == 4 and any(c.startswith("-o DPkg::Lock::Timeout=0 update") for c in calls)
    waited = [t for t in lock_timeouts(calls) if t > 0]
    assert len(waited) == 2 and all(590 <= t <= 600 for t in waited), calls
    assert any("install -y" in c for c in calls[-2:])


def test_setup_waits_for_the_lock_with_an_apt_that_cannot(tmp_path):
    """An apt without DPkg::Lock::Timeout fails at once while the lock is held: setup asks again."""
    proc, calls, _ = locked_apt_setup(tmp_path, "ignores", busy=3, wait="30")
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said
    assert said.count(WAITING) == 1 and "setup: done" in said
    assert len(calls) == 5 and all(t <= 30 for t in lock_timeouts(calls))


def test_setup_gives_up_on_the_lock_after_the_limit(tmp_path):
    proc, calls, took = locked_apt_setup(tmp_path, "ignores", busy=0, wait="3")
    assert proc.returncode != 0
    assert WAITING in proc.stdout and 3 <= took < 30
    assert "EARMUFF_APT_LOCK_WAIT" in proc.stderr and "Could not get lock" in proc.stderr  # why, and the log
    assert len(calls) >= 2


def test_setup_without_a_lock_says_nothing_of_waiting(tmp_path):
    proc, calls, _ = locked_apt_setup(tmp_path, "ignores", busy=-1)
    assert proc.returncode == 0, proc.stderr
    assert "waiting" not in proc.stdout + proc.stderr and len(calls) == 2


def test_setup_verbose_waits_too(tmp_path):
    proc, calls, _ = locked_apt_setup(tmp_path, "honours", 0, None, "-v")
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said
    assert said.count(WAITING) == 1 and "Selecting previously unselected" in said


# -- 10. scripts/install under DESTDIR says the paths it wrote ---------------------------------------


def fake_python(tmp_path) -> Path:
    """A stand-in for python3 that makes an empty venv and installs nothing, so install runs in a second."""
    python = tmp_path / "fake-python"
    python.write_text('#!/bin/sh\nif [ "$1 $2" = "-m venv" ]; then for v; do :; done; mkdir -p "$v/bin"; '
                      'cp "$0" "$v/bin/python"; fi\n')
    python.chmod(0o755)
    return python


def test_install_into_a_destdir_prints_the_config_path_it_wrote(tmp_path):
    root = tmp_path / "x"
    env = dict(os.environ, DESTDIR=str(root), EARMUFF_PYTHON=str(fake_python(tmp_path)), SKIP_MODELS="1")
    run = lambda: subprocess.run(["bash", str(ROOT / "scripts" / "install")], env=env, capture_output=True,  # noqa: E731
                                 text=True, timeout=120)
    first = run()
    assert first.returncode == 0, first.stderr
    written = root / "etc/earmuff/earmuff.toml"
    assert written.is_file()
    assert f"install: wrote {written}\n" in first.stdout
    assert "wrote /etc/earmuff" not in first.stdout
    written.write_text(written.read_text() + "# the owner's\n")
    second = run()
    assert second.returncode == 0, second.stderr
    assert f"install: kept your {written}; the new defaults are in {written}.dist" in second.stdout
    assert (root / "etc/earmuff/earmuff.toml.dist").is_file()


# -- 11. WAV input: 1-8 channels, as the docs say ---------------------------------------------------


def test_a_wav_of_nine_channels_is_refused_naming_the_file_and_the_limit(tmp_path):
    import soundfile

    from device.listener.audio import AudioError, WavSource, read_wav

    path = tmp_path / "nine.wav"
    soundfile.write(str(path), np.zeros((1600, 9), np.int16), 16000, subtype="PCM_16")
    assert soundfile.info(str(path)).channels == 9  # a real 9-channel WAV
    for opened in (lambda: WavSource(path), lambda: read_wav(path)):
        with pytest.raises(AudioError, match=r"nine\.wav: 9 channels; earmuff reads WAV files of 1 to 8 channels"):
            opened()
    eight = tmp_path / "eight.wav"
    soundfile.write(str(eight), np.zeros((1600, 8), np.int16), 16000, subtype="PCM_16")
    assert WavSource(eight).channels == 8 and len(read_wav(eight))


def test_a_wav_of_nine_channels_is_refused_by_the_command(tmp_path):
    import wave

    path = tmp_path / "nine.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(9)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros((1600, 9), "<i2").tobytes())
    proc = subprocess.run([sys.executable, "-m", "device", "detect", str(path)], capture_output=True, text=True,
                          timeout=120, env={k: v for k, v in os.environ.items() if k != "EARMUFF_CONFIG"})
    assert proc.returncode == 1, proc.stderr
    assert f"earmuff detect: {path}: 9 channels; earmuff reads WAV files of 1 to 8 channels" in proc.stderr


def test_a_wav_of_no_channels_is_refused(tmp_path):
    from device.listener.audio import AudioError, WavSource

    path = tmp_path / "none.wav"
    fmt = struct.pack("<HHIIHH", 1, 0, 16000, 0, 0, 16)  # PCM, 0 channels
    data = b"\0" * 320
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE"
                     + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data)
    with pytest.raises(AudioError, match=r"none\.wav: "):
        WavSource(path)


# -- 13. Redaction: a possessive stays outside the placeholder; U+FFFD carries no context ------------

_REDACTOR = []


def redactor():
    from device.redact import Redactor

    if not _REDACTOR:
        _REDACTOR.append(Redactor())
    return _REDACTOR[0]


@pytest.mark.parametrize("text, want, names, tokens", [
    ("jennifer's birthday is next week", "[PERSON]'s birthday is next week", ["jennifer"], [0]),
    ("remind me about grace okafor's party", "remind me about [PERSON]'s party", ["grace okafor"], [3, 4]),
    ("is jennifer's car here", "is [PERSON]'s car here", ["jennifer"], [1]),
    ("Jennifer's, birthday", "[PERSON]'s, birthday", ["Jennifer"], [0]),
])
def test_a_possessive_stays_outside_the_placeholder(text, want, names, tokens):
    r = redactor().redact(text)
    assert r.text == want
    assert [text[s.start:s.end] for s in r.spans] == names  # the span is the name, not its "'s"
    assert r.word_indices == tokens
    assert redactor().redact(r.text).text == r.text  # idempotent
    assert not redactor().redact(r.text).spans


def test_a_possessive_in_vosk_words():
    words = [{"word": w, "start": i * 0.5, "end": i * 0.5 + 0.4}
             for i, w in enumerate("jennifer's birthday is next week".split())]
    r = redactor().redact(words)
    assert r.text == "[PERSON]'s birthday is next week"
    assert r.spans[0].start == 0 and r.spans[0].end == len("jennifer")
    assert r.word_indices == [0] and r.word_times == [(0.0, 0.4)]  # the whole word is muted in audio


def test_the_uplink_takes_a_possessive_placeholder():
    from device.uplink.gate import Gate
    from device.uplink.protocol import Refused, clean_text

    text = "[PERSON]'s birthday is next week"  # what the listener now hands over
    assert clean_text(text) == text
    assert Gate(redactor(), []).check({"text": text}).ok
    for bad in ("[PERSON]'t", "[PERSON]'s's", "[PERSON]s", "[NOBODY]'s", "[PERSON]'S"):
        with pytest.raises(Refused):
            clean_text(bad + " birthday")


def test_possessives_keep_spans_in_range_and_redaction_idempotent():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    words = ("jennifer's olivia's john's smith's mary grace okafor's [PERSON]'s [PERSON] birthday party call "
             "text my name is it's what's the car phone number five five one two three four's at dot com "
             "\ufffd \ufffd\ufffd bad bytes JENNIFER'S jennifer's\ufffd \ufffdjohn (olivia's), dot").split()

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(words), max_size=20).map(" ".join))
    def check(text):
        r = redactor().redact(text)
        last = -1
        for span in r.spans:
            assert 0 <= span.start < span.end <= len(text) and span.start >= last
            assert not text[span.start:span.end].endswith("'s")
            last = span.end
        assert redactor().redact(r.text).text == r.text

    check()


@pytest.mark.parametrize("text, clean", [
    ("\ufffd\ufffd bad bytes", "bad bytes"),
    ("bad \ufffd bytes", "bad bytes"),
    ("set a timer \ufffd for ten minutes", "set a timer for ten minutes"),
    ("call \ufffd\ufffd john", "call john"),
])
def test_replacement_characters_carry_no_context(text, clean):
    r, plain = redactor().redact(text), redactor().redact(clean)
    assert [s.label for s in r.spans] == [s.label for s in plain.spans]
    assert r.text.replace("\ufffd", "").split() == plain.text.split()  # the same words redacted, the same kept
    assert redactor().redact(r.text).text == r.text


def earmuff_redact(stdin: bytes) -> subprocess.CompletedProcess:
    """`earmuff redact` as a person runs it, standard input as bytes."""
    command = Path(sys.executable).parent / "earmuff"
    argv = [str(command)] if command.exists() else [sys.executable, "-m", "device"]
    return subprocess.run([*argv, "redact"], input=stdin, capture_output=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "EARMUFF_CONFIG"})


def test_invalid_utf8_on_standard_input_is_not_a_name():
    proc = earmuff_redact(b"\xff\xfe bad bytes\n\xffjennifer's birthday is next week\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert out[0] == {"text": "\ufffd\ufffd bad bytes", "spans": []}
    assert out[1]["text"] == "[PERSON]'s birthday is next week"
