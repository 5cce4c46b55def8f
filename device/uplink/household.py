"""The uplink's connection to the household's MQTT broker: wake claims and Home Assistant discovery.

One paho client, made when [arbitration] or [discovery] is on, connecting in
the background and again after any loss (the uplink runs on with the broker
down: a speaker alone answers its own wakes). Its last will, retained, marks
the speaker "offline"; on every connect it says "online", subscribes to the
claims topic, the mute button's command topic and Home Assistant's birth
topic, and (re)publishes the discovery configs and the current state. When
Home Assistant says it is online again (its birth message), the configs go
out again.

What it publishes: claims (arbitration.Claim) and, for Home Assistant, the
ring's state, "sending" and "muted" and the configs of four entities, all
keyed by the install's random id. What it acts on: a claim, handed to the
Arbiter; exactly the payload "mute" on the command topic, handed to the
uplink (which passes it to the listener); everything else is ignored, and
what came on the command topic is audited.
"""

from __future__ import annotations

import contextlib
import json
import logging
import ssl
import threading
from collections.abc import Callable

from device.uplink.sinks import tls_context

log = logging.getLogger(__name__)

STATES = ("idle", "listening", "thinking", "sending", "muted", "error")
BIRTH_TOPIC_SUFFIX = "status"  # Home Assistant's birth and will: <prefix>/status, "online" / "offline"


class Household:
    def __init__(self, arbitration, discovery, install_id: str, version: str,
                 on_claim: Callable[[bytes], None] | None = None,
                 on_command: Callable[[str, bytes], None] | None = None,
                 password: str | None = None):
        self.settings, self.discovery = arbitration, discovery
        self.id = install_id
        self.version = version
        self.on_claim = on_claim
        self.on_command = on_command or (lambda topic, payload: None)
        self.base = f"earmuff/{install_id}"
        self.availability = f"{self.base}/availability"
        self.command_topic = f"{self.base}/command"
        self.birth_topic = f"{discovery.prefix}/{BIRTH_TOPIC_SUFFIX}"
        self.state: tuple[str, bool] | None = None  # (ring state, muted) as last reported by the listener
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self.connects = 0
        self.password = password
        self._client = None
        self._failing = False  # a failed connection was logged; quiet until one succeeds

    # -- the connection -------------------------------------------------------
    def start(self) -> None:
        import paho.mqtt.client as mqtt

        s = self.settings
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"earmuff-{self.id}",
                             protocol=mqtt.MQTTv311)
        if s.username:
            client.username_pw_set(s.username, self.password)
        if s.tls:
            try:
                client.tls_set_context(tls_context(s.ca_file))
            except (OSError, ssl.SSLError) as e:  # an unreadable or broken ca_file: never send in the clear
                log.error("household broker: [arbitration] ca_file %s: %s; not connecting (this speaker answers "
                          "its own wakes)", s.ca_file, getattr(e, "strerror", None) or e)
                return
        client.will_set(self.availability, "offline", qos=1, retain=True)
        client.reconnect_delay_set(0.2, 5)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client
        client.connect_async(s.host, s.port, keepalive=15)
        client.loop_start()  # paho's thread: connects, and connects again after any loss
        log.info("household broker %s:%d: connecting in the background", s.host, s.port)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("household broker %s:%d refused the connection: %s", self.settings.host,
                      self.settings.port, reason_code)
            return
        self.connects += 1
        self._failing = False
        self._connected.set()
        log.info("household broker %s:%d connected", self.settings.host, self.settings.port)
        if self.on_claim is not None:
            client.subscribe(self.settings.topic, qos=0)
        if self.discovery.enabled:
            client.subscribe(self.command_topic, qos=1)
            client.subscribe(self.birth_topic, qos=1)
            self.publish_discovery()
        client.publish(self.availability, "online", qos=1, retain=True)

    def _on_connect_fail(self, client, userdata) -> None:
        if not self._failing:  # once per outage: paho tries again every few seconds
            self._failing = True
            hint = " (tls: is ca_file the CA that signed the broker's certificate, and host its name?)" \
                if self.settings.tls else ""
            log.warning("household broker %s:%d: cannot connect%s; trying again in the background",
                        self.settings.host, self.settings.port, hint)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if self._connected.is_set() and self._client is not None:
            log.warning("household broker %s:%d lost (%s); connecting again", self.settings.host,
                        self.settings.port, reason_code)
        self._connected.clear()

    def _on_message(self, client, userdata, message) -> None:
        try:
            if message.topic == self.settings.topic and self.on_claim is not None:
                self.on_claim(message.payload)
            elif message.topic == self.command_topic:
                self.on_command(message.topic, message.payload)
            elif message.topic == self.birth_topic and message.payload == b"online":
                self.publish_discovery()  # Home Assistant restarted: it forgot what was not retained
        except Exception:  # paho's thread must go on whatever a message holds
            log.exception("household broker: a message on %s", message.topic)

    def stop(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        with contextlib.suppress(Exception):
            if self._connected.is_set():  # a clean disconnect sends no will: say it ourselves
                client.publish(self.availability, "offline", qos=1, retain=True).wait_for_publish(1.0)
        with contextlib.suppress(Exception):
            client.disconnect()
        client.loop_stop()
        self._connected.clear()

    # -- what it publishes --------------------------------------------------
    def publish(self, topic: str, payload: bytes | str, qos: int = 0, retain: bool = False) -> bool:
        client = self._client
        if client is None or not self._connected.is_set():
            return False
        info = client.publish(topic, payload, qos=qos, retain=retain)
        return info.rc == 0

    def claim(self, data: bytes) -> bool:
        return self.publish(self.settings.topic, data, qos=0)

    def report(self, state: str, muted: bool) -> None:
        """The ring's state from the listener: kept, and published (retained) for Home Assistant."""
        with self._lock:
            self.state = (state, muted)
        if self.discovery.enabled:
            self._publish_state()

    def _publish_state(self) -> None:
        with self._lock:
            if self.state is None:
                return
            state, muted = self.state
        self.publish(f"{self.base}/state", state, qos=1, retain=True)
        self.publish(f"{self.base}/sending", "ON" if state == "sending" else "OFF", qos=1, retain=True)
        self.publish(f"{self.base}/muted", "ON" if muted else "OFF", qos=1, retain=True)

    def device_name(self) -> str:
        return self.discovery.name or (f"earmuff {self.settings.room}" if self.settings.room else "earmuff")

    def configs(self) -> dict[str, dict]:
        """Home Assistant's discovery configs: topic -> payload, for one device and its four entities."""
        device = {"identifiers": [f"earmuff_{self.id}"], "name": self.device_name(), "manufacturer": "earmuff",
                  "model": "earmuff speaker", "sw_version": self.version}
        if self.settings.room:
            device["suggested_area"] = self.settings.room
        common = {"availability_topic": self.availability, "payload_available": "online",
                  "payload_not_available": "offline", "device": device}
        entities = {
            ("binary_sensor", "sending"): {"name": "Sending", "state_topic": f"{self.base}/sending",
                                           "payload_on": "ON", "payload_off": "OFF", "icon": "mdi:upload"},
            ("sensor", "state"): {"name": "State", "state_topic": f"{self.base}/state", "device_class": "enum",
                                  "options": list(STATES), "icon": "mdi:speaker"},
            ("binary_sensor", "muted"): {"name": "Muted", "state_topic": f"{self.base}/muted",
                                         "payload_on": "ON", "payload_off": "OFF", "icon": "mdi:microphone-off"},
            ("button", "mute"): {"name": "Mute", "command_topic": self.command_topic, "payload_press": "mute",
                                 "icon": "mdi:microphone-off"},
        }
        out = {}
        for (component, key), config in entities.items():
            unique = f"earmuff_{self.id}_{key}"
            out[f"{self.discovery.prefix}/{component}/earmuff_{self.id}/{key}/config"] = {
                **config, "unique_id": unique, "object_id": unique, **common}
        return out

    def publish_discovery(self) -> None:
        if not self.discovery.enabled:
            return
        for topic, config in self.configs().items():
            self.publish(topic, json.dumps(config, separators=(",", ":")), qos=1, retain=True)
        self.publish(self.availability, "online", qos=1, retain=True)
        self._publish_state()
