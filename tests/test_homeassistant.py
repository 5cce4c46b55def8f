"""earmuff's uplink against a real Home Assistant core (see tests/homeassistant.py).

One Home Assistant for the module, started twice: once at the beginning, and
again in the last test, which stops it to check that a command made while it
was down never runs when it comes back. The tests run in file order.
"""

from __future__ import annotations

import time

import pytest

from device.owner.doctor import homeassistant_token_check
from tests.homeassistant import HomeAssistantCore, ha_venv
from tests.test_uplink import Running, make_config
from tests.waiting import wait_for

pytestmark = pytest.mark.slow

MAX_DELAY_S = 3.0  # the command sink's freshness limit in these tests (default 10 s)
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def hass(tmp_path_factory):
    began = time.monotonic()
    venv = ha_venv()
    TIMINGS["venv_s"] = time.monotonic() - began
    core = HomeAssistantCore(tmp_path_factory.mktemp("hass"), venv, login_attempts_threshold=3)
    try:
        core.start()
        core.make_token()
        yield core
    finally:
        core.stop()
        print(f"\nHome Assistant {core.version}: venv ready in {TIMINGS['venv_s']:.1f} s, "
              f"started in {', '.join(f'{s:.1f} s' for s in core.start_seconds)}")


@pytest.fixture
def uplink(tmp_path, hass):
    """A running uplink whose Home Assistant sink reads the token from a file, with a listener
    link lighting a ring; `good`/`bad` write the token file."""
    token_file = tmp_path / "ha-token"
    token_file.write_text(hass.token + "\n")
    config = make_config(tmp_path, sinks=["homeassistant"], retry_min_s=0.2, retry_max_s=1.0,
                         homeassistant={"url": hass.url, "token_file": str(token_file), "language": "en",
                                        "max_delay_s": MAX_DELAY_S, "timeout_s": 10.0})
    r = Running(config)
    r.token_file = token_file
    yield r
    r.close()



def switch_off(hass) -> None:
    hass.call("light", "turn_off", entity_id="light.kitchen")
    assert wait_for(lambda: hass.state("light.kitchen") == "off")


def test_a_spoken_command_switches_the_light_and_the_reply_names_its_session(hass, uplink):
    switch_off(hass)
    session = uplink.say("turn on the kitchen light")
    assert wait_for(lambda: hass.state("light.kitchen") == "on")
    assert wait_for(lambda: any(name == "response" for name, _ in uplink.events))
    (reply,) = [detail for name, detail in uplink.events if name == "response"]
    assert reply == {"session": session, "text": "Turned on the light", "late": False}
    sent = [a for a in uplink.audit() if a["outcome"] == "sent"]
    assert [a["sink"] for a in sent] == ["homeassistant"]
    assert hass.token not in (uplink.config.paths.state_dir / "audit.jsonl").read_text()


def test_a_wrong_token_is_tried_once_and_never_gets_the_speaker_banned(hass, uplink):
    switch_off(hass)
    attempts_before = hass.invalid_auth_attempts()
    uplink.token_file.write_text("not-the-token\n")
    for _ in range(4):  # more than login_attempts_threshold (3) commands with the wrong token
        uplink.say("turn on the kitchen light")
        time.sleep(0.3)
    # The uplink tried once, was refused, and stopped: Home Assistant saw one failed attempt.
    assert wait_for(lambda: uplink.link.problem and "Home Assistant refused the token" in uplink.link.problem)
    assert wait_for(lambda: hass.invalid_auth_attempts() > attempts_before)  # its log is written a bit later
    time.sleep(2.0)  # time for any retry that should not happen
    assert hass.invalid_auth_attempts() - attempts_before == 1
    assert hass.banned() == ""
    assert hass.state("light.kitchen") == "off"
    outcomes = [a["outcome"] for a in uplink.audit()]
    assert outcomes.count("refused-auth") == 1
    # The listener is told (its ring shows error and `earmuff status` says why while it lasts).
    assert any(name == "uplink_problem" and "refused the token" in (d["message"] or "") for name, d in uplink.events)
    # Commands made meanwhile are dropped once past the freshness limit, never run later.
    assert wait_for(lambda: [a["outcome"] for a in uplink.audit()].count("expired") == 4, MAX_DELAY_S + 10)
    assert all("refused the token" in a["reason"] for a in uplink.audit() if a["outcome"] == "expired")

    # `earmuff doctor` says so (its one request is the second failed attempt: still no ban).
    check = homeassistant_token_check(uplink.config.uplink.homeassistant)
    assert not check.ok and check.what == "Home Assistant refused the token (HTTP 401)"
    assert hass.banned() == ""

    # Fixing the token file is enough: the problem clears and the next command runs.
    uplink.token_file.write_text(hass.token + "\n")
    assert wait_for(lambda: uplink.link.problem is None, 10)
    uplink.say("turn on the kitchen light")
    assert wait_for(lambda: hass.state("light.kitchen") == "on")
    assert hass.banned() == ""
    assert homeassistant_token_check(uplink.config.uplink.homeassistant).ok


def test_a_command_made_while_home_assistant_is_down_never_runs_late(hass, uplink):
    switch_off(hass)
    hass.stop()
    try:
        session = uplink.say("turn on the kitchen light")
        assert [a for a in uplink.audit() if a["outcome"] == "spooled"], "Home Assistant is down: it waits"
        assert wait_for(lambda: any(a["outcome"] == "expired" for a in uplink.audit()), MAX_DELAY_S + 10)
    finally:
        hass.start()
    (expired,) = [a for a in uplink.audit() if a["outcome"] == "expired"]
    assert expired["session"] != session and "Home Assistant" in expired["reason"]  # the uplink's session
    assert len(uplink.uplink.spool) == 0
    assert wait_for(lambda: [d["session"] for n, d in uplink.events if n == "command_dropped"] == [session])
    # Home Assistant is back; the old command must not reach it.
    uplink.uplink.work.put(("retry", None))
    time.sleep(MAX_DELAY_S)
    assert hass.state("light.kitchen") == "off"
    assert not [a for a in uplink.audit() if a["outcome"] == "sent"]
    # And a new command does.
    uplink.say("turn on the kitchen light")
    assert wait_for(lambda: hass.state("light.kitchen") == "on")
