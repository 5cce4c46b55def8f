import os
import re
import subprocess
import sys

import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def demo(tmp_path, *args):
    env = dict(os.environ, HOME=str(tmp_path))  # the synthesized conversation is cached under ~/.cache
    config = tmp_path / "earmuff.toml"
    config.write_text(f'[paths]\nmodels_dir = "{tmp_path}/models"\nstate_dir = "{tmp_path}/s"\n'
                      f'runtime_dir = "{tmp_path}/r"\n')
    proc = subprocess.run([sys.executable, "-m", "device", "demo", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    return proc.returncode, ANSI.sub("", proc.stdout + proc.stderr)


def test_demo_without_the_english_model_says_what_is_missing_and_shows_the_rest(tmp_path):
    code, out = demo(tmp_path)
    assert code == 0, out
    assert "The English Vosk model is missing" in out and "scripts/fetch-models" in out
    assert "4 wake words were said; 4 heard." in out
    assert "-> call [PERSON] at [PHONE]" in out and "-> remind me that the door code is [PIN]" in out
    assert "sending" in out and "muted" in out  # the ring was drawn
    assert (tmp_path / ".cache/earmuff/demo-conversation.wav").exists()


@pytest.mark.slow
def test_demo_end_to_end_with_a_real_vosk_model(tmp_path, ko_model):
    code, out = demo(tmp_path, "--model", str(ko_model))
    assert code == 0, out
    assert "what left the device" in out and "never transcribed, never sent" in out
    assert out.count("sending  file") == 4 and out.count("sent     file") == 4
