"""The units, readiness and watchdog, and the memory protection the listener unit asks for."""

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
UNITS = REPO / "systemd"
LIMITS = {"earmuff-listener.service": 1.0, "earmuff-uplink.service": 2.0}
analyze = shutil.which("systemd-analyze")


@pytest.mark.skipif(analyze is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("unit", sorted(LIMITS))
def test_security_exposure(unit):
    out = subprocess.run([analyze, "security", "--offline=yes", str(UNITS / unit)],
                         capture_output=True, text=True, timeout=60).stdout
    score = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", out).group(1))
    print(f"{unit}: {score}")
    assert score <= LIMITS[unit], out


@pytest.mark.skipif(analyze is None, reason="systemd-analyze is not installed")
def test_units_verify(tmp_path):
    earmuff = shutil.which("earmuff") or str(Path(sys.executable).parent / "earmuff")
    for unit in ("earmuff-listener.service", "earmuff-uplink.service", "earmuff.target"):
        text = (UNITS / unit).read_text().replace("/opt/earmuff/venv/bin/earmuff", earmuff)
        (tmp_path / unit).write_text(text)
    proc = subprocess.run([analyze, "verify", *map(str, sorted(tmp_path.iterdir()))],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_listener_unit_has_no_network_and_the_uplink_no_devices():
    listener = (UNITS / "earmuff-listener.service").read_text()
    uplink = (UNITS / "earmuff-uplink.service").read_text()
    assert "PrivateNetwork=yes" in listener and "RestrictAddressFamilies=AF_UNIX\n" in listener
    assert "DeviceAllow=char-alsa rw" in listener and "\nPrivateDevices=" not in listener
    assert "PrivateDevices=yes" in uplink and "DeviceAllow" not in uplink and "audio" not in uplink.split(
        "SupplementaryGroups=")[1].splitlines()[0]
    for unit in (listener, uplink):
        assert "Type=notify" in unit and "MemoryDenyWriteExecute=yes" in unit and "CapabilityBoundingSet=\n" in unit
    assert "WatchdogSec=30" in listener


def unit_settings(name: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def test_two_users_a_final_configuration_error_and_what_each_unit_may_see():
    listener, uplink = unit_settings("earmuff-listener.service"), unit_settings("earmuff-uplink.service")
    assert listener["User"] == ["earmuff-listen"] and listener["Group"] == ["earmuff"]
    assert listener["SupplementaryGroups"] == ["earmuff-link"]
    assert uplink["User"] == ["earmuff-uplink"] and uplink["Group"] == ["earmuff-link"]
    assert uplink["SupplementaryGroups"] == [""]
    # Separate runtime directories: the people's group reaches /run/earmuff, never /run/earmuff-link.
    assert listener["RuntimeDirectory"] == ["earmuff"] and uplink["RuntimeDirectory"] == ["earmuff-link"]
    for unit in (listener, uplink):
        assert unit["RestartPreventExitStatus"] == ["78"] and unit["Restart"] == ["on-failure"]
        assert unit["LimitNOFILE"] == ["1024"]
        assert unit["ReadWritePaths"] == ["/var/lib/earmuff"] and "StateDirectory" not in unit
    # onnxruntime reads /proc/cpuinfo; the uplink needs processes only (the serial is in /sys/firmware).
    assert "ProcSubset" not in listener and uplink["ProcSubset"] == ["pid"]
    # SO_PEERCRED must see the listener's real uid: no user namespace for the uplink.
    assert uplink["PrivateUsers"] == ["no"]
    assert uplink["ExecStart"][0].endswith("--config ${CREDENTIALS_DIRECTORY}/earmuff.toml")


def _mdwe_supported() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    release = tuple(int(x) for x in re.findall(r"\d+", os.uname().release)[:2])
    return release >= (6, 3)


MDWE_CHILD = """
import ctypes, mmap, os, sys
libc = ctypes.CDLL(None, use_errno=True)
assert libc.prctl(65, 1, 0, 0, 0) == 0, ctypes.get_errno()  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    sys.exit("MDWE is not in force")
except OSError:
    pass
import numpy as np
from device.config import WakeSettings
from device.listener.transcribe import Transcriber
from device.listener.wake import WakeDetector
detector = WakeDetector(WakeSettings(vad_threshold=0.5))
for _ in range(30):
    detector.process(np.zeros(1280, np.int16))
utterance = Transcriber(sys.argv[1]).utterance()
for _ in range(30):
    utterance.feed(np.zeros(1280, np.int16))
utterance.finish()
import pyaudio
pyaudio.PyAudio().terminate()  # PortAudio and ALSA's plugins load under MDWE too
print("ok")
"""


@pytest.mark.skipif(not _mdwe_supported(), reason="the kernel has no PR_SET_MDWE (Linux 6.3+)")
def test_onnxruntime_and_vosk_run_with_memory_deny_write_execute(ko_model):
    """What MemoryDenyWriteExecute=yes enforces, applied with the kernel's own prctl."""
    proc = subprocess.run([sys.executable, "-W", "ignore", "-c", MDWE_CHILD, str(ko_model)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_ready_and_watchdog_over_notify_socket(tmp_path, monkeypatch, ko_model, wake_command):
    from tests import speech

    notify_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify_path))
    sock.settimeout(60)
    wav = speech.write(tmp_path / "in.wav", speech.concat(wake_command, speech.silence(3)))
    config = tmp_path / "e.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path}/s"\nruntime_dir = "{tmp_path}/r"\n'
                      f'[audio]\nsource = "file:{wav}"\nrealtime = true\n[transcribe]\nmodel = "{ko_model}"\n'
                      '[control]\ngroup = ""\n')
    env = dict(os.environ, NOTIFY_SOCKET=str(notify_path), WATCHDOG_USEC="400000")
    proc = subprocess.Popen([sys.executable, "-m", "device", "listen", "--config", str(config)], env=env,
                            stderr=subprocess.DEVNULL)
    try:
        messages = [sock.recv(256).decode() for _ in range(5)]
        assert messages[0] == "READY=1"
        assert (tmp_path / "r" / "control.sock").exists()  # ready means the socket is listening
        assert messages[1:] == ["WATCHDOG=1"] * 4  # from the audio loop, every ~200 ms
    finally:
        proc.terminate()
        proc.wait(20)
        sock.close()


def test_a_stop_signal_does_not_wait_for_a_lock_the_main_thread_holds():
    # A SIGTERM handler runs in the main thread, perhaps inside Condition.wait while it holds the lock
    # (the listener's audio Event, the uplink's work Queue); the stop it asks for needs the same lock. Called
    # there, it waited for itself (both services hung on `systemctl stop` now and then): stop_later hands the
    # stop to a thread that takes the lock once the main thread lets it go.
    import threading

    from device.notify import stop_later

    lock, stopped, got = threading.Lock(), threading.Event(), []

    def stop():
        got.append(lock.acquire(timeout=5))
        stopped.set()
        if got[-1]:
            lock.release()

    with lock:  # the main thread, as a handler finds it
        stop_later(stop)
        assert not stopped.wait(0.2)  # the stop waits, the handler does not
    assert stopped.wait(5) and got == [True]
