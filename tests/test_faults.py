"""Fault injection with real processes: what happens when parts die mid-way."""

import json
import signal
import threading
import time

from device import config as cfg
from device.listener.link import UplinkLink
from device.ring.led import JsonlDriver, Ring
from tests import speech
from tests.test_uplink import free_port, hold_listener_lock, record_posts, start_uplink, utterance


def test_uplink_killed_in_the_middle_of_a_send_delivers_exactly_once(tmp_path):
    port = free_port()
    config = tmp_path / "earmuff.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path}/state"\nruntime_dir = "{tmp_path}/run"\n'
                      f'[uplink]\nsinks = ["webhook"]\nretry_min_s = 0.1\nretry_max_s = 0.2\n'
                      f'[uplink.webhook]\nurl = "http://127.0.0.1:{port}/h"\ntimeout_s = 30\n')
    loaded = cfg.load(config)
    arrived, release = threading.Event(), threading.Event()

    def hold_the_first(body, headers):
        arrived.set()
        release.wait(30)  # the first request hangs here while the uplink is killed

    server, _, posts = record_posts(port, before_reply=hold_the_first)
    ring = Ring(JsonlDriver(str(tmp_path / "ring.jsonl")))
    uplink = start_uplink(config)
    lock = hold_listener_lock(loaded)  # noqa: F841 - this process is the listener
    link = UplinkLink(loaded.uplink_socket(), ring)
    link.start()
    session = utterance("unlock the back door")
    link.submit(session)
    assert arrived.wait(20)
    uplink.send_signal(signal.SIGKILL)  # bytes are on the wire, no answer yet
    uplink.wait(10)
    loaded.uplink_socket().unlink()
    uplink = start_uplink(config)
    deadline = time.monotonic() + 20
    while len(posts) < 2 and time.monotonic() < deadline:  # the restarted uplink sends it again
        time.sleep(0.05)
    release.set()
    deadline = time.monotonic() + 20
    spool = tmp_path / "state" / "spool"
    while list(spool.glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    uplink.terminate()
    uplink.wait(10)
    link.close()
    ring.close()
    server.shutdown()
    keys = [headers["Idempotency-Key"] for _, headers in posts]
    delivered = {headers["Idempotency-Key"]: json.loads(body) for body, headers in posts}  # de-duplicated by key
    # Sent again after the crash (and again if the listener handed it over again), always with the
    # same key, so the receiver keeps exactly one.
    assert len(keys) >= 2 and set(keys) == {keys[0]}
    (payload,) = delivered.values()
    assert payload["session"] != session["session"] and payload["text"] == session["text"]  # the uplink's session
    outcomes = [json.loads(line)["outcome"] for line in (tmp_path / "state/audit.jsonl").read_text().splitlines()]
    # The audit log says what happened: an attempt cut off by the crash, then (after any retries
    # while the listener reconnected) exactly one delivery.
    assert outcomes[0] == "sending" and outcomes[-1] == "sent"
    assert outcomes.count("sent") == len(keys) - 1  # every completed send is recorded; the killed one is not


def test_microphone_failing_mid_utterance_drops_it_and_the_next_wake_works(tmp_path, alsa_home, ko_model):
    from device.listener import service as listener

    command = speech.concat(speech.silence(0.5), speech.say("hey jarvis"), speech.silence(0.3),
                            speech.say("turn on all the lights in the house please"), speech.silence(2.0))
    raw = tmp_path / "mic.raw"
    raw.write_bytes(command.astype("<i2").tobytes())
    alsa_home(raw)
    config = cfg.from_dict({"paths": {"state_dir": str(tmp_path / "s"), "runtime_dir": str(tmp_path / "r")},
                            "audio": {"device": "earmuff", "rate": 16000, "stall_timeout_s": 0.3,
                                      "reopen_min_s": 0.05},
                            "transcribe": {"model": str(ko_model)}})
    events = []
    broke = []

    def on_event(name, detail):
        events.append(name)
        if name == "wake" and not broke:  # the device fails while the command is being spoken
            broke.append(True)
            lst.source._stream.stop_stream()
            # What was captured but not yet read is lost with the device (ALSA's file plugin
            # has no clock, so more of it may be queued than a real microphone would have).
            while not lst.source._queue.empty():
                lst.source._queue.get_nowait()

    lst = listener.build(config, on_event=on_event)
    runner = threading.Thread(target=lst.run, daemon=True)
    runner.start()
    deadline = time.monotonic() + 60
    while "utterance" not in events and time.monotonic() < deadline:
        time.sleep(0.05)
    lst.stop()
    runner.join(10)
    listener.close(lst)
    first_drop = events.index("utterance_dropped")
    assert events.index("wake") < events.index("mic_lost") and first_drop > events.index("wake")
    # the microphone reopened, the command was heard again, and this time it went through
    assert events.count("mic_opened") >= 2 and events.index("utterance") > first_drop
    assert lst.counters.dropped == 1 and lst.counters.utterances >= 1


def test_unwritable_state_sends_nothing_shows_the_error_and_recovers(tmp_path):
    from device.uplink.audit import AuditLog
    from tests.test_uplink import Running, make_config

    r = Running(make_config(tmp_path))
    try:
        good = r.uplink.audit
        blocker = tmp_path / "full"
        blocker.write_text("a file where the state directory should be: writes fail like on a full disk")
        r.uplink.audit = AuditLog(blocker / "audit.jsonl")
        r.say("turn on the porch light")
        deadline = time.monotonic() + 5
        while r.link.problem is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "cannot write the audit log" in r.link.problem
        assert not (tmp_path / "state" / "sent.jsonl").exists() and len(r.uplink.spool) == 1
        assert ("uplink_problem", {"message": r.link.problem}) in r.events
        r.uplink.audit = good  # space is back
        r.uplink.work.put(("retry", None))
        deadline = time.monotonic() + 10
        while (r.link.problem or not (tmp_path / "state" / "sent.jsonl").exists()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.link.problem is None and len(r.uplink.spool) == 0
        assert json.loads((tmp_path / "state" / "sent.jsonl").read_text())["text"] == "turn on the porch light"
    finally:
        r.close()
