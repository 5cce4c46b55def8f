"""The uplink with real parts: a real mosquitto, real HTTP servers on loopback, real sockets."""

import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from device import config as cfg
from device.listener.link import UplinkLink
from device.redact import Redactor
from device.ring.led import JsonlDriver, Ring
from device.uplink.audit import AuditLog
from device.uplink.gate import Gate
from device.uplink.identity import Forbidden, device_id, hardware_identifiers
from device.uplink.service import Uplink

SECRET_TOKEN = "ha-token-do-not-log-8f3c"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def utterance(text: str, session: str | None = None, **fields) -> dict:
    """An utterance as the listener hands it over (listener._handover)."""
    return {"type": "utterance", "session": session or uuid.uuid4().hex, "text": text, "redacted": {},
            "wakeword": "hey_jarvis", "seconds": 1.5, "reason": "silence", **fields}


def make_config(tmp_path: Path, **uplink) -> cfg.Config:
    sinks = uplink.pop("sinks", ["file"])
    extra = {k: v for k, v in uplink.items() if isinstance(v, dict)}
    plain = {k: v for k, v in uplink.items() if not isinstance(v, dict)}
    return cfg.from_dict({
        "paths": {"state_dir": str(tmp_path / "state"), "runtime_dir": str(tmp_path / "run")},
        "uplink": {"sinks": sinks, "retry_min_s": 0.05, "retry_max_s": 0.2, "light_timeout_s": 1.0,
                   **plain, **extra},
        "identity": {"never_send": ["acct-7731-xq"]},
    })


def hello_as_listener(sock: socket.socket) -> None:
    """Say hello as the listener's process does: with the listener's lock (held by this process)."""
    from device.files import held_lock

    socket.send_fds(sock, [b'{"type": "hello"}\n'], held_lock("listener.lock"))


def hold_listener_lock(config: cfg.Config):
    """Hold the listener's single-instance lock, as `earmuff listen` does, until closed."""
    from device.files import hold_lock

    return hold_lock(config.paths.state_dir / "listener.lock", "test listener")


class Running:
    """An Uplink in this process, with a listener link lighting a jsonl ring."""

    def __init__(self, config: cfg.Config, connect_listener: bool = True):
        self.config = config
        self.lock = hold_listener_lock(config)  # this process is the listener: the uplink gives it the light
        self.uplink = Uplink(config)
        self.uplink.start()
        self.thread = threading.Thread(target=self.uplink.run, daemon=True)
        self.thread.start()
        self.ring_log = config.paths.state_dir / "ring.jsonl"
        self.ring = Ring(JsonlDriver(str(self.ring_log)))
        self.ring.set_state("idle")
        self.events = []
        self.link = None
        if connect_listener:
            self.connect()

    def connect(self):
        self.link = UplinkLink(self.config.uplink_socket(), self.ring, min_light_s=0.5,
                               on_event=lambda n, d: self.events.append((n, d)))
        self.link.start()
        deadline = time.monotonic() + 5
        while not self.link.connected and time.monotonic() < deadline:
            time.sleep(0.01)

    def say(self, text, redacted=None, session=None):
        message = utterance(text, session, redacted=redacted or {})
        self.link.submit(message)
        assert self.link.wait_settled(15)
        return message["session"]

    def audit(self):
        path = self.config.paths.state_dir / "audit.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def ring_states(self):
        return [json.loads(line) for line in self.ring_log.read_text().splitlines()]

    def close(self):
        if self.link:
            self.link.close()
        self.lock.close()
        self.uplink.stop()
        self.thread.join(5)
        self.ring.close()


@pytest.fixture
def running(tmp_path):
    made = []

    def start(config=None, **kwargs):
        r = Running(config or make_config(tmp_path), **kwargs)
        made.append(r)
        return r

    yield start
    for r in made:
        r.close()


# -- identity and the gate -------------------------------------------------------
def test_pseudonymous_id_rotates_and_hides_the_hardware(tmp_path):
    secret = tmp_path / "secret"
    today, tomorrow = device_id(secret, 86400, now=1e9), device_id(secret, 86400, now=1e9 + 86400)
    assert today == device_id(secret, 86400, now=1e9 + 10) and today != tomorrow and len(today) == 16
    assert oct(secret.stat().st_mode & 0o777) == "0o600"
    identifiers = hardware_identifiers()
    host = socket.gethostname()
    # Hostnames under 4 characters ("pi") would refuse ordinary words; longer ones are guarded.
    assert host in identifiers or len(host) < 4 or host == "localhost"
    assert Forbidden(identifiers).find(today) is None


def test_gate_refuses_identifiers_and_identity():
    gate = Gate(Redactor(), ["raspberrypi-kitchen", "b8:27:eb:12:34:56", "acct-7731-xq"])
    assert gate.check({"text": "turn on the lights"}).ok
    assert gate.check({"text": "call [PERSON] at [PHONE]"}).ok
    assert "PHONE" in gate.check({"text": "call five five five one two three four"}).reason
    assert not gate.check({"text": "hi", "device": "raspberrypi-kitchen"}).ok
    assert not gate.check({"text": "my account is ACCT-7731-XQ"}).ok
    assert not gate.check({"text": "mac b8:27:eb:12:34:56"}).ok
    assert not gate.check({"text": 5}).ok


# -- sends -------------------------------------------------------------------------
def test_file_sink_end_to_end_with_audit_and_light(running):
    r = running()
    r.say("turn on the kitchen lights")
    sent = [json.loads(line) for line in (r.config.paths.state_dir / "sent.jsonl").read_text().splitlines()]
    assert len(sent) == 1 and sent[0]["text"] == "turn on the kitchen lights"
    payload = sent[0]
    assert set(payload) == {"id", "device", "session", "text", "language", "wakeword", "seconds", "redacted", "time"}
    dumped = json.dumps(payload).lower()
    assert all(i.lower() not in dumped for i in hardware_identifiers())
    audit = r.audit()
    assert [a["outcome"] for a in audit] == ["sending", "sent"]
    assert audit[0]["payload"] == payload and audit[0]["destination"].startswith("file:")
    time.sleep(0.7)
    assert [s["state"] for s in r.ring_states()][-2:] == ["sending", "idle"]
    assert ("send_begin", {}) in r.events and r.link.wait_settled(1)


def test_identifier_pushed_straight_into_the_socket_is_refused(running):
    r = running()
    evil, evil2 = "e" * 32, "f" * 32
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(r.config.uplink_socket()))
        f = s.makefile("rwb")
        f.write(b'{"type": "hello"}\n')
        f.write(json.dumps(utterance("my pin is four four two one", evil)).encode() + b"\n")
        f.write(json.dumps(utterance("hello from acct seven seven three one xq", evil2)).encode() + b"\n")
        f.write(json.dumps(utterance("hello from acct-7731-xq")).encode() + b"\n")
        f.write(b"not json\n")
        f.write(b'{"type": "utterance", "text": 3}\n')
        f.flush()
        assert json.loads(f.readline()) == {"type": "hello", "spool": 0, "light": False}  # the link has it
        replies = [json.loads(f.readline()) for _ in range(5)]
    outcomes = {m.get("session"): m for m in replies}
    assert outcomes[evil]["outcome"] == {"file": "refused"}
    assert outcomes[evil2]["outcome"] == {"file": "refused"}
    assert sum(m["type"] == "error" for m in replies) == 3
    assert not (r.config.paths.state_dir / "sent.jsonl").exists()
    refused = [a for a in r.audit() if a["outcome"] == "refused"]
    assert len(refused) == 4 and "four four" not in json.dumps(refused) and "7731" not in json.dumps(refused)
    assert "seven" not in json.dumps(refused) and evil not in json.dumps(refused)


def test_no_listener_means_nothing_is_sent_until_it_is_back(running, tmp_path, caplog):
    r = running(connect_listener=False)
    with socket.socket(socket.AF_UNIX) as s:  # a client that hands over but cannot light anything
        s.connect(str(r.config.uplink_socket()))
        session = uuid.uuid4().hex
        hello_as_listener(s)
        s.sendall(json.dumps(utterance("turn off the lights", session)).encode() + b"\n")
        s.settimeout(10)
        replies = s.makefile()
        assert json.loads(replies.readline())["light"] is True
        light = json.loads(replies.readline())
        assert light["type"] == "light" and light["state"] == "on"
        # ... and never acknowledges: nothing may be sent
        time.sleep(1.5)
    sent = r.config.paths.state_dir / "sent.jsonl"
    deadline = time.monotonic() + 5
    while not any(a["outcome"] == "spooled" for a in r.audit()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not sent.exists()
    assert any(a["outcome"] == "spooled" and "no light" in a["reason"] for a in r.audit())
    assert len(r.uplink.spool) == 1
    r.uplink.work.put(("retry", None))  # the client has gone: the uplink says the listener is unreachable
    deadline = time.monotonic() + 5
    while "the listener is unreachable" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "the listener is unreachable: nothing sent" in caplog.text
    r.connect()  # the listener comes back: the spool is delivered, with the light on
    deadline = time.monotonic() + 10
    while (not sent.exists() or len(r.uplink.spool)) and time.monotonic() < deadline:
        time.sleep(0.05)
    delivered = json.loads(sent.read_text())
    assert re.fullmatch(r"[0-9a-f]{32}", delivered["session"]) and delivered["session"] != session  # the uplink's
    assert len(r.uplink.spool) == 0


def test_audit_log_that_cannot_be_written_means_nothing_is_sent(running, tmp_path):
    r = running()
    r.uplink.audit = AuditLog(tmp_path / "no-such-dir-file" / "x" / "audit.jsonl")
    (tmp_path / "no-such-dir-file").write_text("a file where a directory should be")
    r.say("turn on the lights")
    assert not (r.config.paths.state_dir / "sent.jsonl").exists()
    assert len(r.uplink.spool) == 1


class HomeAssistant(BaseHTTPRequestHandler):
    """Follows the documented conversation API: POST /api/conversation/process."""

    arrivals: list = []

    def do_POST(self):
        first = time.clock_gettime(time.CLOCK_MONOTONIC)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = self.path == "/api/conversation/process" and self.headers["Authorization"] == f"Bearer {SECRET_TOKEN}"
        request = json.loads(body)
        reply = json.dumps({"response": {"speech": {"plain": {"speech": "Turned on the lights",
                                                               "extra_data": None}},
                                         "response_type": "action_done", "language": request.get("language")},
                            "conversation_id": request.get("conversation_id")}).encode()
        time.sleep(0.05)  # the upstream takes a moment
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
        self.wfile.flush()
        last = time.clock_gettime(time.CLOCK_MONOTONIC)
        self.arrivals.append({"first": first, "last": last, "request": request, "headers": dict(self.headers)})

    def log_message(self, *args):
        pass


def serve(handler, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", port or free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def record_posts(port: int = 0, before_reply=None, status: int = 200):
    """A receiver on 127.0.0.1 keeping each POST as (raw body, headers), in arrival order.

    `before_reply(body, headers)` runs after a POST is recorded and before it is answered;
    it may block, to hold a request on the wire."""
    posts: list[tuple[bytes, dict]] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            posts.append((body, dict(self.headers)))
            if before_reply is not None:
                before_reply(body, self.headers)
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server, url = serve(Recorder, port)
    return server, url, posts


def start_uplink(config_path: Path) -> subprocess.Popen:
    """`earmuff uplink` as its own process, once it says it is ready (sd_notify READY=1, what systemd
    waits for): its socket appears a moment before, and a signal in that moment is another story."""
    with tempfile.TemporaryDirectory() as short, socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as ready:
        ready.bind(f"{short}/notify")
        ready.settimeout(20)
        proc = subprocess.Popen([sys.executable, "-m", "device", "uplink", "--config", str(config_path)],
                                stderr=subprocess.DEVNULL, env=dict(os.environ, NOTIFY_SOCKET=f"{short}/notify"))
        with contextlib.suppress(TimeoutError):
            while b"READY=1" not in ready.recv(4096):
                pass
    return proc


def test_home_assistant_with_the_light_on_around_every_byte(running, tmp_path):
    HomeAssistant.arrivals = []
    server, url = serve(HomeAssistant)
    token = tmp_path / "token"
    token.write_text(SECRET_TOKEN + "\n")
    config = make_config(tmp_path, sinks=["homeassistant"],
                         homeassistant={"url": url, "token_file": str(token), "language": "en"})
    r = running(config)
    session = r.say("turn on the kitchen lights")
    server.shutdown()
    (arrival,) = HomeAssistant.arrivals
    # A first command starts a conversation: no conversation_id of ours, and never the session id.
    assert arrival["request"] == {"text": "turn on the kitchen lights", "language": "en"}
    time.sleep(0.8)
    states = r.ring_states()
    on = next(s["t"] for s in states if s["state"] == "sending")
    off = next(s["t"] for s in states if s["t"] > on and s["state"] != "sending")
    assert on < arrival["first"], "the light must be on before the first byte arrives"
    assert off > arrival["last"], "and stay on until after the last"
    assert off - on >= 0.5, "and for at least 500 ms"
    assert ("response", {"session": session, "text": "Turned on the lights", "late": False}) in r.events
    everything = (tmp_path / "state" / "audit.jsonl").read_text()
    assert SECRET_TOKEN not in everything and "Bearer" not in everything


def test_webhook_signature_and_idempotency_key(running, tmp_path):
    server, url, received = record_posts(status=204)
    secret = tmp_path / "hook-secret"
    secret.write_text("s3cret")
    r = running(make_config(tmp_path, sinks=["webhook"], webhook={"url": url + "/hook", "secret_file": str(secret)}))
    r.say("what time is it")
    server.shutdown()
    (body, headers), = received
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Earmuff-Signature"] == expected
    assert headers["Idempotency-Key"] == json.loads(body)["id"]


@pytest.fixture
def mosquitto(tmp_path):
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(10)


def test_mqtt_hermes_text_captured(running, tmp_path, mosquitto):
    import paho.mqtt.client as mqtt

    got = []
    subscriber = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    subscriber.on_message = lambda c, u, m: got.append((m.topic, json.loads(m.payload)))
    subscriber.connect("127.0.0.1", mosquitto)
    subscriber.subscribe("hermes/asr/#", qos=1)
    subscriber.loop_start()
    time.sleep(0.3)
    r = running(make_config(tmp_path, sinks=["mqtt", "file"],
                            mqtt={"host": "127.0.0.1", "port": mosquitto, "site_id": "kitchen"}))
    session = r.say("play some jazz in the kitchen")
    deadline = time.monotonic() + 10
    while not got and time.monotonic() < deadline:
        time.sleep(0.05)
    subscriber.loop_stop()
    (topic, message), = got
    assert topic == "hermes/asr/textCaptured"
    sent = json.loads((r.config.paths.state_dir / "sent.jsonl").read_text())
    assert message == {"text": "play some jazz in the kitchen", "likelihood": 1.0, "seconds": 2.0,
                       "siteId": "kitchen", "sessionId": sent["session"]}  # the uplink's session, whole seconds
    assert sent["session"] != session
    assert {a["sink"] for a in r.audit() if a["outcome"] == "sent"} == {"mqtt", "file"}


def test_unreachable_broker_spools_then_delivers_in_order(running, tmp_path, mosquitto):
    port = free_port()  # nothing listens here yet
    r = running(make_config(tmp_path, sinks=["webhook"], webhook={"url": f"http://127.0.0.1:{port}/h"}))
    for n in range(3):
        r.say(f"note number {['one', 'two', 'three'][n]}")
    assert len(r.uplink.spool) == 3
    server, _, received = record_posts(port)
    deadline = time.monotonic() + 15
    while len(received) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.shutdown()
    texts = [json.loads(body)["text"] for body, _ in received]
    assert texts == ["note number one", "note number two", "note number three"]
    assert len(r.uplink.spool) == 0


def test_expired_spool_items_are_audited(running, tmp_path):
    r = running(make_config(tmp_path, sinks=["webhook"], webhook={"url": f"http://127.0.0.1:{free_port()}/h"},
                            spool_max_age_s=1))
    r.say("turn on the fan")
    time.sleep(1.5)
    r.uplink.work.put(("retry", None))
    deadline = time.monotonic() + 5
    while not any(a["outcome"] == "expired" for a in r.audit()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(a["outcome"] == "expired" for a in r.audit()) and len(r.uplink.spool) == 0


def test_spool_survives_kill_9(tmp_path):
    """The uplink killed mid-send: on restart the spooled payload goes out once, with the same key."""
    port = free_port()
    config = tmp_path / "earmuff.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path}/state"\nruntime_dir = "{tmp_path}/run"\n'
                      f'[uplink]\nsinks = ["webhook"]\nretry_min_s = 0.1\nretry_max_s = 0.2\n'
                      f'[uplink.webhook]\nurl = "http://127.0.0.1:{port}/h"\n')
    loaded = cfg.load(config)
    ring = Ring(JsonlDriver(str(tmp_path / "ring.jsonl")))
    uplink = start_uplink(config)
    lock = hold_listener_lock(loaded)  # noqa: F841 - this process is the listener
    link = UplinkLink(loaded.uplink_socket(), ring)
    link.start()
    link.submit(utterance("lock the front door", "9" * 32))
    assert link.wait_settled(15)
    spool = tmp_path / "state" / "spool"
    assert len(list(spool.glob("*.json"))) == 1
    uplink.send_signal(signal.SIGKILL)
    uplink.wait(10)
    server, _, received = record_posts(port)
    os.unlink(loaded.uplink_socket())  # what a killed process leaves behind is cleaned on start
    uplink = start_uplink(config)
    deadline = time.monotonic() + 20
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    uplink.terminate()
    uplink.wait(10)
    link.close()
    ring.close()
    server.shutdown()
    assert len(received) == 1
    body, headers = received[0]
    payload = json.loads(body)
    assert payload["session"] != "9" * 32 and headers["Idempotency-Key"] == payload["id"]  # the uplink's own
    audit = [json.loads(line) for line in (tmp_path / "state" / "audit.jsonl").read_text().splitlines()]
    assert [a["outcome"] for a in audit][-2:] == ["sending", "sent"] and not list(spool.glob("*.json"))


def test_send_audio_crosses_only_redacted(tmp_path, ko_model):
    """With send_audio on, the audio that crosses is the utterance with identifier words silenced."""
    import numpy as np

    from device.listener import service as listener
    from device.listener.transcribe import Transcript, Word
    from device.listener.wake import Detection
    from device.uplink.protocol import Rules, parse_utterance

    config = cfg.from_dict({"paths": {"state_dir": str(tmp_path)}, "transcribe": {"model": str(ko_model)},
                            "uplink": {"send_audio": True}})
    lst = listener.build(config, source=object())
    words = [Word("call", 0.1, 0.4, 1), Word("olivia", 0.5, 0.9, 1)]
    redaction = lst.redactor.redact(words)
    lst._utterance_audio = [np.full(1280, 5000, np.int16)] * 13  # 1.04 s of loud audio
    lst._wake = Detection("hey_jarvis", 3.0, 0.9)
    message = lst._handover(Transcript(words=words, duration=1.04), redaction)
    listener.close(lst)
    crossing = parse_utterance(message, Rules.from_config(config))  # what the listener makes crosses the boundary
    assert crossing.text == "call [PERSON]" and len(crossing.pcm) == 13 * 1280 * 2
    import io
    import wave

    with wave.open(io.BytesIO(base64.b64decode(message["audio"]))) as w:
        audio = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    assert message["text"] == "call [PERSON]"
    assert (audio[int(0.46 * 16000) : int(0.94 * 16000)] == 0).all()  # "olivia", padded, is silence
    assert (audio[int(0.1 * 16000) : int(0.4 * 16000)] == 5000).all()  # "call" is still there


def run_config(tmp_path, ko_model, wav, **audio) -> Path:
    config = tmp_path / "earmuff.toml"
    lines = [f'[paths]\nstate_dir = "{tmp_path}/state"\nruntime_dir = "{tmp_path}/run"',
             f'[audio]\nsource = "file:{wav}"'] + [f"{k} = {str(v).lower()}" for k, v in audio.items()]
    lines += [f'[transcribe]\nmodel = "{ko_model}"', f'[led]\ndriver = "jsonl:{tmp_path}/ring.jsonl"',
              '[control]\ngroup = ""']
    config.write_text("\n".join(lines) + "\n")
    return config


def test_earmuff_run_processes_a_file_and_exits_when_all_is_delivered(tmp_path, ko_model, wake_command):
    from tests import speech

    wav = speech.write(tmp_path / "in.wav", speech.concat(wake_command, wake_command))
    config = run_config(tmp_path, ko_model, wav, exit_at_end=True)
    proc = subprocess.run([sys.executable, "-m", "device", "run", "--config", str(config)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    sent = (tmp_path / "state" / "sent.jsonl").read_text().splitlines()
    assert len(sent) == 2
    audit = subprocess.run([sys.executable, "-m", "device", "audit", "--config", str(config), "--since", "1h"],
                           capture_output=True, text=True, timeout=60)
    # The daemon is gone, but the log is a file: it is read directly, and the owner is told so.
    assert audit.returncode == 0 and "not running; reading" in audit.stderr
    assert audit.stdout.count("sending  file") == 2 and audit.stdout.count("sent     file") == 2
    lines = (tmp_path / "state" / "audit.jsonl").read_text().splitlines()
    assert [json.loads(line)["outcome"] for line in lines] == ["sending", "sent"] * 2
    assert not (tmp_path / "run" / "uplink.sock").exists() and not (tmp_path / "run" / "control.sock").exists()


def test_earmuff_run_exits_non_zero_when_a_child_dies(tmp_path, ko_model, wake_command):
    from tests import speech

    wav = speech.write(tmp_path / "in.wav", speech.concat(wake_command, speech.silence(60)))
    config = run_config(tmp_path, ko_model, wav, realtime=True)
    proc = subprocess.Popen([sys.executable, "-m", "device", "run", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (tmp_path / "run" / "control.sock").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    pids = subprocess.run(["pgrep", "-f", f"device uplink --config {config}"], capture_output=True,
                          text=True).stdout.split()
    assert pids
    os.kill(int(pids[0]), signal.SIGKILL)
    assert proc.wait(timeout=60) != 0
    assert "uplink exited with -9" in proc.communicate()[1]


def test_apa102_ring_on_mock_pins_is_magenta_before_the_first_byte(tmp_path):
    """The same timeline through gpiozero's MockFactory: the APA102 frames themselves."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    from device.config import LedSettings
    from device.ring.led import LOOKS, Apa102Driver
    from tests.test_device_io import Apa102Recorder

    class TimedRecorder(Apa102Recorder):
        def on_start(self):
            super().on_start()
            self.times = getattr(self, "times", []) + [time.clock_gettime(time.CLOCK_MONOTONIC)]

    Device.pin_factory = factory = MockFactory()
    try:
        leds = TimedRecorder(clock_pin=11, mosi_pin=10, select_pin=8, pin_factory=factory)
        HomeAssistant.arrivals = []
        server, url = serve(HomeAssistant)
        token = tmp_path / "token"
        token.write_text(SECRET_TOKEN)
        config = make_config(tmp_path, sinks=["homeassistant"], homeassistant={"url": url, "token_file": str(token)})
        uplink = Uplink(config)
        uplink.start()
        worker = threading.Thread(target=uplink.run, daemon=True)
        worker.start()
        ring = Ring(Apa102Driver(LedSettings(driver="apa102", count=3, brightness=1.0), pin_factory=factory))
        ring.set_state("idle")
        lock = hold_listener_lock(config)  # noqa: F841 - this process is the listener
        link = UplinkLink(config.uplink_socket(), ring)
        link.start()
        link.submit(utterance("turn on the lights"))
        assert link.wait_settled(15)
        time.sleep(0.8)
        link.close()
        uplink.stop()
        ring.close()
        server.shutdown()
        (arrival,) = HomeAssistant.arrivals
        r, g, b = LOOKS["sending"].rgb

        def magenta(frame):  # pulsing, so any brightness of the sending colour
            red, green, blue = frame[7], frame[6], frame[5]
            return green == 0 and red > 0 and abs(blue / red - b / r) < 0.1

        lit = [t for t, f in zip(leds.times, leds.frames, strict=True) if len(f) >= 8 and magenta(f)]
        assert lit and lit[0] < arrival["first"] and lit[-1] > arrival["last"]
    finally:
        Device.pin_factory = None


def test_audit_log_rotates_by_size(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl", max_bytes=10_000)
    for i in range(200):
        log.append({"outcome": "sent", "n": i, "payload": {"text": "x" * 50}})
    current = [json.loads(line)["n"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    older = [json.loads(line)["n"] for line in (tmp_path / "audit.jsonl.1").read_text().splitlines()]
    assert current[-1] == 199 and older[-1] + 1 == current[0]
    assert (tmp_path / "audit.jsonl").stat().st_size <= 10_000
