"""Delivery semantics: commands now or never, records kept; refused credentials; replies and
their sessions; Home Assistant conversations; one uplink and one listener per state directory.

The real Home Assistant checks are in test_homeassistant.py; here the other ends are a real
mosquitto with a password file, and HTTP servers on 127.0.0.1 that answer the way Home
Assistant's conversation API is documented to (the default agent of a real Home Assistant
always answers conversation_id null, so a conversation is only seen with an agent like this).
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import hmac
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler

import pytest

from device.files import EX_TEMPFAIL
from tests.test_uplink import Running, free_port, make_config, serve, start_uplink
from tests.waiting import wait_for


@pytest.fixture
def running():
    """Start an in-process uplink with a listener link (see test_uplink.Running); closed after."""
    made = []

    def start(config):
        made.append(Running(config))
        return made[-1]

    yield start
    for r in made:
        r.close()


def utterance(text: str) -> dict:
    """What the listener hands over (listener._handover), for a test that needs to time it itself."""
    return {"type": "utterance", "session": uuid.uuid4().hex, "text": text, "redacted": {},
            "wakeword": "hey_jarvis", "seconds": 1.5}


def conversation_agent(hold: threading.Event | None = None):
    """An HTTP conversation endpoint that answers "done: TEXT" and keeps one conversation id.
    With `hold`, the first request is answered only once it is set."""
    requests: list[dict] = []

    class Agent(BaseHTTPRequestHandler):
        def do_POST(self):
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append(request)
            if hold is not None and len(requests) == 1:
                hold.wait(10)
            reply = json.dumps({"response": {"speech": {"plain": {"speech": f"done: {request['text']}"}},
                                             "response_type": "action_done"},
                                "conversation_id": request.get("conversation_id") or "01HCONVERSATION"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server, url = serve(Agent)
    return server, url, requests


def test_home_assistant_conversation_continues_within_the_follow_up_window(running, tmp_path):
    server, url, requests = conversation_agent()
    token = tmp_path / "token"
    token.write_text("t")
    r = running(make_config(tmp_path, sinks=["homeassistant"], homeassistant={
        "url": url, "token_file": str(token), "agent_id": "conversation.kitchen_helper", "follow_up_s": 1.0}))
    r.say("turn on the kitchen light")
    r.say("and make it brighter")
    time.sleep(1.3)  # past the follow-up window
    r.say("what time is it")
    server.shutdown()
    assert [q.get("conversation_id") for q in requests] == [None, "01HCONVERSATION", None]
    assert {q["agent_id"] for q in requests} == {"conversation.kitchen_helper"}


def test_a_reply_that_arrives_after_a_newer_command_is_marked_late(running, tmp_path):
    hold = threading.Event()
    server, url, requests = conversation_agent(hold)
    r = running(make_config(tmp_path, sinks=["homeassistant"], homeassistant={"url": url}))
    first = utterance("turn on the light")
    r.link.submit(first)
    assert wait_for(lambda: len(requests) == 1)  # the first is on the wire, its reply held back
    second = utterance("turn it off again")  # spoken before the first reply came
    r.link.submit(second)
    hold.set()
    assert r.link.wait_settled(10)
    assert wait_for(lambda: len([n for n, _ in r.events if n == "response"]) == 2)
    server.shutdown()
    replies = [d for n, d in r.events if n == "response"]
    assert replies == [{"session": first["session"], "text": "done: turn on the light", "late": True},
                       {"session": second["session"], "text": "done: turn it off again", "late": False}]


@contextlib.contextmanager
def held_then_delivered(config, stale_after_s):
    """A command said while the uplink is down ("unlock the back door", held 1.5 s by the
    listener's link), then the uplink starts and a fresh command follows. Yields the held
    and fresh utterances, the link's events and the running uplink, once all is settled."""
    from device.listener.link import UplinkLink
    from device.ring.led import JsonlDriver, Ring

    ring = Ring(JsonlDriver(str(config.paths.state_dir.parent / "ring.jsonl")))
    events = []
    link = UplinkLink(config.uplink_socket(), ring, on_event=lambda n, d: events.append((n, d)),
                      stale_after_s=stale_after_s)
    link.start()
    old = utterance("unlock the back door")
    link.submit(old)  # no uplink yet: it waits in the link's queue
    time.sleep(1.5)
    r = Running(config, connect_listener=False)
    try:
        assert wait_for(lambda: link.connected)
        fresh = utterance("turn on the porch light")
        link.submit(fresh)
        assert link.wait_settled(10)
        yield old, fresh, events, r
    finally:
        link.close()
        r.close()
        ring.close()


def test_a_command_the_listener_held_while_the_uplink_was_down_is_dropped_not_handed_over(tmp_path):
    server, url, requests = conversation_agent()
    config = make_config(tmp_path, sinks=["homeassistant"], homeassistant={"url": url, "max_delay_s": 1})
    assert config.uplink.command_max_delay_s() == 1
    with_records = make_config(tmp_path, sinks=["homeassistant", "file"], homeassistant={"url": url})
    assert with_records.uplink.command_max_delay_s() is None  # the file keeps it: handed over as ever
    try:
        with held_then_delivered(config, config.uplink.command_max_delay_s()) as (old, fresh, events, _):
            assert [q["text"] for q in requests] == ["turn on the porch light"]
            (dropped,) = [d for n, d in events if n == "command_dropped"]
            assert dropped["session"] == old["session"] and "the uplink was unreachable for" in dropped["reason"]
    finally:
        server.shutdown()


def test_a_command_the_listener_held_is_never_run_late_even_when_a_record_sink_keeps_it(tmp_path):
    """With a file sink too, the listener hands a held utterance over; the uplink counts the
    command's freshness from when it was said (waited_s), so Home Assistant never gets it."""
    server, url, requests = conversation_agent()
    config = make_config(tmp_path, sinks=["homeassistant", "file"], homeassistant={"url": url, "max_delay_s": 1})
    assert config.uplink.command_max_delay_s() is None  # so the link itself drops nothing
    try:
        with held_then_delivered(config, None) as (old, fresh, events, r):
            assert wait_for(lambda: len(requests) == 1)
            assert [q["text"] for q in requests] == ["turn on the porch light"]  # the old command never ran
            sent = [json.loads(x)["text"] for x in (tmp_path / "state" / "sent.jsonl").read_text().splitlines()]
            assert sent == ["unlock the back door", "turn on the porch light"]  # the record keeps both
            expired = [a for a in r.audit() if a["outcome"] == "expired"]
            assert [a["sink"] for a in expired] == ["homeassistant"]
            assert expired[0]["session"] != old["session"]  # the uplink's own session; the listener's never
            accepted = {d["session"]: d["outcome"] for n, d in events if n == "uplink_outcome"}
            assert accepted[old["session"]] == {"homeassistant": "expired", "file": "sent"}
            assert accepted[fresh["session"]] == {"homeassistant": "sent", "file": "sent"}
    finally:
        server.shutdown()


def signed_receiver(secret: bytes):
    """A webhook receiver that takes a POST only with a valid signature (401 otherwise)."""
    posts: list[tuple[int, dict]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            good = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            status = 204 if hmac.compare_digest(self.headers.get("X-Earmuff-Signature", ""), good) else 401
            posts.append((status, json.loads(body)))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server, url = serve(Receiver)
    return server, url, posts


def test_a_webhook_that_refuses_the_secret_is_asked_once_and_its_records_wait(running, tmp_path):
    server, url, posts = signed_receiver(b"the-right-secret")
    secret = tmp_path / "hook-secret"
    secret.write_text("an-old-secret")
    r = running(make_config(tmp_path, sinks=["webhook"], webhook={"url": url + "/hook", "secret_file": str(secret)}))
    r.say("note one")
    r.say("note two")
    time.sleep(1.0)  # retry_max_s is 0.2 s here: blind retries would have come by now
    assert [status for status, _ in posts] == [401]
    assert "refused the credentials: HTTP 401" in r.link.problem and str(secret) in r.link.problem
    assert len(r.uplink.spool) == 2  # a record waits; it is not dropped
    secret.write_text("the-right-secret")
    assert wait_for(lambda: len(posts) == 3)
    server.shutdown()
    assert [(status, p["text"]) for status, p in posts[1:]] == [(204, "note one"), (204, "note two")]
    assert wait_for(lambda: r.link.problem is None)
    assert len(r.uplink.spool) == 0


def test_unchanged_refused_credentials_are_tried_again_only_after_auth_retry_s(running, tmp_path):
    server, url, posts = signed_receiver(b"the-right-secret")
    secret = tmp_path / "hook-secret"
    secret.write_text("an-old-secret")
    r = running(make_config(tmp_path, sinks=["webhook"], auth_retry_s=1,
                            webhook={"url": url + "/hook", "secret_file": str(secret)}))
    r.say("note one")
    time.sleep(2.6)  # blind retries every 0.2 s would be a dozen by now
    server.shutdown()
    # At 0 s, after 1 s, after 2 s (on a busy machine one may fall just outside the sleep).
    assert {status for status, _ in posts} == {401} and 2 <= len(posts) <= 4
    assert len(r.uplink.spool) == 1


@pytest.fixture
def mosquitto_with_password(tmp_path):
    """A real mosquitto that takes user "speaker" with password "right-password" only."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    passwords = tmp_path / "mosquitto.passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), "speaker", "right-password"], check=True,
                   capture_output=True)
    passwords.chmod(0o600)
    port, log = free_port(), tmp_path / "mosquitto.log"
    conf = tmp_path / "mosquitto.conf"
    # As root, mosquitto would switch to its own user, which cannot read these files: stay as we are.
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\n"
                    f"user {getpass.getuser()}\npersistence false\nlog_dest file {log}\nlog_type all\n"
                    "connection_messages true\n")
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0)
    yield port, log
    proc.terminate()
    proc.wait(10)


def test_mqtt_bad_password_is_tried_once_then_a_fixed_password_file_resumes(running, tmp_path,
                                                                           mosquitto_with_password):
    port, broker_log = mosquitto_with_password
    password = tmp_path / "mqtt-password"
    password.write_text("wrong-password")
    r = running(make_config(tmp_path, sinks=["mqtt"], mqtt={
        "host": "127.0.0.1", "port": port, "username": "speaker", "password_file": str(password),
        "max_delay_s": 0}))  # a record topic here, so the payload waits for the fix
    r.say("the garden is dry")
    assert wait_for(lambda: r.link.problem and "refused the credentials" in r.link.problem)
    time.sleep(1.0)  # retry_max_s is 0.2 s here: blind retries would have come by now
    refusals = broker_log.read_text().count("not authorised")
    assert refusals == 1, broker_log.read_text()
    assert [a["outcome"] for a in r.audit()].count("refused-auth") == 1
    password.write_text("right-password\n")
    assert wait_for(lambda: any(a["outcome"] == "sent" for a in r.audit()))
    assert broker_log.read_text().count("not authorised") == 1
    assert wait_for(lambda: r.link.problem is None)


def test_an_mqtt_command_past_its_freshness_limit_is_dropped_not_published(running, tmp_path):
    port = free_port()  # no broker yet
    r = running(make_config(tmp_path, sinks=["mqtt"], mqtt={"host": "127.0.0.1", "port": port,
                                                             "max_delay_s": 1}))
    session = r.say("open the garage")
    assert wait_for(lambda: any(a["outcome"] == "expired" for a in r.audit()), 5)
    (expired,) = [a for a in r.audit() if a["outcome"] == "expired"]
    assert expired["session"] != session and "not delivered to the MQTT broker within 1 s" in expired["reason"]
    assert wait_for(lambda: [d["session"] for n, d in r.events if n == "command_dropped"] == [session])
    assert r.link.dropped["session"] == session and len(r.uplink.spool) == 0


def uplink_config(tmp_path):
    config = tmp_path / "earmuff.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path}/state"\nruntime_dir = "{tmp_path}/run"\n'
                      '[uplink]\nsinks = ["file"]\n')
    return config


def test_a_second_uplink_exits_and_leaves_the_first_ones_socket(tmp_path):
    config = uplink_config(tmp_path)
    first = start_uplink(config)
    sock = tmp_path / "run" / "uplink.sock"
    try:
        inode = sock.stat().st_ino
        second = subprocess.run([sys.executable, "-m", "device", "uplink", "--config", str(config)],
                                capture_output=True, text=True, timeout=30)
        assert second.returncode == EX_TEMPFAIL
        assert "another earmuff uplink is already running" in second.stderr
        assert f"pid {first.pid}" in second.stderr
        assert sock.stat().st_ino == inode and first.poll() is None
        with socket.socket(socket.AF_UNIX) as s:  # the first one still answers
            s.connect(str(sock))
            s.sendall(b'{"type": "hello"}\n')
            assert json.loads(s.makefile().readline())["type"] == "hello"
    finally:
        first.terminate()
        first.wait(10)
    # Once the first has gone, the lock is free again.
    again = start_uplink(config)
    assert again.poll() is None
    again.terminate()
    assert again.wait(10) == 0


def test_sigterm_at_the_earliest_moment_still_ends_cleanly(tmp_path):
    """Issue 27: the handlers are in place before the uplink takes its lock and makes its socket, so
    a SIGTERM right after the lock (while the redactor loads, before the socket) ends it by its
    clean-up: exit 0, no socket left behind, and a new uplink starts."""
    import signal

    config = uplink_config(tmp_path)
    lock = tmp_path / "state" / "uplink.lock"
    proc = subprocess.Popen([sys.executable, "-m", "device", "uplink", "--config", str(config)],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not lock.exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert not (tmp_path / "run" / "uplink.sock").exists()
    again = start_uplink(config)
    assert again.poll() is None
    again.terminate()
    assert again.wait(10) == 0


def test_a_second_listener_on_the_same_state_directory_exits(tmp_path):
    from device.files import hold_lock

    config = uplink_config(tmp_path)
    held = hold_lock(tmp_path / "state" / "listener.lock", "earmuff listener")
    try:
        second = subprocess.run([sys.executable, "-m", "device", "listen", "--config", str(config)],
                                capture_output=True, text=True, timeout=60)
    finally:
        held.close()
    assert second.returncode == EX_TEMPFAIL
    assert "another earmuff listener is already running" in second.stderr


@pytest.mark.slow
def test_a_dropped_command_shows_on_the_ring_and_in_status(tmp_path, ko_model, wake_command):
    """`earmuff run` with Home Assistant unreachable: the command is dropped after max_delay_s,
    the ring shows error for a moment, and `earmuff status` says what happened."""
    from tests import speech

    wav = speech.write(tmp_path / "in.wav", speech.concat(wake_command, speech.silence(20)))
    config = tmp_path / "earmuff.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path}/state"\nruntime_dir = "{tmp_path}/run"\n'
                      f'[audio]\nsource = "file:{wav}"\nrealtime = true\n'
                      f'[transcribe]\nmodel = "{ko_model}"\n[control]\ngroup = ""\n'
                      f'[led]\ndriver = "jsonl:{tmp_path}/ring.jsonl"\n'
                      '[uplink]\nsinks = ["homeassistant"]\nretry_min_s = 0.2\nretry_max_s = 0.5\n'
                      f'[uplink.homeassistant]\nurl = "http://127.0.0.1:{free_port()}"\nmax_delay_s = 1\n')
    run = subprocess.Popen([sys.executable, "-m", "device", "run", "--config", str(config)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def status() -> str:
        return subprocess.run([sys.executable, "-m", "device", "status", "--config", str(config)],
                              capture_output=True, text=True, timeout=30).stdout

    try:
        assert wait_for(lambda: "a command was dropped" in status(), 60)
        readable = status()
        assert "never run late: not delivered to Home Assistant within 1 s" in readable
        ring = [json.loads(line)["state"] for line in (tmp_path / "ring.jsonl").read_text().splitlines()]
        assert "error" in ring[ring.index("thinking"):]
        assert wait_for(lambda: json.loads((tmp_path / "ring.jsonl").read_text().splitlines()[-1])["state"]
                        == "idle", 10), "the error shows for a moment, then the ring is back to idle"
    finally:
        run.terminate()
        run.wait(30)
