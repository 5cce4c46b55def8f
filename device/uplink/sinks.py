"""Where redacted text goes: Home Assistant, MQTT (Hermes), a webhook, a file.

Each sink sends one payload at a time and raises SinkError when the other end
cannot be reached, or AuthError when it refused the credentials. A sink is
either a *command* (Home Assistant, Hermes textCaptured: acted on now or
never, so it has a max_delay_s past which a payload is dropped) or a *record*
(file, webhook: kept in the spool and retried). Secrets (tokens, passwords,
webhook keys) are read from files named in the config on every send, so a
fixed file is picked up at once, and are never logged or audited.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import ssl
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from device.config import Config

log = logging.getLogger(__name__)


class SinkError(Exception):
    """Delivery failed; worth retrying later."""


class AuthError(SinkError):
    """The other end refused the credentials. Retrying the same ones would only get the
    speaker banned (Home Assistant's ip_ban), so wait until the secret file changes."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the HTTP status, if it was HTTP


def _read_secret(path: str, what: str) -> str | None:
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as e:
        raise SinkError(f"cannot read the {what} file {path}: {e.strerror}") from None


def tls_context(ca_file: str = "", verify: bool = True) -> ssl.SSLContext:
    """For https and MQTT over TLS: the system's CAs, or `ca_file`'s; `verify` False checks nothing."""
    context = ssl.create_default_context(cafile=ca_file or None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _post_json(url: str, body: bytes, headers: dict, timeout: float, verify: bool) -> bytes:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    context = tls_context(verify=verify) if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return response.read()
    except urllib.error.HTTPError as e:
        if e.code in (401, 403):
            raise AuthError(f"{urlsplit(url).netloc} refused the credentials: HTTP {e.code}", e.code) from None
        if 400 <= e.code < 500 and e.code not in (408, 429):
            raise SinkError(f"{urlsplit(url).netloc} refused it: HTTP {e.code}") from None
        raise SinkError(f"{urlsplit(url).netloc} answered HTTP {e.code}") from None
    except (urllib.error.URLError, OSError) as e:
        raise SinkError(f"{urlsplit(url).netloc} unreachable: {getattr(e, 'reason', e)}") from None


class FileSink:
    name, kind, upstream = "file", "record", "the file"
    max_delay_s = None

    def __init__(self, path: Path):
        self.path = Path(path)
        self.destination = f"file:{self.path}"

    def send(self, payload: dict) -> dict | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(payload, ensure_ascii=False) + "\n")
        except OSError as e:
            raise SinkError(f"cannot write {self.path}: {e.strerror}") from None
        return None

    def secret_files(self) -> list[str]:
        return []


class HomeAssistantSink:
    """POST {url}/api/conversation/process; the reply's speech comes back as a response.

    A command within follow_up_s of the last reply carries the conversation_id Home Assistant
    returned, so an agent that keeps context (an LLM agent, say) sees one conversation."""

    name, kind, upstream = "homeassistant", "command", "Home Assistant"

    def __init__(self, settings):
        self.settings = settings
        self.url = settings.url.rstrip("/") + "/api/conversation/process"
        self.destination = urlsplit(self.url).netloc
        self.max_delay_s = settings.max_delay_s
        self._conversation: tuple[str, float] | None = None  # (id, monotonic time of its last reply)

    def send(self, payload: dict) -> dict | None:
        s = self.settings
        token = _read_secret(s.token_file, "Home Assistant token")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = {"text": payload["text"], "language": s.language}
        conversation_id = self.conversation_id()
        if conversation_id:
            request["conversation_id"] = conversation_id
        if s.agent_id:
            request["agent_id"] = s.agent_id
        try:
            reply = _post_json(self.url, json.dumps(request).encode(), headers, s.timeout_s, s.verify_tls)
        except AuthError as e:
            raise AuthError(f"Home Assistant refused the token (HTTP {e.status} from {self.destination})",
                            e.status) from None
        try:
            data = json.loads(reply)
        except ValueError:
            return {"speech": None}
        returned = data.get("conversation_id") if isinstance(data, dict) else None
        self._conversation = (returned, time.monotonic()) if isinstance(returned, str) and returned else None
        try:
            speech = data["response"]["speech"]["plain"]["speech"]
        except (KeyError, TypeError):
            speech = None
        return {"speech": speech if isinstance(speech, str) else None}

    def conversation_id(self) -> str | None:
        """The conversation a command now would continue, if the last reply was recent enough."""
        if self._conversation is None:
            return None
        conversation_id, at = self._conversation
        return conversation_id if time.monotonic() - at <= self.settings.follow_up_s else None

    def secret_files(self) -> list[str]:
        return [self.settings.token_file] if self.settings.token_file else []


class WebhookSink:
    name, kind, upstream = "webhook", "record", "the webhook"
    max_delay_s = None

    def __init__(self, settings):
        self.settings = settings
        self.destination = urlsplit(settings.url).netloc

    def send(self, payload: dict) -> dict | None:
        s = self.settings
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Idempotency-Key": payload["id"]}
        secret = _read_secret(s.secret_file, "webhook secret")
        if secret:
            headers["X-Earmuff-Signature"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        _post_json(s.url, body, headers, s.timeout_s, s.verify_tls)
        return None

    def secret_files(self) -> list[str]:
        return [self.settings.secret_file] if self.settings.secret_file else []


class MqttSink:
    """Publishes Hermes `hermes/asr/textCaptured` (or the configured topic), QoS 1."""

    name, upstream = "mqtt", "the MQTT broker"

    def __init__(self, settings):
        self.settings = settings
        self.destination = f"{settings.host}:{settings.port}"
        self.kind = "command" if settings.max_delay_s else "record"
        self.max_delay_s = settings.max_delay_s or None
        self._client = None

    def _connect(self):
        import paho.mqtt.client as mqtt

        s = self.settings
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="", protocol=mqtt.MQTTv311)
        if s.username:
            client.username_pw_set(s.username, _read_secret(s.password_file, "MQTT password"))
        if s.tls:
            client.tls_set_context(tls_context(s.ca_file))
        answered, answer = threading.Event(), []

        def on_connect(client, userdata, flags, reason_code, properties):
            answer.append(reason_code)
            answered.set()

        client.on_connect = on_connect
        try:
            client.connect(s.host, s.port, keepalive=30)
        except (OSError, ValueError) as e:
            raise SinkError(f"MQTT broker {self.destination} unreachable: {e}") from None
        client.loop_start()
        if not answered.wait(s.timeout_s):
            _stop(client)
            raise SinkError(f"MQTT broker {self.destination} did not answer the connection in {s.timeout_s:g} s")
        if answer[0].is_failure:
            _stop(client)  # paho would otherwise reconnect by itself, with the same credentials
            if answer[0].value in (134, 135):  # bad user name or password; not authorised
                raise AuthError(f"MQTT broker {self.destination} refused the credentials: {answer[0]}")
            raise SinkError(f"MQTT broker {self.destination} refused the connection: {answer[0]}")
        return client

    def send(self, payload: dict) -> dict | None:
        s = self.settings
        if self._client is None or not self._client.is_connected():
            self.close()
            self._client = self._connect()
        message = {"text": payload["text"], "likelihood": 1.0, "seconds": payload.get("seconds", 0.0),
                   "siteId": s.site_id, "sessionId": payload["session"]}
        info = self._client.publish(s.topic, json.dumps(message), qos=1)
        try:
            info.wait_for_publish(timeout=s.timeout_s)
        except (RuntimeError, ValueError) as e:
            self.close()
            raise SinkError(f"MQTT publish to {self.destination} failed: {e}") from None
        if not info.is_published():
            self.close()
            raise SinkError(f"MQTT broker {self.destination} did not acknowledge in {s.timeout_s:g} s")
        return None

    def close(self) -> None:
        if self._client is not None:
            _stop(self._client)
            self._client = None

    def secret_files(self) -> list[str]:
        return [self.settings.password_file] if self.settings.password_file else []


def _stop(client) -> None:
    client.disconnect()
    client.loop_stop()


def make_sinks(config: Config) -> dict:
    u = config.uplink
    made = {}
    for name in u.sinks:
        if name == "file":
            made[name] = FileSink(config.state_path(u.file.path))
        elif name == "homeassistant":
            made[name] = HomeAssistantSink(u.homeassistant)
        elif name == "mqtt":
            made[name] = MqttSink(u.mqtt)
        elif name == "webhook":
            made[name] = WebhookSink(u.webhook)
    return made
