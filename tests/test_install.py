"""scripts/install into a temporary root (DESTDIR): every file, owner and mode; idempotent; uninstall.

The users, groups and services themselves are checked under a real systemd in tests/system.
"""

import getpass
import os
import shutil
import site
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def install(root: Path, *args) -> subprocess.CompletedProcess:
    env = dict(os.environ, DESTDIR=str(root), EARMUFF_PYTHON=sys.executable, PIP_ARGS="--no-deps", SKIP_MODELS="1")
    return subprocess.run(["bash", str(REPO / "scripts" / "install"), *args], env=env, capture_output=True,
                          text=True, timeout=300)


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.lstat().st_mode))


def section(toml_text: str, name: str) -> dict[str, str]:
    """The raw `key = value` lines of one [section] (values as written)."""
    lines = toml_text.split(f"\n[{name}]\n", 1)[1].split("\n[", 1)[0].splitlines()
    return dict(line.split(" = ", 1) for line in lines if " = " in line and not line.startswith("#"))


@pytest.mark.slow
def test_install_into_a_tree_then_again_then_uninstall(tmp_path):
    root = tmp_path / "root"
    first = install(root)
    assert first.returncode == 0, first.stderr
    config = root / "etc/earmuff/earmuff.toml"
    units = root / "etc/systemd/system"
    expected = {
        config: "0o640",
        root / "etc/earmuff": "0o755",
        root / "var/lib/earmuff": "0o3770",  # shared by the two services: setgid, sticky
        root / "var/lib/earmuff/models": "0o755",
        units / "earmuff-listener.service": "0o644",
        units / "earmuff-uplink.service": "0o644",
        units / "earmuff.target": "0o644",
        root / "opt/earmuff/README.md": "0o644",
        root / "opt/earmuff/docs/install.md": "0o644",  # the README links into docs/
    }
    for path, want in expected.items():
        assert mode(path) == want, path
        assert path.stat().st_uid == 0  # root, or the earmuff user for state on a real system
    assert (units / "earmuff-listener.service").read_text() == (REPO / "systemd/earmuff-listener.service").read_text()
    link = root / "usr/local/bin/earmuff"
    assert link.is_symlink() and os.readlink(link) == "/opt/earmuff/venv/bin/earmuff"
    text = config.read_text()
    assert 'state_dir = "/var/lib/earmuff"' in text and 'runtime_dir = "/run/earmuff"' in text
    assert 'models_dir = "/var/lib/earmuff/models"' in text
    # The uplink socket in the directory only the two services share; the control socket stays put.
    assert section(text, "uplink")["socket"] == '"/run/earmuff-link/uplink.sock"'
    assert section(text, "control")["socket"] == '""'
    if "listener_user" in section((REPO / "config/earmuff.toml").read_text(), "uplink"):
        assert section(text, "uplink")["listener_user"] == '"earmuff-listen"'
    # The installed command runs (its dependencies come from this test's environment). This
    # machine has no earmuff-listen user, so the check names one it has.
    checkable = tmp_path / "checkable.toml"
    checkable.write_text(text.replace('listener_user = "earmuff-listen"', f'listener_user = "{getpass.getuser()}"'))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(site.getsitepackages()))
    check = subprocess.run([str(root / "opt/earmuff/venv/bin/earmuff"), "config", "check", str(checkable)],
                           capture_output=True, text=True, env=env, timeout=60)
    assert check.returncode == 0, check.stderr

    # Again: idempotent, and an edited config is never overwritten.
    config.write_text(text.replace('level = "info"', 'level = "debug"'))
    second = install(root)
    assert second.returncode == 0, second.stderr
    assert 'level = "debug"' in config.read_text() and "kept your" in second.stdout
    assert (root / "etc/earmuff/earmuff.toml.dist").exists() and "ADD to [uplink]" not in second.stdout

    # A config from the single-user layout (its uplink socket in /run/earmuff): kept, and the
    # output says what to add.
    config.write_text(text.replace('socket = "/run/earmuff-link/uplink.sock"', 'socket = ""')
                          .replace('listener_user = "earmuff-listen"', 'listener_user = ""'))
    upgrade = install(root)
    assert upgrade.returncode == 0, upgrade.stderr
    assert 'ADD to [uplink] in /etc/earmuff/earmuff.toml:  socket = "/run/earmuff-link/uplink.sock"' in upgrade.stdout
    if "listener_user" in text:
        assert 'ADD to [uplink] in /etc/earmuff/earmuff.toml:  listener_user = "earmuff-listen"' in upgrade.stdout
    assert section(config.read_text(), "uplink")["socket"] == '""'  # still the owner's file
    (root / "var/lib/earmuff/audit.jsonl").write_text("{}\n")

    gone = install(root, "--uninstall")
    assert gone.returncode == 0, gone.stderr
    assert not (root / "opt/earmuff").exists() and not link.exists() and not (units / "earmuff.target").exists()
    assert config.exists() and (root / "var/lib/earmuff/audit.jsonl").exists()  # the owner's things stay
    purged = install(root, "--uninstall", "--purge")
    assert purged.returncode == 0 and not (root / "etc/earmuff").exists() and not (root / "var/lib/earmuff").exists()


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_shell_scripts_are_shellcheck_clean():
    scripts = [REPO / "scripts/install", REPO / "scripts/setup", REPO / ".ci/run",
               REPO / "scripts/ha-test-env", REPO / "tests/system/make-root"]
    proc = subprocess.run(["shellcheck", *map(str, scripts)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


HAT_EXAMPLES = sorted(p for p in (REPO / "config").glob("*.toml") if p.name != "earmuff.toml")


@pytest.mark.parametrize("example", HAT_EXAMPLES, ids=lambda p: p.name)
def test_the_hat_examples_keep_the_installed_layout(example):
    """The README copies an example over /etc/earmuff/earmuff.toml: it must keep what scripts/install sets."""
    text = example.read_text()
    assert section(text, "paths") == {"models_dir": '"/var/lib/earmuff/models"', "state_dir": '"/var/lib/earmuff"',
                                      "runtime_dir": '"/run/earmuff"'}
    uplink = section(text, "uplink")
    assert uplink["socket"] == '"/run/earmuff-link/uplink.sock"'
    if "listener_user" in section((REPO / "config/earmuff.toml").read_text(), "uplink"):
        assert uplink.get("listener_user") == '"earmuff-listen"', "only the listener may hand over"
