"""Who the device is, and what must never say so.

Payloads carry a pseudonymous id: an HMAC of a local random secret and the
current period, so it changes every period (daily by default) and cannot be
traced back to the hardware. The Pi's serial, its MAC addresses, its hostname
and the owner's `never_send` strings must never appear in a payload.

They are compared as values, not as spellings: each side is NFKC-normalised,
stripped of format characters (zero-width spaces and the like), case-folded
Cyrillic and Greek look-alikes folded to the Latin letters they pass for,
and cut into letters-and-digits tokens, so separators of any kind (colons,
dots, dashes, spaces, tabs, newlines), Unicode case and look-alike letters do
not matter.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import socket
import time
import unicodedata
from collections.abc import Iterable
from pathlib import Path

# The devicetree's copy is readable where /proc shows only processes (ProtectProc, ProcSubset=pid).
SERIAL_SOURCES = (Path("/sys/firmware/devicetree/base/serial-number"), Path("/proc/cpuinfo"))
NET_DIR = Path("/sys/class/net")


def device_id(secret_path: Path, rotate_s: float, now: float | None = None) -> str:
    secret = _secret(secret_path)
    period = int((time.time() if now is None else now) // rotate_s)
    return hmac.new(secret, f"earmuff-device-{period}".encode(), hashlib.sha256).hexdigest()[:16]


def session_id(secret_path: Path, listener_session: str) -> str:
    """The uplink's session id for one of the listener's (issue 24): an HMAC with the local secret,
    which only the uplink can read, so not one digit the listener chose can be read from it; and the
    same after a restart of the uplink, so that an utterance handed over again keeps its payload id
    (the idempotency key) and is acted on once."""
    secret = _secret(secret_path)
    return hmac.new(secret, f"earmuff-session:{listener_session}".encode(), hashlib.sha256).hexdigest()[:32]


def install_id(path: Path) -> str:
    """This install's id for the household (wake claims, Home Assistant's unique_id): 16 random hex
    digits made once and kept in `path`; drawn from the system's random source, never from the serial,
    a MAC address or the hostname, and unrelated to the rotating device id of payloads."""
    try:
        text = path.read_text().strip()
        if re.fullmatch(r"[0-9a-f]{16}", text):
            return text
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    made = secrets.token_hex(8)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "w") as f:
        f.write(made + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return made


def _secret(path: Path) -> bytes:
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    data = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return data


def read_serial(sources: Iterable[Path] = SERIAL_SOURCES) -> str | None:
    """The board's serial number from the first source that has one (devicetree or cpuinfo)."""
    for path in sources:
        try:
            text = path.read_bytes().decode("ascii", "replace")
        except OSError:
            continue
        if ":" in text:  # /proc/cpuinfo: "Serial\t\t: 10000000abcdef12"
            lines = [line.split(":", 1)[1] for line in text.splitlines()
                     if ":" in line and line.split(":", 1)[0].strip().lower() == "serial"]
            text = lines[0] if lines else ""
        serial = text.strip("\0 \t\r\n")
        if serial.strip("0"):
            return serial
    return None


def mac_addresses(net_dir: Path = NET_DIR) -> list[str]:
    found = []
    for address in sorted(net_dir.glob("*/address")):
        try:
            mac = address.read_text().strip().lower()
        except OSError:
            continue
        if mac and mac.strip("0:"):
            found.append(mac)
    return found


def hardware_identifiers(serial_sources: Iterable[Path] = SERIAL_SOURCES, net_dir: Path = NET_DIR,
                         hostname: str | None = None) -> list[str]:
    """The board's serial, its MAC addresses and its hostname (and the hostname's first label)."""
    found = []
    serial = read_serial(serial_sources)
    if serial:
        found.append(serial)
    found += mac_addresses(net_dir)
    host = socket.gethostname() if hostname is None else hostname
    if host and host != "localhost":
        found += [host, host.split(".")[0]]
    return sorted({f for f in found if len(_target(f)) >= 4})


# Lower-case Cyrillic and Greek letters that pass for Latin ones: "кітсһеп" spells kitchen in
# one script, which the text rule allows (a Russian model writes Cyrillic), so identity folds them.
_LOOKALIKES = str.maketrans("аԁеһіјкорԛѕԝхусьпгтαεικνορτυχω", "adehijkopqswxycbnrtaeikvoptuxw")


def _tokens(value: str) -> list[str]:
    """NFKC, format characters removed, case-folded, look-alike letters folded to Latin, cut at
    anything that is not a letter or digit."""
    value = unicodedata.normalize("NFKC", value)
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")
    value = unicodedata.normalize("NFKC", value.casefold()).translate(_LOOKALIKES)
    return re.findall(r"[^\W_]+", value)


def _target(identifier: str) -> str:
    """What an identifier is, as one run of letters and digits; a serial's leading zeros are
    not part of it (a board reads 00000000abcdef12 or abcdef12 alike)."""
    joined = "".join(_tokens(identifier))
    if re.fullmatch(r"0+[0-9a-f]{6,}", joined):
        joined = joined.lstrip("0")
    return joined


class Forbidden:
    """Finds identifiers in values.

    An identifier with a digit (a MAC, a serial, an account number) is found
    anywhere in a value's letters and digits taken together, so it cannot hide
    inside a longer hex string or behind separators. One without digits (a
    hostname, a word) is found when a run of whole tokens spells it, so
    "raspberry pi" and "raspberry-pi" match the hostname raspberrypi but
    "raspberry pie" does not.
    """

    def __init__(self, identifiers: Iterable[str]):
        self.targets: list[tuple[str, str]] = []
        for identifier in identifiers:
            target = _target(identifier)
            if len(target) >= 2:
                self.targets.append((identifier, target))

    def find(self, value: str) -> str | None:
        """The first identifier found in `value`, or None."""
        tokens = _tokens(value)
        squashed = "".join(tokens)
        for identifier, target in self.targets:
            if any(ch.isdigit() for ch in target) and len(target) >= 6:
                if target in squashed:
                    return identifier
            elif _spelled_by_a_run(tokens, target):
                return identifier
        return None


def _spelled_by_a_run(tokens: list[str], target: str) -> bool:
    for start in range(len(tokens)):
        run = ""
        for token in tokens[start:]:
            run += token
            if run == target:
                return True
            if not target.startswith(run):
                break
    return False
