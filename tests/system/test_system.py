"""earmuff installed by scripts/install into a real Debian bookworm with systemd as PID 1.

One machine for the whole module (tests/system/machine.py): boot it, install the
checkout, give the listener a spoken file as its microphone (there is none
here), then check what the units promise, in order, and uninstall at the end.
The Korean Vosk model from PyPI stands in for the English one, which cannot be
fetched here. What only a Pi can show (a microphone, GPIO, SPI) is not tried.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from tests import speech
from tests.system.machine import DEFAULT_ROOT, Machine, make_root, missing_tools

REPO = Path(__file__).resolve().parents[2]
PIP_CACHE = Path(os.environ.get("EARMUFF_TEST_PIP_CACHE", f"{DEFAULT_ROOT}.pip"))
SERIAL = "10000000c0ffee42"  # what /sys/firmware/devicetree/base/serial-number says on a Pi
LISTENER, UPLINK = "earmuff-listener.service", "earmuff-uplink.service"
CONFIG = "/etc/earmuff/earmuff.toml"
SOUND = "/srv/earmuff-test/say.wav"
MEMBER = "alice"  # a person in the control group
STRANGER = "mallory"  # a local user in no earmuff group

pytestmark = pytest.mark.slow


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root (debootstrap, systemd-nspawn)"
    if missing_tools():
        return f"needs {', '.join(missing_tools())} (scripts/setup installs debootstrap and systemd-container)"
    return None


if _why_not():
    if os.environ.get("EARMUFF_SYSTEM_TEST") == "required":  # CI: a skip here would hide a failure
        raise RuntimeError(f"the system test cannot run: {_why_not()}")
    pytest.skip(_why_not(), allow_module_level=True)


def _checkout_tar(path: Path) -> None:
    """The checkout as it is now (tracked and new files, nothing ignored), without the .git."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, check=True).stdout.decode().split("\0")
    with tarfile.open(path, "w") as tar:
        for name in filter(None, files):
            if (REPO / name).exists():
                tar.add(REPO / name, arcname=name, recursive=False)


# The layout before two users: one user earmuff owning everything, the uplink socket in
# /run/earmuff, the config as that install wrote it.
SINGLE_USER_LAYOUT = f"""
useradd --system --user-group --home-dir /var/lib/earmuff --no-create-home --shell /usr/sbin/nologin earmuff
install -d -m 0750 -o earmuff -g earmuff /var/lib/earmuff /var/lib/earmuff/spool
echo '{{"muted": false, "source": "socket", "changed": 0}}' > /var/lib/earmuff/privacy.json
head -c 32 /dev/urandom > /var/lib/earmuff/device-secret
mkdir -p /var/lib/earmuff/.cache/Microsoft/DeveloperTools/.onnxruntime  # the old user's home
echo 0f3c5e1a-made-up-device-id > /var/lib/earmuff/.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid
sha256sum /var/lib/earmuff/device-secret > /root/device-secret.sha256
chown -R earmuff:earmuff /var/lib/earmuff && chmod 0600 /var/lib/earmuff/privacy.json /var/lib/earmuff/device-secret
install -d -m 0755 /etc/earmuff
sed -e 's|^models_dir = .*|models_dir = "/var/lib/earmuff/models"|' \\
    -e 's|^state_dir = .*|state_dir = "/var/lib/earmuff"|' \\
    -e 's|^runtime_dir = .*|runtime_dir = "/run/earmuff"|' /root/earmuff/config/earmuff.toml > {CONFIG}
chgrp earmuff {CONFIG} && chmod 0640 {CONFIG}
"""


def _active(m: Machine, unit: str) -> dict | None:
    state = m.show(unit, "ActiveState", "SubState", "MainPID", "NRestarts")
    return state if state["ActiveState"] == "active" and state["MainPID"] != "0" else None


def _both_active(m: Machine) -> bool:
    return bool(_active(m, LISTENER) and _active(m, UPLINK))


def _status(m: Machine, line: str, pid: str) -> str:
    return next(x for x in m.run(f"cat /proc/{pid}/status").stdout.splitlines() if x.startswith(line + ":"))


@pytest.fixture(scope="module")
def machine(tmp_path_factory, ko_model, wake_command):
    timings = {"root build (0 when cached)": make_root()}
    stage = tmp_path_factory.mktemp("stage")
    _checkout_tar(stage / "src.tar")
    # "hey jarvis, turn on the kitchen lights", then ten minutes of quiet: the listener plays it
    # in real time as its microphone, from every start.
    speech.write(stage / "say.wav", speech.concat(wake_command, speech.silence(600)))
    serial = stage / "firmware" / "devicetree" / "base" / "serial-number"
    serial.parent.mkdir(parents=True)
    serial.write_bytes(SERIAL.encode() + b"\0")
    PIP_CACHE.mkdir(parents=True, exist_ok=True)
    binds = {str(stage): "/mnt/stage", str(ko_model): "/mnt/ko", str(stage / "firmware"): "/sys/firmware",
             "/etc/ssl/certs/ca-certificates.crt": "/etc/ssl/certs/host-ca.crt"}
    m = Machine(DEFAULT_ROOT, binds, stage / "console.log", writable_binds={str(PIP_CACHE): "/root/.cache/pip"})
    try:
        timings["nspawn start (copy of the root) to booted"] = m.wait_booted()
        print("system test:", m.run("systemd-analyze", check=False).stdout.splitlines()[0])  # the boot itself
        start = time.monotonic()
        m.run("mkdir -p /root/earmuff && tar -xf /mnt/stage/src.tar -C /root/earmuff && "
              "mkdir -p /root/earmuff/models && cp -r /mnt/ko /root/earmuff/models/vosk-model-small-en-us-0.15")
        m.run(SINGLE_USER_LAYOUT)  # what an earlier version left: this install is an upgrade
        m.install_output = m.run("cd /root/earmuff && scripts/install", timeout=900,
                                 env={"PIP_CERT": "/etc/ssl/certs/host-ca.crt"}).stdout
        timings["scripts/install"] = time.monotonic() - start
        # It kept the old config and said what to add; the owner does so.
        assert f'ADD to [uplink] in {CONFIG}:  socket = "/run/earmuff-link/uplink.sock"' in m.install_output
        m.run(f"sed -i -e '/^\\[uplink\\]/,/^\\[/ s|^socket = .*|socket = \"/run/earmuff-link/uplink.sock\"|' "
              f"-e '/^\\[uplink\\]/,/^\\[/ s|^listener_user = .*|listener_user = \"earmuff-listen\"|' {CONFIG}")
        # The microphone is a file here; everything else is the installed config.
        m.run(f"install -d -m 0755 {Path(SOUND).parent} && install -m 0644 /mnt/stage/say.wav {SOUND}")
        m.run(f"sed -i -e '/^\\[audio\\]/,/^\\[/ s|^source = .*|source = \"file:{SOUND}\"|' "
              f"-e '/^\\[audio\\]/,/^\\[/ s|^realtime = .*|realtime = true|' {CONFIG}")
        m.run(f"useradd --create-home --groups earmuff {MEMBER} && useradd --create-home {STRANGER}")
        start = time.monotonic()
        m.run("systemctl restart earmuff.target")
        m.wait_for("both units active", lambda: _both_active(m), timeout=180)
        timings["earmuff.target restart to both READY"] = time.monotonic() - start
        m.timings = timings
        yield m
    finally:
        print("\n".join(f"system test: {k}: {v:.1f} s" for k, v in timings.items()))
        journal = m.run("journalctl --no-pager -n 60 -u earmuff-listener -u earmuff-uplink", check=False).stdout
        print(journal)
        m.stop()


def test_both_units_are_active_after_ready(machine):
    for unit in (LISTENER, UPLINK):
        state = machine.show(unit, "Type", "ActiveState", "SubState", "StatusErrno")
        # Type=notify: "active (running)" only after READY=1 (models loaded, sockets listening).
        assert state["Type"] == "notify" and state["ActiveState"] == "active" and state["SubState"] == "running"
    assert machine.run("test -S /run/earmuff/control.sock && test -S /run/earmuff-link/uplink.sock").returncode == 0


PROBE = """python3 -c '
import socket
def attempt(name, action):
    try:
        action()
        print(name + ":ok")
    except OSError as e:
        print(name + ":" + type(e).__name__)
attempt("tun", lambda: open("/dev/net/tun", "rb"))
attempt("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", 9)))
'"""


def test_two_users_no_capabilities_and_the_namespaces(machine):
    listener, uplink = _active(machine, LISTENER)["MainPID"], _active(machine, UPLINK)["MainPID"]
    uid = {name: machine.run(f"id -u {name}").stdout.strip() for name in ("earmuff-listen", "earmuff-uplink")}
    gid = {name: machine.run(f"getent group {name} | cut -d: -f3").stdout.strip()
           for name in ("earmuff", "earmuff-link", "audio")}
    assert _status(machine, "Uid", listener).split()[1:] == [uid["earmuff-listen"]] * 4
    assert _status(machine, "Uid", uplink).split()[1:] == [uid["earmuff-uplink"]] * 4
    listener_groups = set(_status(machine, "Groups", listener).split()[1:])
    uplink_groups = set(_status(machine, "Groups", uplink).split()[1:])
    assert {gid["earmuff-link"], gid["audio"]} <= listener_groups  # gpio and spi exist only on a Pi
    assert _status(machine, "Gid", listener).split()[1] == gid["earmuff"]  # to give people the control socket
    assert uplink_groups <= {gid["earmuff-link"]} and _status(machine, "Gid", uplink).split()[1] == gid["earmuff-link"]
    for pid in (listener, uplink):
        for caps in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            assert _status(machine, caps, pid).split()[1] == "0000000000000000", caps
        assert _status(machine, "NoNewPrivs", pid).split()[1] == "1"
        assert _status(machine, "Seccomp", pid).split()[1] == "2"  # a filter is in force
    # The listener's network namespace holds only lo (down here: nspawn shares the host's network,
    # and without CAP_NET_ADMIN nothing brings it up; on a Pi systemd does). The uplink has the network.
    interfaces = machine.run(f"tail -n +3 /proc/{listener}/net/dev | cut -d: -f1").stdout.split()
    assert interfaces == ["lo"]
    net = {pid: machine.run(f"readlink /proc/{pid}/ns/net").stdout for pid in (listener, uplink, "1")}
    assert net[listener] != net["1"] and net[uplink] == net["1"]
    # What systemd enforces with bpf on the listener's cgroup (DevicePolicy=closed, IPAddressDeny=any),
    # tried by a process moved into that cgroup, beside the same tries from outside it.
    inside = machine.run(f"echo $$ > /sys/fs/cgroup/system.slice/{LISTENER}/cgroup.procs && {PROBE}").stdout
    outside = machine.run(PROBE).stdout
    assert outside.split() == ["tun:ok", "udp:ok"], outside
    assert inside.split() == ["tun:PermissionError", "udp:PermissionError"], inside
    # Read-only system; only the state directory is writable; no home directories.
    for pid, user in ((listener, "earmuff-listen"), (uplink, "earmuff-uplink")):
        assert machine.enter(pid, "touch /etc/earmuff/x /opt/earmuff/x /usr/x 2>&1; ls /home", check=False,
                             ).stdout.count("Read-only file system") == 3
        assert machine.enter(pid, f"touch /var/lib/earmuff/.probe-{user} && rm /var/lib/earmuff/.probe-{user}",
                             user=user).returncode == 0
    # Devices: the uplink sees no microphone; the listener's device cgroup (bpf) is enforced.
    assert machine.enter(uplink, "ls /dev").stdout.split().count("snd") == 0


def test_the_real_listener_hands_over_and_the_uplink_delivers_and_audits(machine):
    sent = machine.wait_for("a payload in the file sink", lambda: machine.run(
        "cat /var/lib/earmuff/sent.jsonl 2>/dev/null", check=False).stdout.strip(), timeout=90)
    payload = json.loads(sent.splitlines()[0])
    assert payload["text"] and payload["wakeword"] == "hey_jarvis"
    audit = [json.loads(line) for line in machine.run("cat /var/lib/earmuff/audit.jsonl").stdout.splitlines()]
    sending = {e["id"]: e["payload"] for e in audit if e.get("outcome") == "sending"}
    delivered = [e["id"] for e in audit if e.get("outcome") == "sent"]
    assert payload["id"] in delivered and sending[payload["id"]] == payload  # exactly what left, written down


CONNECT = "python3 -c 'import socket; socket.socket(socket.AF_UNIX).connect(\"{}\"); print(\"connected\")'"


def test_the_uplink_socket_refuses_the_control_group_and_strangers(machine):
    for user in (MEMBER, STRANGER):
        tried = machine.run(CONNECT.format("/run/earmuff-link/uplink.sock"), user=user, check=False)
        assert tried.returncode != 0 and "PermissionError" in tried.stderr, (user, tried.stdout, tried.stderr)
    # The control group reaches the control socket; a stranger does not.
    assert machine.run(CONNECT.format("/run/earmuff/control.sock"), user=MEMBER).stdout.strip() == "connected"
    assert machine.run(CONNECT.format("/run/earmuff/control.sock"), user=STRANGER, check=False).returncode != 0


def test_only_the_listeners_user_may_hand_over(machine):
    """SO_PEERCRED on the uplink socket: even a process in the link group is refused unless it is the listener."""
    machine.run("useradd --no-create-home --groups earmuff-link linkmate")
    try:
        uid = int(machine.run("id -u linkmate").stdout)
        hand_over = ("import json, socket; s = socket.socket(socket.AF_UNIX); "
                     "s.connect('/run/earmuff-link/uplink.sock'); s.sendall(json.dumps({'type': 'utterance', "
                     "'text': 'open the door'}).encode() + b'\\n'); s.settimeout(5); print(repr(s.recv(4096)))")
        machine.run(f"python3 -c {json.dumps(hand_over)}", user="linkmate", check=False)
        audit = machine.wait_for("the refusal in the audit log", lambda: [
            e for e in map(json.loads, machine.run("cat /var/lib/earmuff/audit.jsonl").stdout.splitlines())
            if e.get("outcome") == "refused_connection" and e.get("uid") == uid], timeout=10)
        assert audit and "open the door" not in machine.run("cat /var/lib/earmuff/sent.jsonl").stdout
    finally:
        machine.run("userdel linkmate")  # the link group holds the two services only (doctor checks it)


def test_status_mute_and_audit_for_the_control_group_and_privacy_survives_a_restart(machine):
    status = json.loads(machine.run("earmuff status --json", user=MEMBER).stdout)
    assert status["privacy"]["muted"] is False
    assert machine.run("earmuff mute", user=MEMBER).returncode == 0
    assert json.loads(machine.run("earmuff status --json", user=MEMBER).stdout)["privacy"]["muted"] is True
    # Only root and the service user read the audit log and unmute.
    refused = machine.run("earmuff audit", user=MEMBER, check=False)
    assert refused.returncode == 1 and "not allowed" in refused.stderr, refused.stderr
    assert machine.run("earmuff unmute", user=MEMBER, check=False).returncode == 1
    assert "sent" in machine.run("earmuff audit").stdout

    before = _active(machine, LISTENER)["MainPID"]
    machine.run("systemctl restart earmuff.target")
    machine.wait_for("both units back", lambda: _both_active(machine) and _active(machine, LISTENER)["MainPID"]
                     != before, timeout=180)
    after = json.loads(machine.run("earmuff status --json", user=MEMBER).stdout)
    assert after["privacy"]["muted"] is True  # the microphone stays closed across the restart
    machine.run("earmuff unmute")
    assert json.loads(machine.run("earmuff status --json", user=MEMBER).stdout)["privacy"]["muted"] is False


def test_the_state_directory_by_owner(machine):
    listing = machine.run("stat -c '%U:%G %a %n' /var/lib/earmuff /var/lib/earmuff/* /run/earmuff-link "
                          "/run/earmuff-link/uplink.sock /run/earmuff /run/earmuff/control.sock").stdout
    owners = {line.split()[2]: tuple(line.split()[:2]) for line in listing.splitlines()}
    assert owners["/var/lib/earmuff"] == ("root:earmuff-link", "3770")
    assert owners["/var/lib/earmuff/privacy.json"][0] == "earmuff-listen:earmuff-link"
    assert owners["/var/lib/earmuff/audit.jsonl"] == ("earmuff-uplink:earmuff-link", "640")
    assert owners["/var/lib/earmuff/device-secret"] == ("earmuff-uplink:earmuff-link", "600")
    assert machine.run("sha256sum -c /root/device-secret.sha256").returncode == 0  # the upgrade kept it
    assert owners["/var/lib/earmuff/spool"][0] == "earmuff-uplink:earmuff-link"
    assert owners["/var/lib/earmuff/models"] == ("root:root", "755")
    # The services have no home, so onnxruntime keeps no device id and no telemetry queue anywhere.
    assert machine.run("test -e /var/lib/earmuff/.cache", check=False).returncode == 1
    assert machine.run("find / -xdev -path '*DeveloperTools/.onnxruntime*' | head -1").stdout == ""
    assert machine.run("getent passwd earmuff-listen earmuff-uplink | cut -d: -f6").stdout.split() == [
        "/nonexistent"] * 2
    assert owners["/run/earmuff-link"] == ("earmuff-uplink:earmuff-link", "750")
    assert owners["/run/earmuff-link/uplink.sock"] == ("earmuff-uplink:earmuff-link", "660")
    assert owners["/run/earmuff/control.sock"][0].endswith(":earmuff")


def test_onnxruntime_sees_cpuinfo_and_the_uplink_can_read_the_serial(machine):
    listener, uplink = _active(machine, LISTENER)["MainPID"], _active(machine, UPLINK)["MainPID"]
    assert machine.enter(listener, "grep -c ^processor /proc/cpuinfo", user="earmuff-listen").returncode == 0
    journal = machine.run(f"journalctl --no-pager -u {LISTENER}").stdout
    assert "Error in cpuinfo" not in journal
    # The uplink's /proc shows processes only (ProcSubset=pid); the Pi's serial is in the device tree.
    assert machine.enter(uplink, "test -e /proc/cpuinfo", check=False).returncode != 0
    seen = machine.enter(uplink, "tr -d '\\0' < /sys/firmware/devicetree/base/serial-number", user="earmuff-uplink")
    assert seen.stdout == SERIAL


def test_the_running_uplink_guards_the_serial(machine):
    uplink = _active(machine, UPLINK)["MainPID"]
    found = machine.enter(uplink, "/opt/earmuff/venv/bin/python -c 'from device.uplink.identity import "
                                  "hardware_identifiers; print(hardware_identifiers())'", user="earmuff-uplink")
    assert SERIAL in found.stdout


def test_installing_again_changes_nothing_that_works(machine):
    owners = "stat -c '%U:%G %a %n' /var/lib/earmuff /var/lib/earmuff/* /var/lib/earmuff/.[!.]* 2>/dev/null"
    before = machine.run(owners, check=False).stdout
    again = machine.run("cd /root/earmuff && scripts/install", timeout=900,
                        env={"PIP_CERT": "/etc/ssl/certs/host-ca.crt"}).stdout
    assert "kept your /etc/earmuff/earmuff.toml" in again and "ADD to" not in again, again
    machine.wait_for("both units back", lambda: _both_active(machine), timeout=180)
    assert machine.run(owners, check=False).stdout == before


def test_doctor_checks_the_users_and_the_sockets(machine):
    doctor = machine.run(f"earmuff doctor --config {CONFIG}", check=False)
    out = doctor.stdout
    assert doctor.returncode == 0, out
    for line in ("user earmuff-listen", "user earmuff-uplink", "group earmuff-link holds only",
                 "the control group earmuff cannot reach the uplink socket"):
        assert re.search(rf"^\u2713 .*{line}", out, re.M), out
    # A person in the control group cannot look into /run/earmuff-link; doctor says so and goes on.
    member = machine.run(f"earmuff doctor --config {CONFIG}", user=MEMBER, check=False)
    assert "Traceback" not in member.stderr and "closed to this user" in member.stdout, member.stderr


def test_the_watchdog_kills_a_hung_listener_and_systemd_restarts_it(machine):
    state = _active(machine, LISTENER)
    start = time.monotonic()
    machine.run(f"kill -STOP {state['MainPID']}")
    back = machine.wait_for("a new listener", lambda: (s := _active(machine, LISTENER)) and
                            s["MainPID"] != state["MainPID"] and s, timeout=120)
    print(f"system test: watchdog restart after SIGSTOP: {time.monotonic() - start:.1f} s (WatchdogSec=30)")
    assert int(back["NRestarts"]) == int(state["NRestarts"]) + 1
    assert "Watchdog timeout" in machine.run(f"journalctl --no-pager -u {LISTENER}").stdout


def test_a_configuration_error_is_final_and_says_why(machine):
    machine.run(f"cp {CONFIG} /root/earmuff.toml.good && "
                f"sed -i 's|^model = .*|model = \"no-such-model\"|' {CONFIG}")
    machine.run(f"systemctl restart {LISTENER}", check=False)
    machine.wait_for("the listener to fail", lambda: machine.show(LISTENER, "ActiveState")["ActiveState"] == "failed",
                     timeout=120)
    time.sleep(5)  # RestartSec=2: it would have come back by now
    state = machine.show(LISTENER, "ActiveState", "ExecMainStatus", "NRestarts", "Result")
    assert state["ActiveState"] == "failed" and state["ExecMainStatus"] == "78" and state["NRestarts"] == "0", state
    status = machine.run(f"systemctl status --no-pager -n 20 {LISTENER}", check=False).stdout
    assert "status=78/CONFIG" in status and "no-such-model" in status, status
    doctor = machine.run(f"earmuff doctor --config {CONFIG}", check=False).stdout
    assert re.search(r"^\u2717 earmuff-listener.service stopped: configuration error \(exit 78\)", doctor, re.M), doctor
    machine.run(f"cp /root/earmuff.toml.good {CONFIG} && systemctl restart earmuff.target")
    machine.wait_for("both units back", lambda: _both_active(machine), timeout=180)


def test_uninstall_leaves_no_unit_behind(machine):
    machine.run("cd /root/earmuff && scripts/install --uninstall")
    assert machine.run("systemctl list-units --all --no-legend 'earmuff*'").stdout.strip() == ""
    assert machine.run("systemctl list-unit-files --no-legend 'earmuff*'", check=False).stdout.strip() == ""
    assert machine.run("ls /etc/systemd/system | grep -c earmuff", check=False).stdout.strip() == "0"
    assert machine.run("pgrep -u earmuff-listen,earmuff-uplink", check=False).returncode == 1
    assert machine.run("test -e /opt/earmuff", check=False).returncode == 1
    assert machine.run(f"test -f {CONFIG} && test -f /var/lib/earmuff/audit.jsonl").returncode == 0  # kept
    machine.run("cd /root/earmuff && scripts/install --uninstall --purge")
    for name in ("earmuff-listen", "earmuff-uplink", "earmuff"):
        assert machine.run(f"getent passwd {name}", check=False).returncode == 2, name
    for name in ("earmuff-link", "earmuff"):
        assert machine.run(f"getent group {name}", check=False).returncode == 2, name
    assert machine.run("test -e /etc/earmuff || test -e /var/lib/earmuff", check=False).returncode == 1
