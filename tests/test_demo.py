import io
import logging
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from device.owner.demo import NO_MODEL_NOTICE, Screen, ScreenLog

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*[mK]")


def demo(tmp_path, *args, env=None, stdout=subprocess.PIPE, run=subprocess.run):
    """`earmuff demo` as a person runs it from a checkout, with a models_dir that holds no English model."""
    (tmp_path / "tmp").mkdir(exist_ok=True)
    config = tmp_path / "earmuff.toml"
    config.write_text(f'[paths]\nmodels_dir = "{tmp_path}/models"\nstate_dir = "{tmp_path}/s"\n'
                      f'runtime_dir = "{tmp_path}/r"\n')
    extra = env or {}
    env = dict(os.environ, HOME=str(tmp_path), TMPDIR=str(tmp_path / "tmp"), PYTHONPATH=str(ROOT))
    env.pop("NO_COLOR", None)
    env.update(extra)
    return run([sys.executable, "-m", "device", "demo", "--config", str(config), *args],
               stdout=stdout, stderr=subprocess.DEVNULL if run is subprocess.Popen else subprocess.PIPE,
               env=env, cwd=tmp_path, **({} if run is subprocess.Popen else {"timeout": 300}))


def assert_the_ring_is_exact(out: str) -> None:
    """Issue 27: at any speed, every ring change shows, in order, at the moment it happened: a wake
    turns it to listening, the end of speech to thinking before the utterance is reported, and every
    send is drawn as sending before the uplink reports it sent."""
    timed = [m.group(1) for line in out.split("What was said")[0].splitlines()
             if (m := re.match(r"\s*[\d.]+ s  (.*)$", line))]
    events = [t.split()[0].rstrip(":") if not t.startswith("ring: ") else t for t in timed]
    rings = [e for e in events if e.startswith("ring: ")]
    assert len(rings) > 8 and all(a != b for a, b in zip(rings, rings[1:], strict=False)), timed
    last_ring, previous, sent_since_utterance = None, None, False
    for event in events:
        if event == "wake":
            assert last_ring == "ring: idle", timed
        elif event == "utterance":
            assert last_ring == "ring: thinking", timed
            sent_since_utterance = False
        elif event == "uplink":  # reported once the send is over: the light was on for it
            assert sent_since_utterance, timed
        elif event.startswith("ring: "):
            if event == "ring: listening":
                assert previous == "wake", timed
            sent_since_utterance |= event == "ring: sending"
            last_ring = event
        previous = event


def test_offline_demo_shows_the_whole_path_from_speech_to_the_audit_log(tmp_path):
    proc = demo(tmp_path, "--fast")
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, out + err
    # Said so, in one line: the transcripts are the script's, everything else is real.
    assert out.count(NO_MODEL_NOTICE) == 1
    # The real wake detector heard the four wake words on the synthesized audio.
    assert len(re.findall(r"wake word hey_jarvis \(score", out)) == 4
    # What was said beside what left: identifiers redacted by the listener, and the rest kept.
    assert "hey jarvis, call olivia at five five five one two three four\n    -> call [PERSON] at [PHONE]" in out
    assert "    -> remind me that the door code is [PIN]" in out
    assert "olivia" not in out.split("What was said")[0]  # no raw identifier on screen before the table
    assert out.count("never transcribed, never sent") == 2
    # The uplink's gate, light and file sink delivered them, and the audit log says so.
    assert out.count("ring: sending") >= 1 and out.count("uplink: file sent") == 4
    audit = out.split("The audit log")[1]
    # Korean transcripts may hold characters with a numeric value (Hanja numerals): the uplink's
    # gate refuses those rather than send them. Each utterance is either sent or refused.
    sent, refused = audit.count("sent     file"), audit.count("refused")
    assert audit.count("sending  file") == sent and sent + refused == 4 and sent >= 1, audit
    assert "'call [PERSON] at [PHONE]'  (redacted: 1 PERSON, 1 PHONE)" in audit
    # Not a terminal: plain lines only, one per ring change, nothing glued on.
    assert "\x1b" not in out and "\r" not in out
    assert all(line.count("ring:") <= 1 for line in out.splitlines())
    assert_the_ring_is_exact(out)
    assert "Traceback" not in err and "control group" not in out + err
    assert not list((tmp_path / "tmp").glob("earmuff-demo-*"))  # its temporary folder is gone


def _on_a_terminal(tmp_path, *args, env=None) -> str:
    leader, follower = pty.openpty()
    proc = demo(tmp_path, "--fast", *args, env=env, stdout=follower, run=subprocess.Popen)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=300) == 0
    return b"".join(chunks).decode()


@pytest.mark.slow
def test_on_a_terminal_the_ring_is_animated_and_no_color_is_honoured(tmp_path):
    coloured = _on_a_terminal(tmp_path)
    assert "\x1b[38;2;" in coloured and "\r  ring  " in coloured
    for args, env in ((("--no-color",), None), ((), {"NO_COLOR": "1"})):
        plain = _on_a_terminal(tmp_path, *args, env=env)
        assert "\r  ring  " in plain and "\x1b[38;2;" not in plain and "\x1b[1m" not in plain
        assert NO_MODEL_NOTICE in plain


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _as_seen(written: str) -> list[str]:
    """What a terminal shows: each carriage return starts the line over, ESC[K clears the rest."""
    lines = []
    for line in written.split("\n"):
        lines.append(ANSI.sub("", line.split("\r")[-1]))
    return lines


def test_log_lines_never_glue_onto_the_ring_line():
    terminal = _Terminal()
    screen = Screen(terminal, color=False)
    log = logging.getLogger("test-demo-screen")
    log.addHandler(ScreenLog(screen))
    log.propagate = False
    screen.ring("  ring  \u25cf \u25cf listening")
    log.warning("microphone lost")
    screen.ring("  ring  \u25cf \u25cf thinking")
    screen.say("utterance: 6 words")
    screen.end_ring()
    shown = _as_seen(terminal.getvalue())
    assert shown == ["         warning: microphone lost", "utterance: 6 words", "  ring  \u25cf \u25cf thinking", ""]


@pytest.mark.slow
def test_demo_end_to_end_with_a_real_vosk_model(tmp_path, ko_model):
    proc = demo(tmp_path, "--fast", "--model", str(ko_model))
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    assert NO_MODEL_NOTICE not in out and f"transcripts: Vosk, {ko_model}" in out
    assert out.count("Vosk heard:") == 4
    audit = out.split("The audit log")[1]
    # Korean transcripts may hold characters with a numeric value (Hanja numerals): the uplink's
    # gate refuses those rather than send them. Each utterance is either sent or refused.
    sent, refused = audit.count("sent     file"), audit.count("refused")
    assert audit.count("sending  file") == sent and sent + refused == 4 and sent >= 1, audit
