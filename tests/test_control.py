"""The control socket, on a real Unix socket in a temporary directory."""

import grp
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from device.config import PrivacySettings
from device.listener.control import MAX_LINE, Api, ControlServer
from device.ring.privacy import Privacy


def make_server(directory: Path, group: str = "", mode: int = 0o660, privacy=None) -> ControlServer:
    privacy = privacy or Privacy(PrivacySettings(), directory)
    audit = directory / "audit.jsonl"
    audit.write_text("".join(json.dumps({"n": i, "payload": "[PERSON] is late"}) + "\n" for i in range(5)))
    api = Api(status=lambda: {"state": "idle", "privacy": {"muted": privacy.muted}}, privacy=privacy,
              audit_path=audit)
    server = ControlServer(directory / "control.sock", api, group=group, mode=mode)
    server.start()
    return server


@pytest.fixture
def server(tmp_path):
    s = make_server(tmp_path)
    yield s
    s.close()


class Client:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(10)
        self.sock.connect(str(path))
        self.buf = b""

    def send(self, data: bytes):
        self.sock.sendall(data)

    def request(self, method, params=None, rid=1):
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send((json.dumps(msg) + "\n").encode())
        return self.read()

    def read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def close(self):
        self.sock.close()


def test_status_version_mute_unmute(server):
    c = Client(server.path)
    assert c.request("status")["result"]["state"] == "idle"
    assert c.request("version")["result"]["earmuff"]
    assert c.request("mute") == {"jsonrpc": "2.0", "id": 1, "result": {"muted": True}}
    assert c.request("toggle")["result"] == {"muted": False}
    assert c.request("unmute")["result"] == {"muted": False}
    assert [e["n"] for e in c.request("audit", {"limit": 2})["result"]] == [3, 4]
    c.close()
    assert oct(server.path.stat().st_mode & 0o777) == "0o660"


def test_every_error_keeps_the_connection_usable(server):
    c = Client(server.path)
    c.send(b"{not json\n")
    assert c.read()["error"]["code"] == -32700
    c.send(b'{"jsonrpc": "2.0", "id": 2}\n')
    assert c.read()["error"]["code"] == -32600
    assert c.request("reboot")["error"]["code"] == -32601
    assert c.request("status", {"verbose": True})["error"]["code"] == -32602
    assert c.request("audit", {"limit": "all"})["error"]["code"] == -32602
    c.send(b"x" * (MAX_LINE + 10) + b"\n")
    assert c.read()["error"] == {"code": -32600, "message": f"line longer than {MAX_LINE} bytes"}
    c.send(b'{"jsonrpc": "2.0", "method": "mute"}\n')  # a notification: done, no reply
    c.send(b'\n\n')
    assert c.request("status")["result"]["privacy"]["muted"] is True
    c.close()


def test_a_client_that_keeps_sending_garbage_is_disconnected(server):
    c = Client(server.path)
    with pytest.raises(ConnectionError):
        for _ in range(40):
            c.send(b"garbage\n")
            c.read()
    c.close()
    assert Client(server.path).request("status")["result"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.binary(max_size=3000),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                 max_leaves=12).map(lambda v: (json.dumps(v) + "\n").encode()),
    st.builds(lambda m, p: (json.dumps({"jsonrpc": "2.0", "id": 1, "method": m, "params": p}) + "\n").encode(),
              st.sampled_from(["status", "mute", "audit", "subscribe", "x"]),
              st.one_of(st.none(), st.integers(), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))),
    st.just(b"{" * 70000), st.just(b'{"jsonrpc": "2.0", "id": 1, "meth'),
), st.booleans())
def test_fuzzing_never_takes_the_server_down(server, data, hang_up):
    c = Client(server.path)
    c.send(data)
    if hang_up:
        c.close()  # mid-request, mid-reply
    else:
        c.sock.settimeout(0.2)
        try:
            c.sock.recv(65536)
        except (TimeoutError, ConnectionError):
            pass
        c.close()
    fresh = Client(server.path)
    assert "result" in fresh.request("status")
    fresh.close()


def test_a_hundred_clients_at_once(server):
    results = []

    def one():
        c = Client(server.path)
        results.append(c.request("status")["result"]["state"])
        c.close()

    threads = [threading.Thread(target=one) for _ in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == ["idle"] * 100


def test_a_stalled_subscriber_costs_nothing_and_is_told_what_it_lost(server):
    stalled = Client(server.path)
    assert stalled.request("subscribe")["result"] == {"subscribed": True}
    stalled.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    live = Client(server.path)
    live.request("subscribe")
    for i in range(20000):  # the audio loop publishing; publish() only hands over
        server.publish({"type": "state", "n": i})
    assert Client(server.path).request("status")["result"]["state"] == "idle"
    seen = []
    while len(seen) < 20000:
        event = live.read()["params"]
        if event["type"] == "lost":
            seen.extend([None] * event["count"])
        else:
            seen.append(event["n"])
    messages = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        message = stalled.read()["params"]
        messages.append(message)
        if message.get("n") == 19999:
            break
    lost = [m for m in messages if m["type"] == "lost"]
    assert lost and "lost" in lost[0]["message"] and messages[-1]["n"] == 19999
    stalled.close()
    live.close()


def test_client_commands(tmp_path, server):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "device", *args, "--socket", str(server.path)],
                              capture_output=True, text=True, timeout=60)

    assert run("mute").stdout.startswith("privacy mode on")
    status = run("status", "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["privacy"]["muted"] is True
    assert run("unmute").returncode == 0
    audit = run("audit", "--limit", "1", "--json")
    assert [json.loads(line)["n"] for line in audit.stdout.splitlines()] == [4]
    gone = subprocess.run([sys.executable, "-m", "device", "status", "--socket", str(tmp_path / "no.sock")],
                          capture_output=True, text=True, timeout=60)
    assert gone.returncode == 69 and "earmuff is not running" in gone.stderr


def test_unmute_refused_while_latched(tmp_path):
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    Device.pin_factory = factory = MockFactory()
    try:
        privacy = Privacy(PrivacySettings(button_pin=17, mode="latching"), tmp_path, pin_factory=factory)
        factory.pin(17).drive_low()
        server = make_server(tmp_path, privacy=privacy)
        proc = subprocess.run([sys.executable, "-m", "device", "unmute", "--socket", str(server.path)],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1 and "refused" in proc.stderr and "switch" in proc.stderr
        server.close()
        privacy.close()
    finally:
        Device.pin_factory = None


# -- other users: SO_PEERCRED decides ---------------------------------------------
DROP = """
import json, os, socket, sys
groups = [int(g) for g in sys.argv[3].split(",")]
os.setgroups(groups); os.setgid(groups[0]); os.setuid(65534)
out = {}
for method in sys.argv[2].split(","):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(sys.argv[1])
    except PermissionError:
        out[method] = "connect refused"
        continue
    s.sendall((json.dumps({"jsonrpc": "2.0", "id": 1, "method": method}) + "\\n").encode())
    reply = json.loads(s.makefile().readline())
    out[method] = reply.get("error", {}).get("code", "ok")
print(json.dumps(out))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a client as another user")
@pytest.mark.parametrize("who", ["member", "stranger", "stranger_on_open_socket"])
def test_permissions_by_peer_credentials(who):
    group = grp.getgrnam("nogroup")
    base = Path(tempfile.mkdtemp(dir="/tmp"))
    os.chmod(base, 0o755)
    server = make_server(base, group="nogroup", mode=0o666 if who == "stranger_on_open_socket" else 0o660)
    try:
        # A stranger's only group is "daemon"; a member also has the socket's group.
        groups = str(group.gr_gid) if who == "member" else str(grp.getgrnam("daemon").gr_gid)
        methods = "status,subscribe,mute,unmute,audit,version"
        out = subprocess.run([sys.executable, "-c", DROP, str(server.path), methods, groups],
                             capture_output=True, text=True, timeout=60)
        result = json.loads(out.stdout)
        if who == "member":
            assert result == {"status": "ok", "subscribe": "ok", "mute": "ok", "unmute": -32001, "audit": -32001,
                              "version": "ok"}
        elif who == "stranger":
            assert set(result.values()) == {"connect refused"}  # mode 0660, not in the group
        else:
            assert result == {"status": -32001, "subscribe": -32001, "mute": "ok", "unmute": -32001,
                              "audit": -32001, "version": "ok"}
    finally:
        server.close()


def test_the_listener_serves_its_socket(tmp_path, ko_model, wake_command):
    from tests import speech

    wav = speech.write(tmp_path / "in.wav", speech.concat(wake_command, speech.silence(30)))
    config = tmp_path / "earmuff.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path}/state"\nruntime_dir = "{tmp_path}/run"\n'
                      f'[audio]\nsource = "file:{wav}"\nrealtime = true\n'
                      f'[transcribe]\nmodel = "{ko_model}"\n[control]\ngroup = ""\n')
    daemon = subprocess.Popen([sys.executable, "-m", "device", "listen", "--config", str(config)],
                              stderr=subprocess.PIPE, text=True)

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "device", *args, "--config", str(config)],
                              capture_output=True, text=True, timeout=60)

    try:
        socket_path = tmp_path / "run" / "control.sock"
        deadline = time.monotonic() + 60
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        events = subprocess.Popen([sys.executable, "-m", "device", "events", "--config", str(config)],
                                  stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        status = {}
        while status.get("counters", {}).get("utterances", 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.5)
            status = json.loads(cli("status", "--json").stdout)
        assert status["counters"]["wakes"] == 1 and status["privacy"]["muted"] is False
        assert status["microphone"]["health"] == "healthy" and "hey_jarvis" in status["wake"]
        assert "text" not in json.dumps(status["counters"])
        # Then 30 s of silence: the quiet-room gate rests the wake word models, and says so.
        deadline = time.monotonic() + 15
        while status["quiet_gate"]["state"] != "resting" and time.monotonic() < deadline:
            time.sleep(0.2)
            status = json.loads(cli("status", "--json").stdout)
        assert status["quiet_gate"]["state"] == "resting" and status["quiet_gate"]["noise_floor_dbfs"] == -96.0
        assert "quiet gate:   resting; noise floor -96 dBFS" in cli("status").stdout
        assert cli("mute").returncode == 0
        status = json.loads(cli("status", "--json").stdout)
        assert status["privacy"] == {"muted": True, "source": "socket", "latched": False, "save_error": None}
        assert status["microphone"]["health"] == "paused"
        readable = cli("status").stdout
        assert "privacy mode: ON" in readable and "1 wake, 1 utterance," in readable
        events.terminate()
        seen = [json.loads(line)["type"] for line in events.communicate(timeout=10)[0].splitlines()]
        assert "utterance" in seen and "privacy" in seen
    finally:
        daemon.terminate()
        daemon.wait(timeout=20)
    assert not socket_path.exists()  # removed on a clean stop


# -- no client can break or hold the socket ----------------------------------------------------
def strict(line: bytes) -> dict:
    """A reply parsed as strict JSON: NaN or Infinity in it fails the test."""
    return json.loads(line, parse_constant=lambda c: pytest.fail(f"{c} in a reply"))


@pytest.mark.parametrize("request_line, code", [
    (b'{"jsonrpc": "2.0", "id": 1e400, "method": "status"}', -32600),
    (b'{"jsonrpc": "2.0", "id": -1e400, "method": "status"}', -32600),
    (b'{"jsonrpc": "2.0", "id": NaN, "method": "status"}', -32700),
    (b'{"jsonrpc": "2.0", "id": Infinity, "method": "status"}', -32700),
    (b'{"jsonrpc": "2.0", "id": 1, "method": "audit", "params": {"limit": 1e400}}', -32602),
    (b'{"jsonrpc": "2.0", "id": ' + b"[" * 60000 + b"]" * 60000 + b', "method": "status"}', -32600),
    (b"[" * 60000, -32600),
    (b'{"jsonrpc": "2.0", "id": ' + b"1" * 5000 + b', "method": "status"}', -32700),
])
def test_out_of_range_ids_and_deep_nesting_get_standard_errors_in_strict_json(server, request_line, code):
    c = Client(server.path)
    c.send(request_line + b"\n")
    while b"\n" not in c.buf:
        c.buf += c.sock.recv(65536)
    reply, c.buf = c.buf.split(b"\n", 1)
    reply = strict(reply)
    assert reply["error"]["code"] == code and reply["id"] in (None, 1)
    assert c.request("status")["result"]["state"] == "idle"  # and the connection goes on
    c.close()


def test_a_result_that_is_not_json_becomes_an_internal_error(tmp_path):
    privacy = Privacy(PrivacySettings(), tmp_path)
    api = Api(status=lambda: {"state": "idle", "load": float("nan")}, privacy=privacy)
    server = ControlServer(tmp_path / "control.sock", api, group="")
    server.start()
    try:
        c = Client(server.path)
        c.send(b'{"jsonrpc": "2.0", "id": 7, "method": "status"}\n')
        while b"\n" not in c.buf:
            c.buf += c.sock.recv(65536)
        assert strict(c.buf.split(b"\n")[0])["error"]["code"] == -32603
        c.close()
    finally:
        server.close()


def test_partial_lines_and_idle_connections_time_out(server, monkeypatch):
    from device.listener import control

    monkeypatch.setattr(control, "PARTIAL_LINE_TIMEOUT_S", 0.5)
    monkeypatch.setattr(control, "IDLE_TIMEOUT_S", 1.0)
    slow = Client(server.path)
    slow.send(b'{"jsonrpc": "2.0", "id": 1, "meth')  # and never the rest (slowloris)
    idle = Client(server.path)  # says nothing at all
    subscriber = Client(server.path)
    assert subscriber.request("subscribe")["result"] == {"subscribed": True}
    assert "timed out" in slow.read()["error"]["message"]
    assert slow.sock.recv(10) == b"" and idle.sock.recv(10) == b""
    server.publish({"type": "state", "state": "idle"})  # a subscriber waits for events as long as it likes
    assert subscriber.read()["params"]["type"] == "state"
    for c in (slow, idle, subscriber):
        c.close()


def test_the_limit_on_an_unfinished_line_counts_from_its_first_byte(server, monkeypatch):
    """Issue 24: a client dribbling a byte at a time used to restart the limit with every read."""
    import time

    from device.listener import control

    monkeypatch.setattr(control, "PARTIAL_LINE_TIMEOUT_S", 0.5)
    dribbler = Client(server.path)
    started = time.monotonic()
    dribbler.sock.settimeout(0.05)
    reply = b""
    for byte in b'{"jsonrpc": "2.0", "id": 1, "method": "status", "params": {}, "padding": "xxxxxxxxxxxxxxx"}':
        try:
            dribbler.sock.sendall(bytes([byte]))
            reply += dribbler.sock.recv(1000)
        except (TimeoutError, BlockingIOError):
            continue
        except OSError:  # closed on us: what it said before closing can still be read (a send can fail first)
            try:
                reply += dribbler.sock.recv(1000)
            except OSError:
                pass
            break
        if reply:
            break
    assert b"timed out" in reply
    assert time.monotonic() - started < 2.0  # the dribble lasts about 5 s: the limit did not restart
    dribbler.close()


PER_UID = """
import json, os, socket, sys, time
os.setgroups([]); os.setgid(65534); os.setuid(65534)
held, busy = [], 0
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.settimeout(0.5)
    try:
        reply = s.recv(1000)
        busy += b"-32003" in reply
        s.close()
    except socket.timeout:
        held.append(s)  # accepted: no reply until it asks
print(json.dumps({"held": len(held), "busy": busy}), flush=True)
time.sleep(30)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a client as another user")
def test_a_user_holding_many_connections_is_capped_and_root_still_gets_in(monkeypatch):
    from device.listener import control

    monkeypatch.setattr(control, "MAX_PER_UID", 8)
    base = Path(tempfile.mkdtemp(dir="/tmp"))
    os.chmod(base, 0o755)
    server = make_server(base, mode=0o666)
    hog = subprocess.Popen([sys.executable, "-c", PER_UID, str(server.path), "20"], stdout=subprocess.PIPE, text=True)
    try:
        assert json.loads(hog.stdout.readline()) == {"held": 8, "busy": 12}
        for _ in range(40):  # root (and the service user) are never capped
            assert Client(server.path).request("mute")["result"] == {"muted": True}
    finally:
        hog.kill()
        hog.wait(10)
        server.close()
