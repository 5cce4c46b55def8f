"""A real Home Assistant core for tests: its own venv, a minimal configuration, a real token.

scripts/ha-test-env builds the venv (Home Assistant pins its dependencies
exactly, so it cannot share earmuff's) and caches it. HomeAssistantCore
writes a configuration with http on 127.0.0.1 (ip_ban on, banning after
login_attempts_threshold failed logins), api, conversation, and a template
light "Kitchen light" backed by an input_boolean, starts `hass --skip-pip`
(nothing is installed at run time: it works offline), and makes a long-lived
access token the way a person would: onboarding creates the owner, the auth
API trades the code for an access token, and the websocket API issues the
long-lived token.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CONFIGURATION = """\
homeassistant:
  name: earmuff test home
  latitude: 0
  longitude: 0
  elevation: 0
  unit_system: metric
  time_zone: UTC
  country: GB
  currency: EUR
http:
  server_host: 127.0.0.1
  server_port: {port}
  ip_ban_enabled: true
  login_attempts_threshold: {login_attempts_threshold}
api:
conversation:
input_boolean:
  kitchen_power:
    name: Kitchen power
light:
  - platform: template
    lights:
      kitchen:
        friendly_name: Kitchen light
        value_template: "{{{{ is_state('input_boolean.kitchen_power', 'on') }}}}"
        turn_on:
          service: input_boolean.turn_on
          target:
            entity_id: input_boolean.kitchen_power
        turn_off:
          service: input_boolean.turn_off
          target:
            entity_id: input_boolean.kitchen_power
"""

# Run with the Home Assistant venv's Python, which has aiohttp (earmuff's venv needs no
# websocket client for this): onboarding -> auth code -> access token -> long-lived token.
MAKE_TOKEN = """
import asyncio, sys, aiohttp

async def main(base):
    client_id = base + "/"
    async with aiohttp.ClientSession() as http:
        r = await http.post(base + "/api/onboarding/users", json={
            "client_id": client_id, "name": "Owner", "username": "owner",
            "password": "earmuff-test-password", "language": "en"})
        r.raise_for_status()
        code = (await r.json())["auth_code"]
        r = await http.post(base + "/auth/token", data={
            "grant_type": "authorization_code", "code": code, "client_id": client_id})
        r.raise_for_status()
        access = (await r.json())["access_token"]
        async with http.ws_connect(base + "/api/websocket") as ws:
            assert (await ws.receive_json())["type"] == "auth_required"
            await ws.send_json({"type": "auth", "access_token": access})
            assert (await ws.receive_json())["type"] == "auth_ok"
            await ws.send_json({"id": 1, "type": "auth/long_lived_access_token",
                                "client_name": "earmuff", "lifespan": 30})
            answer = await ws.receive_json()
            assert answer["success"], answer
            print(answer["result"])

asyncio.run(main(sys.argv[1]))
"""


def ha_venv() -> Path:
    """The Home Assistant venv, built by scripts/ha-test-env on first use (a minute or two)."""
    done = subprocess.run([str(REPO / "scripts" / "ha-test-env")], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/ha-test-env failed:\n{done.stderr[-3000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Run with the Home Assistant venv's Python: every state change, one JSON line each, with the time it
# arrived on CLOCK_MONOTONIC (the clock the jsonl ring driver writes), until killed.
WATCH_STATES = """
import asyncio, json, sys, time, aiohttp

async def main(base, token):
    async with aiohttp.ClientSession() as http, http.ws_connect(base + "/api/websocket") as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": token})
        assert (await ws.receive_json())["type"] == "auth_ok"
        await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "state_changed"})
        print(json.dumps({"t": time.monotonic(), "ready": (await ws.receive_json())["success"]}), flush=True)
        while True:
            event = (await ws.receive_json())["event"]["data"]
            new = event.get("new_state") or {}
            print(json.dumps({"t": time.monotonic(), "entity": event["entity_id"], "state": new.get("state")}),
                  flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


class HomeAssistantCore:
    def __init__(self, directory: Path, venv: Path, login_attempts_threshold: int = 3, extra: str = ""):
        self.venv = venv
        self.config_dir = Path(directory) / "config"
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (self.config_dir / "configuration.yaml").write_text(
            CONFIGURATION.format(port=self.port, login_attempts_threshold=login_attempts_threshold) + extra)
        self.log_path = Path(directory) / "hass.log"
        self.proc: subprocess.Popen | None = None
        self.token: str | None = None
        self.start_seconds: list[float] = []

    @property
    def version(self) -> str:
        return subprocess.run([str(self.venv / "bin" / "python"), "-c",
                               "from homeassistant.const import __version__; print(__version__)"],
                              capture_output=True, text=True, check=True).stdout.strip()

    def start(self, timeout: float = 300) -> None:
        """Start hass and wait until its API answers (and the light exists, once there is a token)."""
        began = time.monotonic()
        log = open(self.log_path, "a")  # noqa: SIM115 - handed to the child
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        self.proc = subprocess.Popen([str(self.venv / "bin" / "hass"), "--skip-pip", "-c", str(self.config_dir)],
                                     stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        deadline = began + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hass exited with {self.proc.returncode}:\n{self.log_tail()}")
            if self._answers() and (self.token is None or self._light_ready()):
                self.start_seconds.append(time.monotonic() - began)
                return
            time.sleep(0.25)
        raise RuntimeError(f"hass did not come up in {timeout:g} s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(self.url + "/api/onboarding", timeout=2).read()
            return True
        except urllib.error.HTTPError:
            return True  # it answered
        except OSError:
            return False

    def _light_ready(self) -> bool:
        try:
            return self.state("light.kitchen") in ("on", "off")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def make_token(self) -> str:
        done = subprocess.run([str(self.venv / "bin" / "python"), "-c", MAKE_TOKEN, self.url],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"could not make a token: {done.stderr[-2000:]}")
        self.token = done.stdout.strip()
        deadline = time.monotonic() + 60
        while not self._light_ready() and time.monotonic() < deadline:
            time.sleep(0.25)
        return self.token

    # -- the REST API, as the owner ---------------------------------------------------
    def _request(self, method: str, path: str, body: dict | None = None) -> dict | list:
        request = urllib.request.Request(self.url + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": f"Bearer {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def state(self, entity_id: str) -> str:
        return self._request("GET", f"/api/states/{entity_id}")["state"]

    def call(self, domain: str, service: str, **data) -> None:
        self._request("POST", f"/api/services/{domain}/{service}", data)

    def states(self) -> dict[str, str]:
        return {s["entity_id"]: s["state"] for s in self._request("GET", "/api/states")}

    def template(self, template: str) -> str:
        request = urllib.request.Request(self.url + "/api/template", method="POST",
                                         data=json.dumps({"template": template}).encode(),
                                         headers={"Authorization": f"Bearer {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode()

    def add_mqtt(self, host: str, port: int) -> dict:
        """Add the MQTT integration as a person does in the UI: its config flow, broker and port."""
        flow = self._request("POST", "/api/config/config_entries/flow", {"handler": "mqtt"})
        if flow.get("type") == "form" and flow.get("step_id") == "broker":
            flow = self._request("POST", f"/api/config/config_entries/flow/{flow['flow_id']}",
                                 {"broker": host, "port": port})
        if flow.get("type") != "create_entry":
            raise RuntimeError(f"the MQTT config flow did not make an entry: {flow}")
        return flow

    def watch(self, out: Path) -> subprocess.Popen:
        """Every state change from now on, as JSON lines in `out` (see WATCH_STATES); kill it when done."""
        f = open(out, "w")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen([str(self.venv / "bin" / "python"), "-c", WATCH_STATES, self.url, self.token],
                                stdout=f, stderr=subprocess.STDOUT)
        f.close()
        return proc

    # -- what it recorded -----------------------------------------------------------
    def banned(self) -> str:
        """ip_bans.yaml: empty unless Home Assistant banned an address."""
        path = self.config_dir / "ip_bans.yaml"
        return path.read_text() if path.exists() else ""

    def invalid_auth_attempts(self) -> int:
        """How many requests Home Assistant logged as failed authentication."""
        return self.log_path.read_text(errors="replace").count("invalid authentication")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""
