"""The uplink socket attacked as a local user, a second process or a broken listener would:
real processes (another uid by setuid, stopped and flooding clients), the real file sink,
the real audit log, and a real `earmuff uplink` process for crash and restart."""

import json
import math
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
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from device import config as cfg
from device.listener.link import UplinkLink
from device.owner.config_check import check_file
from device.redact.redactor import LABELS
from device.ring.led import JsonlDriver, Ring
from device.uplink.protocol import PAYLOAD_KEYS, Rules, build_payload, clean_text, parse_utterance
from device.uplink.service import Uplink
from tests.test_uplink import (
    Running,
    hello_as_listener,
    hold_listener_lock,
    make_config,
    record_posts,
    start_uplink,
    utterance,
)
from tests.waiting import wait_for

NOBODY = 65534
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a client as another user")

# A client in its own process: connect (as another uid if asked), send lines, then read, hold or flood.
CLIENT = r"""
import json, os, signal, socket, sys, threading, time
path, uid, mode, lines = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
if uid >= 0:
    os.setgroups([]); os.setgid(uid); os.setuid(uid)
s = socket.socket(socket.AF_UNIX)
s.connect(path)
cut_off = False
for line in lines:
    try:
        s.sendall(line.encode() + b"\n")
    except OSError:  # the uplink hung up already
        cut_off = True
        break
if mode == "close":  # a bare connect and close
    s.close()
    print("{}")
elif mode.startswith("read"):  # replies until the uplink hangs up, 3 s of silence, or read:N of them
    want = int(mode[5:] or 0) if ":" in mode else 0
    s.settimeout(3)
    buf, eof = b"", cut_off
    try:
        while not eof and not (want and buf.count(b"\n") >= want):
            chunk = s.recv(65536)
            if not chunk:
                eof = True
                break
            buf += chunk
    except ConnectionResetError:  # hung up with our lines unread
        eof = True
    except socket.timeout:
        pass
    print(json.dumps({"replies": [json.loads(x) for x in buf.splitlines() if x], "eof": eof}))
elif mode == "stop":  # said what it had to, then stops dead with the connection open (hung, half-open)
    print("ready", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
elif mode == "flood":  # writes forever, never reads
    sent = 0
    try:
        while True:
            s.sendall(b'{"type": "hello"}\n' * 100)
            sent += 100
    except OSError as e:
        print(json.dumps({"sent": sent, "error": type(e).__name__}))
elif mode == "ack":  # a listener's impostor: answers every light it is asked, for ACK_S seconds
    s.settimeout(0.2)
    lights, hello_light, buf = 0, None, b""
    print("ready", flush=True)
    deadline = time.monotonic() + float(os.environ.get("ACK_S", "4"))
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            raw, buf = buf.split(b"\n", 1)
            m = json.loads(raw)
            if m.get("type") == "hello":
                hello_light = m.get("light")
            elif m.get("type") == "light" and m.get("state") == "on":
                lights += 1
                s.sendall(json.dumps({"type": "light_ack", "id": m["id"], "shown": True}).encode() + b"\n")
    print(json.dumps({"lights": lights, "hello_light": hello_light}))
elif mode == "spam":  # acks every light id it can guess, with a hello now and then so it is never cut off
    got = []
    def read():
        f = s.makefile("rb")
        for line in f:
            got.append(json.loads(line))
    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + float(os.environ.get("SPAM_S", "4"))
    while time.monotonic() < deadline:
        try:
            s.sendall(b'{"type": "hello"}\n' + b"".join(
                json.dumps({"type": "light_ack", "id": i, "shown": True}).encode() + b"\n" for i in range(1, 11)))
        except OSError:
            break
        time.sleep(0.01)
    time.sleep(0.3)
    print(json.dumps({"lights": sum(m.get("type") == "light" for m in got),
                      "errors": sum(m.get("type") == "error" for m in got)}))
"""


def client(path: Path, mode: str, lines=(), uid: int = -1, wait: bool = True, env=None):
    args = [sys.executable, "-c", CLIENT, str(path), str(uid), mode, json.dumps(list(lines))]
    if not wait:
        return subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def line(message: dict) -> str:
    return json.dumps(message)


def sent(r: Running) -> list[dict]:
    path = r.config.paths.state_dir / "sent.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []



@pytest.fixture
def open_dir():
    """A directory other users can reach, as the installed /run/earmuff is for its group."""
    base = Path(tempfile.mkdtemp(dir="/tmp", prefix="earmuff-boundary-"))
    os.chmod(base, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def start(base: Path, connect_listener: bool = True, **uplink) -> Running:
    r = Running(make_config(base, **uplink), connect_listener=connect_listener)
    os.chmod(r.config.uplink_socket().parent, 0o755)
    os.chmod(r.config.uplink_socket(), 0o666)  # even with the file mode wide open, the uid decides
    return r


# -- who may speak -------------------------------------------------------------------------
@needs_root
def test_another_user_is_refused_at_accept_and_audited_by_uid_only(open_dir):
    r = start(open_dir)
    try:
        out = client(r.config.uplink_socket(), "read", [line({"type": "hello"}),
                                                        line(utterance("unlock the front door"))], uid=NOBODY)
        assert out == {"replies": [], "eof": True}  # closed at once: not a byte back
        refused = [a for a in r.audit() if a["outcome"] == "refused_connection"]
        assert len(refused) == 1 and refused[0]["uid"] == NOBODY and refused[0]["pid"] > 0
        assert "unlock" not in json.dumps(r.audit()) and not sent(r)
        r.say("turn on the lights")  # the listener still holds the light and sends
        assert [p["text"] for p in sent(r)] == ["turn on the lights"]
    finally:
        r.close()


@needs_root
def test_only_the_configured_listener_user_may_connect(open_dir):
    r = start(open_dir, connect_listener=False, listener_user="nobody")
    try:
        out = client(r.config.uplink_socket(), "read", [line({"type": "hello"})])  # root is not the listener
        assert out == {"replies": [], "eof": True}
        out = client(r.config.uplink_socket(), "read:1", [line({"type": "hello"})], uid=NOBODY)
        # Let in, and answered; the light is the listener's (the process holding its lock), not this one's.
        assert out["replies"] == [{"type": "hello", "spool": 0, "light": False}]
        assert [a["uid"] for a in r.audit() if a["outcome"] == "refused_connection"] == [0]
    finally:
        r.close()


def test_an_unknown_listener_user_is_a_config_error_naming_the_key(tmp_path):
    config = make_config(tmp_path, listener_user="earmuff-no-such-user")  # the file itself is well formed
    with pytest.raises(cfg.ConfigError, match=r"\[uplink\] listener_user.*no such user"):
        Uplink(config, sinks={})
    path = tmp_path / "earmuff.toml"
    path.write_text('[uplink]\nlistener_user = "earmuff-no-such-user"\n')
    _, errors, _ = check_file(path)
    assert any("[uplink] listener_user" in e and "no such user" in e for e in errors), errors


def test_refused_connections_are_audited_at_a_bounded_rate(tmp_path):
    r = Running(make_config(tmp_path, listener_user="nobody"), connect_listener=False)
    try:
        for _ in range(50):  # a flood of connects cannot rotate the real entries out of the log
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(str(r.config.uplink_socket()))
        assert wait_for(lambda: r.uplink.counters["refused_connections"] == 50)
        assert len([a for a in r.audit() if a["outcome"] == "refused_connection"]) == 10
    finally:
        r.close()


def test_connect_and_close_by_another_process_does_not_orphan_the_listener(tmp_path):
    r = Running(make_config(tmp_path))
    try:
        for _ in range(20):
            client(r.config.uplink_socket(), "close")  # a bare connect()+close() each
        client(r.config.uplink_socket(), "read:1", [line({"type": "hello"})])  # one that says hello, then goes
        r.say("turn on the lights")
        assert [p["text"] for p in sent(r)] == ["turn on the lights"]
        assert not [a for a in r.audit() if a["outcome"] == "spooled"]
    finally:
        r.close()


def test_a_second_connection_never_gets_or_answers_the_light(tmp_path):
    r = Running(make_config(tmp_path))
    try:
        spammer = client(r.config.uplink_socket(), "spam", wait=False)
        time.sleep(0.5)
        for text in ("turn on the lights", "turn off the lights", "what time is it"):
            r.say(text)
        out = json.loads(spammer.communicate(timeout=30)[0])
        assert out["lights"] == 0  # never asked: the light goes to the first connection that said hello
        assert out["errors"] > 100  # each guessed ack refused: no light is waiting on that connection
        assert len(sent(r)) == 3 and r.uplink.listener is not None
    finally:
        r.close()


def test_shown_false_is_final_whoever_says_otherwise(tmp_path):
    r = Running(make_config(tmp_path), connect_listener=False)
    holder = socket.socket(socket.AF_UNIX)
    try:
        holder.connect(str(r.config.uplink_socket()))
        holder.settimeout(10)
        hello_as_listener(holder)
        seen = []

        def answer_every_light_with_no():  # a ring that cannot show "sending"; it says so, then says yes
            for raw in holder.makefile("rb"):
                m = json.loads(raw)
                seen.append(m)
                if m["type"] == "light" and m["state"] == "on":
                    holder.sendall(line({"type": "light_ack", "id": m["id"], "shown": False}).encode() + b"\n"
                                   + line({"type": "light_ack", "id": m["id"], "shown": True}).encode() + b"\n")

        threading.Thread(target=answer_every_light_with_no, daemon=True).start()
        assert wait_for(lambda: seen and seen[0]["light"] is True)
        spammer = client(r.config.uplink_socket(), "spam", wait=False, env={"SPAM_S": "3"})
        time.sleep(0.3)
        holder.sendall(line(utterance("turn on the lights")).encode() + b"\n")
        out = json.loads(spammer.communicate(timeout=30)[0])
        asked = [m for m in seen if m["type"] == "light" and m["state"] == "on"]
        assert len(asked) >= 2 and out["lights"] == 0  # asked again on retries, always the holder
        late = [m for m in seen if m["type"] == "error" and "no light is waiting" in m["message"]]
        assert len(late) == len(asked) or len(late) == len(asked) - 1  # every second answer refused
        assert not sent(r) and len(r.uplink.spool) == 1
        assert any(a["outcome"] == "spooled" and "did not show the light" in a["reason"] for a in r.audit())
    finally:
        holder.close()
        r.close()


@pytest.mark.parametrize("ack", [
    {"type": "light_ack", "id": [1], "shown": True},
    {"type": "light_ack", "id": {"n": 1}, "shown": True},
    {"type": "light_ack", "id": "1", "shown": True},
    {"type": "light_ack", "id": 1.0, "shown": True},
    {"type": "light_ack", "id": True, "shown": True},
    {"type": "light_ack", "id": 1},
    {"type": "light_ack", "id": 1, "shown": True, "also": 1},
])
def test_acks_with_bad_ids_get_an_error_and_the_connection_lives(tmp_path, ack):
    r = Running(make_config(tmp_path), connect_listener=False)
    try:
        out = client(r.config.uplink_socket(), "read:3", [line({"type": "hello"}), line(ack), line({"type": "hello"})])
        kinds = [m["type"] for m in out["replies"]]
        assert kinds == ["hello", "error", "hello"]
    finally:
        r.close()


def test_a_silent_connection_is_closed_and_the_connections_are_bounded(tmp_path, monkeypatch):
    from device.uplink import service

    monkeypatch.setattr(service, "HELLO_TIMEOUT_S", 0.5)
    r = Running(make_config(tmp_path))
    try:
        silent = [socket.socket(socket.AF_UNIX) for _ in range(service.MAX_CONNECTIONS + 2)]
        for s in silent:
            s.connect(str(r.config.uplink_socket()))
            s.settimeout(5)
        ends = [s.recv(10) for s in silent]  # never a hello: each closed (the last ones at once: no room)
        assert ends == [b""] * len(silent)
        assert any(a["reason"] == "too many connections" for a in r.audit() if a["outcome"] == "refused_connection")
        for s in silent:
            s.close()
        r.say("turn on the lights")  # the listener that said hello is untouched
        assert [p["text"] for p in sent(r)] == ["turn on the lights"]
    finally:
        r.close()


def test_a_hung_first_listener_cannot_block_sends_forever(tmp_path):
    """A hung connection of the listener's own process is dropped and the next one lights the ring;
    one of another process never held the light at all."""
    r = Running(make_config(tmp_path), connect_listener=False)
    stranger = client(r.config.uplink_socket(), "stop", [line({"type": "hello"})], wait=False)
    hung = socket.socket(socket.AF_UNIX)  # the listener's own process, then stuck: never answers a light
    try:
        assert stranger.stdout.readline().strip() == "ready"
        hung.connect(str(r.config.uplink_socket()))
        hello_as_listener(hung)
        assert json.loads(hung.makefile().readline())["light"] is True
        r.connect()  # the listener again, second in line
        r.say("turn on the lights")  # asked of the hung one first: no answer, so it is dropped
        assert wait_for(lambda: len(sent(r)) == 1)
        assert any(a["outcome"] == "spooled" and "did not answer" in a["reason"] for a in r.audit())
        assert r.uplink.listener is not None and r.uplink.listener.pid == os.getpid()
    finally:
        hung.close()
        stranger.kill()
        stranger.wait(10)
        r.close()


def test_a_second_process_of_the_listeners_user_never_takes_the_light(tmp_path):
    """Issue 24, item 3: when the real listener hangs (alive, holding its lock, never answering a light),
    another process of the same user that connects and acks lights used to get its payload sent."""
    r = Running(make_config(tmp_path), connect_listener=False)  # this process holds the listener's lock
    real = socket.socket(socket.AF_UNIX)
    impostor = None
    try:
        real.connect(str(r.config.uplink_socket()))
        hello_as_listener(real)
        assert json.loads(real.makefile().readline())["light"] is True
        impostor = client(r.config.uplink_socket(), "ack", [line({"type": "hello"})], wait=False,
                          env={"ACK_S": "6"})
        assert impostor.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        real.sendall(json.dumps(utterance("unlock the back door")).encode() + b"\n")  # then hangs
        assert wait_for(lambda: any("did not answer" in a.get("reason", "") for a in r.audit()), 10)
        time.sleep(2)  # retries: the impostor is there, acking, all along
        out = json.loads(impostor.communicate(timeout=20)[0])
        assert out == {"lights": 0, "hello_light": False}
        assert sent(r) == [] and len(r.uplink.spool) == 1  # it waits for the listener, not for anyone
    finally:
        real.close()
        if impostor is not None and impostor.poll() is None:
            impostor.kill()
        r.close()


def test_a_client_that_floods_and_never_reads_is_dropped(tmp_path):
    r = Running(make_config(tmp_path))
    try:
        flooder = client(r.config.uplink_socket(), "flood", wait=False)
        out = json.loads(flooder.communicate(timeout=60)[0])  # it ends only because it was cut off
        assert out["error"] in ("BrokenPipeError", "ConnectionResetError")
        r.say("turn on the lights")
        assert [p["text"] for p in sent(r)] == ["turn on the lights"]
    finally:
        r.close()


def test_the_work_queue_is_bounded_and_answers_busy(tmp_path):
    from device.uplink.service import WORK_MAX

    uplink = Uplink(make_config(tmp_path))
    uplink.start()  # the worker is not running: nothing is taken off the queue
    try:
        messages = [line({"type": "hello"})] + [line(utterance("turn on the lights")) for _ in range(WORK_MAX + 5)]
        out = client(uplink.path, "read", messages)
        kinds = [m["type"] for m in out["replies"]]
        assert kinds[0] == "hello" and set(kinds[1:]) == {"busy"} and len(kinds) >= 6
        assert uplink.work.qsize() == WORK_MAX
    finally:
        uplink.stop()


def test_the_link_hands_over_again_after_busy(tmp_path):
    def slow(body, headers):
        time.sleep(0.05)

    server, url, posts = record_posts(before_reply=slow)
    r = Running(make_config(tmp_path, sinks=["webhook"], webhook={"url": url}))
    try:
        sessions = [uuid.uuid4().hex for _ in range(40)]
        for session in sessions:
            r.link.submit(utterance("turn on the lights", session))
        assert r.link.wait_settled(60)
        assert wait_for(lambda: len(posts) == 40, 30)
        posted = {json.loads(body)["session"] for body, _ in posts}
        assert len(posted) == 40 and not posted & set(sessions)  # each its own, and the uplink's (issue 24)
        assert r.uplink.counters["busy"] > 0  # there was back-pressure, and nothing was lost to it
    finally:
        r.close()
        server.shutdown()


# -- crash and restart ---------------------------------------------------------------------
def test_poison_in_the_spool_and_on_the_socket_never_kills_the_uplink(tmp_path):
    config_path = tmp_path / "earmuff.toml"
    config_path.write_text(f'[paths]\nstate_dir = "{tmp_path}/state"\nruntime_dir = "{tmp_path}/run"\n'
                           '[uplink]\nsend_audio = true\nretry_min_s = 0.05\nretry_max_s = 0.2\n')
    config = cfg.load(config_path)
    spool = tmp_path / "state" / "spool"
    spool.mkdir(parents=True)
    rules = Rules.from_config(config)
    heard = parse_utterance(utterance("turn on the lights"), rules)
    good = build_payload(heard, heard.session, "0123456789abcdef", "en", "2026-11-26T09:00:00.000+00:00")
    old = {**good, "session": "k9", "text": "call 555 1234", "redacted": {"x": "y"}}  # from before the rules
    bad_audio = {**good, "audio": "!!not base64!!"}
    poison = {
        "1-old.json": json.dumps({"sink": "file", "payload": old, "spooled": time.time(), "attempts": 0}),
        "2-audio.json": json.dumps({"sink": "file", "payload": bad_audio, "spooled": time.time(), "attempts": 0}),
        "3-nan.json": json.dumps({"sink": "file", "payload": {**good, "seconds": float("nan")},
                                  "spooled": time.time(), "attempts": 0}),
        "4-deep.json": '{"sink": "file", "payload": {"wakeword": ' + "[" * 990 + "]" * 990 + "}}",
        "9-good.json": json.dumps({"sink": "file", "payload": good, "spooled": time.time(), "attempts": 0}),
    }
    for name, body in poison.items():
        (spool / name).write_text(body)
    ring = Ring(JsonlDriver(str(tmp_path / "ring.jsonl")))
    uplink = start_uplink(config_path)
    lock = hold_listener_lock(config)  # noqa: F841 - this process is the listener
    link = UplinkLink(config.uplink_socket(), ring)
    link.start()
    sent_file = tmp_path / "state" / "sent.jsonl"
    audit_file = tmp_path / "state" / "audit.jsonl"
    try:
        assert wait_for(sent_file.exists)
        quarantine = tmp_path / "state" / "quarantine"
        assert sorted(p.name for p in quarantine.iterdir()) == ["1-old.json", "2-audio.json", "3-nan.json",
                                                                  "4-deep.json"]
        # what crashed the uplink before, now over the socket
        crashers = [
            line({**utterance("hi"), "wakeword": "[" * 990 + "]" * 990}).replace('"[[', "[[").replace(']]"', "]]"),
            line(utterance("hi")).replace('"seconds": 1.5', '"seconds": NaN'),
            line(utterance("hi", audio="!!not base64!!", seconds=1.5)),
            line({"type": "light_ack", "id": [1], "shown": True}),
        ]
        out = client(config.uplink_socket(), "read:5", [line({"type": "hello"})] + crashers)
        assert [m["type"] for m in out["replies"]] == ["hello"] + ["error"] * 4
        assert uplink.poll() is None
        link.submit(utterance("turn off the lights"))
        assert link.wait_settled(15)
        assert [json.loads(x)["text"] for x in sent_file.read_text().splitlines()] == ["turn on the lights",
                                                                                    "turn off the lights"]
        uplink.send_signal(signal.SIGKILL)  # and after a crash, nothing comes back to haunt it
        uplink.wait(10)
        config.uplink_socket().unlink(missing_ok=True)
        uplink = start_uplink(config_path)
        time.sleep(1.5)
        assert uplink.poll() is None and len(list(quarantine.iterdir())) == 4
        audit = audit_file.read_text()
        assert audit.count('"quarantined"') == 4
        assert "555 1234" not in audit and '"k9"' not in audit and "not base64!!" not in audit
    finally:
        link.close()
        ring.close()
        uplink.terminate()
        uplink.wait(10)


# -- fuzzing: nothing unvalidated ever reaches a sink or the audit log ---------------------------
NEVER_SEND = ["acct-7731-xq", "b8:27:eb:12:34:56", "velvetmoose"]
CANARY = "zqxcanary"  # put only in fields that are never copied: it must never be written anywhere
WORDS = ["turn", "on", "the", "lights", "call", "at", "five", "one", "two", "three", "four", "my", "pin", "is",
         "velvet", "moose", "velvetmoose", "acct", "[PERSON]", "[PHONE]", "what's"]
TRICKS = ["５５５", "٥٥٥", "𝟓𝟓𝟓", "五", "five\u200bfive", "jo\u200bhn", "five\u2011five", "five-five-five",
          "ｊａｎｅ＠ｇｍａｉｌ．ｃｏｍ", "b8:27:eb:12:34:56", "b827.eb12.3456", "velvet\u200bmoose", "VELVETMOOSE",
          "ｖｅｌｖｅｔｍｏｏｓｅ", "lіghts", "\t", "\n", "é", "555-1234", "acct-7731-xq", "ACCT 7731 XQ"]
poison_values = st.one_of(
    st.sampled_from(NEVER_SEND + [CANARY, "b827eb123456" + "0" * 20, "hey_jarvis " + CANARY]),
    st.just(float("nan")), st.just(float("inf")), st.integers(-10**30, 10**30), st.booleans(), st.none(),
    st.lists(st.sampled_from([CANARY, 1, "hey_jarvis"]), max_size=3),
    st.dictionaries(st.sampled_from([CANARY, "PHONE", "PERSON", "x"]), st.sampled_from([1, CANARY, 2.5]), max_size=3),
    st.text(max_size=20),
)


@st.composite
def utterances(draw):
    m = utterance(" ".join(draw(st.lists(st.sampled_from(WORDS + TRICKS), min_size=1, max_size=8))),
                  redacted=draw(st.sampled_from([{}, {"PHONE": 1}, {"PERSON": 2, "PIN": 1}])))
    for field in draw(st.lists(st.sampled_from(["session", "wakeword", "seconds", "redacted", "reason",
                                                "audio", "extra", CANARY]), max_size=3, unique=True)):
        m[field] = draw(poison_values)
    if draw(st.booleans()):  # a poison label in otherwise valid counts
        m["redacted"] = {**(m["redacted"] if isinstance(m["redacted"], dict) else {}),
                         draw(st.sampled_from([CANARY, "PHONE", "acct-7731-xq"])): draw(st.sampled_from([1, 10**6]))}
    return m


def test_fuzzed_handovers_never_put_an_unvalidated_field_or_identifier_anywhere(tmp_path):
    config = cfg.from_dict({
        "paths": {"state_dir": str(tmp_path / "state"), "runtime_dir": str(tmp_path / "run")},
        "uplink": {"sinks": ["file"], "retry_min_s": 0.05, "retry_max_s": 0.2},
        "identity": {"never_send": NEVER_SEND},
    })
    r = Running(config)
    conn = {}

    def connect():
        s = socket.socket(socket.AF_UNIX)
        s.connect(str(config.uplink_socket()))
        s.settimeout(15)
        conn.update(sock=s, replies=s.makefile("rb"))
        s.sendall(b'{"type": "hello"}\n')
        assert json.loads(conn["replies"].readline())["light"] is False  # the link holds the light

    connect()
    outcomes = []

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(utterances())
    def hand_over(m):
        try:
            conn["sock"].sendall(json.dumps(m, allow_nan=True).encode() + b"\n")
            reply = json.loads(conn["replies"].readline())
        except (OSError, ValueError):  # dropped after 16 bad messages in a row (MAX_STRIKES): connect again
            conn["sock"].close()
            connect()
            conn["sock"].sendall(json.dumps(m, allow_nan=True).encode() + b"\n")
            reply = json.loads(conn["replies"].readline())
        if reply["type"] == "error" and "too many bad messages" in reply.get("message", ""):
            outcomes.append("error")
            conn["sock"].close()
            connect()
            return
        assert reply["type"] in ("accepted", "error")
        outcomes.append(reply["type"] if reply["type"] == "error" else reply["outcome"]["file"])

    try:
        hand_over()
    finally:
        conn["sock"].close()
        r.close()
    assert "sent" in outcomes and "error" in outcomes  # both kinds were tried
    payloads = sent(r)
    rules = Rules(frozenset({"hey_jarvis"}))
    for p in payloads:
        assert set(p) == PAYLOAD_KEYS and p["wakeword"] == "hey_jarvis" and set(p["redacted"]) <= set(LABELS)
        assert re.fullmatch(r"[0-9a-f]{32}", p["session"]) and clean_text(p["text"]) == p["text"]
        assert parse_utterance({"type": "utterance", **{k: p[k] for k in ("session", "text", "redacted",
                                                                          "wakeword", "seconds")}}, rules)
    for name in ("sent.jsonl", "audit.jsonl"):
        path = tmp_path / "state" / name
        written = path.read_text() if path.exists() else ""
        entries = [json.loads(x, parse_constant=lambda c: pytest.fail(f"{c} written")) for x in written.splitlines()]
        for value in strings(entries):  # every key and string value written, squashed to letters and digits
            squashed = re.sub(r"[\W_]", "", value.lower())
            for needle in (CANARY, "acct7731xq", "b827eb123456", "velvetmoose"):
                assert needle not in squashed, (name, value)


def strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings(v)


def test_a_failure_inside_the_worker_costs_one_utterance_not_the_uplink(tmp_path):
    r = Running(make_config(tmp_path))
    spool = r.config.paths.state_dir / "spool"
    try:
        spool.rmdir()
        spool.write_text("a file where the spool directory should be")  # every put fails
        bad = utterance("turn on the lights")
        r.link.submit(bad)
        assert r.link.wait_settled(15) and not sent(r)  # answered with an error, nothing sent
        spool.unlink()
        spool.mkdir()
        r.say("turn off the lights")
        assert [p["text"] for p in sent(r)] == ["turn off the lights"] and r.thread.is_alive()
    finally:
        r.close()


def test_the_link_backs_off_from_an_uplink_that_drops_every_connection(tmp_path):
    """Issue 24, item 4: accepted and closed at once (an uplink at its cap), the link reconnected
    without pause, some 40,000 times in 4 s."""
    from device.ring.led import NullDriver, Ring

    path = tmp_path / "uplink.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(64)
    server.settimeout(0.2)
    ring = Ring(NullDriver())
    link = UplinkLink(path, ring)
    link.start()
    accepted, deadline = 0, time.monotonic() + 3.0
    while time.monotonic() < deadline:
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        conn.close()  # at the cap: taken and dropped
        accepted += 1
    link.close()
    ring.close()
    server.close()
    # Back-off from 0.2 s doubling (jittered by half): no more than a handful in 3 s.
    assert 2 <= accepted <= 8, accepted


def test_close_is_safe_at_any_moment(tmp_path, monkeypatch):
    """Issue 24, item 5: close() racing the creation of a light-off timer raised "cannot join thread
    before it is started"; close() before start() must be fine too."""
    from device.listener import link as link_module
    from device.ring.led import NullDriver, Ring

    ring = Ring(NullDriver())
    link = UplinkLink(tmp_path / "nowhere.sock", ring, min_light_s=5.0)
    link.close()  # never started

    class RacingTimer(threading.Timer):
        def start(self):  # close() comes in between the timer's making and its start
            link.close()
            super().start()

    monkeypatch.setattr(link_module.threading, "Timer", RacingTimer)
    link = UplinkLink(tmp_path / "nowhere.sock", ring, min_light_s=5.0)
    ring.set_sending(True)
    assert ring.wait_shown("sending")
    link._lights.add(1)
    link._light_off(1)  # the light has been on for less than min_light_s: a timer
    for timer in link._timers:
        timer.cancel()
    ring.close()


@pytest.mark.parametrize("session", [
    "55512345670000000000000000000000",  # a phone number
    "4111111111111111000000000000000a",  # a Luhn-valid card number
    "078051120aaaaaaaaaaaaaaaaaaaaaaa",  # a social security number
])
def test_nothing_the_listener_chooses_freely_leaves(tmp_path, session):
    """Issue 24, item 1: a listener (or anything of its uid) that spells an identifier in its session id,
    the length of an utterance or the counts gets none of it out: the payload's session is the uplink's,
    the length whole seconds, the counts those of the text's placeholders."""
    r = Running(make_config(tmp_path))
    try:
        message = utterance("turn on the lights", session, seconds=1.2345678, redacted={"PERSON": 7, "CARD": 3})
        r.link.submit(message)
        assert r.link.wait_settled(15)
    finally:
        r.close()
    sent = [json.loads(line) for line in (r.config.paths.state_dir / "sent.jsonl").read_text().splitlines()]
    assert len(sent) == 1
    assert sent[0]["session"] != session and sent[0]["seconds"] == 1.0 and sent[0]["redacted"] == {}
    for name in ("sent.jsonl", "audit.jsonl"):
        written = (r.config.paths.state_dir / name).read_text()
        assert session not in written and session[:10] not in written and "2345678" not in written, name


def test_bytes_hidden_in_the_samples_do_not_survive_the_uplink(tmp_path):
    """Issue 24, item 2: with send_audio on, a listener that writes an identifier's bytes as the samples
    of a valid WAV got them out: decoded and re-encoded, every sample was kept. The uplink re-quantises
    with dither: the bytes are gone, the sound (within a few steps of 16) is not."""
    import array
    import base64
    import io
    import wave

    secret = b"acct 7731 xq; card 4111 1111 1111 1111 "
    samples = array.array("h", (secret * 2000)[: 16000 * 2])  # one second of 'audio' that is the bytes
    samples.extend(int(8000 * math.sin(i / 5)) for i in range(16000))  # and one of a tone
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(samples.tobytes())
    config = make_config(tmp_path, send_audio=True)
    r = Running(config)
    try:
        r.link.submit(utterance("turn on the lights", seconds=2.0, audio=base64.b64encode(out.getvalue()).decode()))
        assert r.link.wait_settled(15)
    finally:
        r.close()
    (payload,) = [json.loads(line) for line in (tmp_path / "state" / "sent.jsonl").read_text().splitlines()]
    with wave.open(io.BytesIO(base64.b64decode(payload["audio"]))) as w:
        sent = array.array("h", w.readframes(w.getnframes()))
    assert len(sent) == len(samples)
    assert b"7731" not in sent.tobytes() and b"acct" not in sent.tobytes()
    assert max(abs(a - b) for a, b in zip(sent, samples, strict=True)) <= 24  # a re-quantised copy
    assert all(s % 16 == 0 for s in sent)
