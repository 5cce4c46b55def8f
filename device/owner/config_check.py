"""`earmuff config check FILE`: every problem in a config file, in one run.

Loading checks each key's type and range. On top of that this checks what a
file can name but the loader cannot judge alone: that the wake words exist,
that model paths and secret files are there, that a noise front end that is
turned on has its library, and that each sink has what it needs. Something
that is not wrong but not ready yet (the English model not fetched) is a
note, not an error.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from device.config import Config, ConfigError, ConfigErrors, load


def check_file(path: Path | str) -> tuple[Config | None, list[str], list[str]]:
    """(the config if it loads, errors, notes); errors name the file and the key."""
    errors, notes = [], []
    try:
        config = load(path, every_error=True)
    except ConfigErrors as e:
        errors += [str(error) for error in e.errors]
        config = e.config  # the rest of it, checked on below
    except ConfigError as e:  # the file itself: missing, not TOML, not UTF-8
        return None, [str(e)], []
    where = lambda key: f"{path}: {key}"  # noqa: E731
    errors += [f"{where('[wake] models')}: {e}" for e in _wake_word_problems(config)]
    if config.audio.front_end:
        from device.listener.frontend import problem

        if front_end_problem := problem(config.audio):
            key = "noise_suppression" if config.audio.noise_suppression else "auto_gain_dbfs"
            errors.append(f"{where(f'[audio] {key}')}: {front_end_problem}")
    model = config.model_path()
    if not (model / "am" / "final.mdl").is_file():
        from device.listener.transcribe import fetch_hint

        problem = f"no Vosk model at {model}: {fetch_hint(model)}"
        if "/" in config.transcribe.model:  # a path written in the file: most likely a typo
            errors.append(f"{where('[transcribe] model')}: {problem}")
        else:  # the usual name under models_dir: right, just not fetched yet
            notes.append(f"[transcribe] model: {problem}")
    errors += [f"{where(key)}: {problem}" for key, problem in _sink_problems(config)]
    errors += [f"{where(key)}: {problem}" for key, problem in household_problems(config)]
    if config.uplink.listener_user:
        import pwd

        try:
            pwd.getpwnam(config.uplink.listener_user)
        except KeyError:
            errors.append(f"{where('[uplink] listener_user')}: no such user {config.uplink.listener_user!r} "
                          "(scripts/install makes earmuff-listen)")
    return (None if errors else config), errors, notes


def _wake_word_problems(config: Config) -> list[str]:
    from device.listener.wake import WakeError, resolve_model

    problems = []
    for name in config.wake.models:
        try:
            resolve_model(name)
        except WakeError as e:
            problems.append(str(e))
    return problems


def _sink_problems(config: Config) -> list[tuple[str, str]]:
    u = config.uplink
    problems = []

    def url(sink: str, value: str) -> None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append((f"[uplink.{sink}] url", f"{value!r} is not an http:// or https:// URL"))

    def readable(sink: str, key: str, value: str) -> None:
        if value and not os.access(value, os.R_OK):
            why = "no such file" if not Path(value).exists() else "not readable by this user"
            problems.append((f"[uplink.{sink}] {key}", f"{value}: {why}"))

    if "homeassistant" in u.sinks:
        url("homeassistant", u.homeassistant.url)
        if not u.homeassistant.token_file:
            problems.append(("[uplink.homeassistant] token_file",
                             "the homeassistant sink needs a long-lived access token in a file"))
        readable("homeassistant", "token_file", u.homeassistant.token_file)
    if "webhook" in u.sinks and u.webhook.url:
        url("webhook", u.webhook.url)
    if "webhook" in u.sinks:
        readable("webhook", "secret_file", u.webhook.secret_file)
    if "mqtt" in u.sinks:
        if not u.mqtt.host:
            problems.append(("[uplink.mqtt] host", "the mqtt sink needs a broker host"))
        readable("mqtt", "password_file", u.mqtt.password_file)
        readable("mqtt", "ca_file", u.mqtt.ca_file)
        if u.mqtt.password_file and not u.mqtt.username:
            problems.append(("[uplink.mqtt] username", "password_file is set but username is empty"))
    return problems


def household_problems(config: Config) -> list[tuple[str, str]]:
    """[arbitration] and [discovery]: the broker's secret file, and no identifier in what leaves with
    every claim and config (the room, the device's name): the uplink's identity guard would refuse them."""
    from device.uplink.identity import Forbidden, hardware_identifiers

    a, d = config.arbitration, config.discovery
    if not (a.enabled or d.enabled):
        return []
    problems = []
    for key in ("password_file", "ca_file"):
        path = getattr(a, key)
        if path and not os.access(path, os.R_OK):
            why = "no such file" if not Path(path).exists() else "not readable by this user"
            problems.append((f"[arbitration] {key}", f"{path}: {why}"))
    if a.password_file and not a.username:
        problems.append(("[arbitration] username", "password_file is set but username is empty"))
    forbidden = Forbidden(hardware_identifiers() + list(config.identity.never_send))
    for key, value in (("[arbitration] room", a.room), ("[discovery] name", d.name)):
        if value and forbidden.find(value) is not None:
            problems.append((key, "names this device (its hostname, serial, a MAC address or a never_send "
                                  "string); it crosses the network: give the room's name, like \"kitchen\""))
    return problems
