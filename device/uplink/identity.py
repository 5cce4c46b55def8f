"""Who the device is, and what must never say so.

Payloads carry a pseudonymous id: an HMAC of a local random secret and the
current period, so it changes every period (daily by default) and cannot be
traced back to the hardware. The Pi's serial, its MAC addresses, its hostname
and the owner's `never_send` strings must never appear in a payload.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import socket
import time
from pathlib import Path


def device_id(secret_path: Path, rotate_s: float, now: float | None = None) -> str:
    secret = _secret(secret_path)
    period = int((time.time() if now is None else now) // rotate_s)
    return hmac.new(secret, f"earmuff-device-{period}".encode(), hashlib.sha256).hexdigest()[:16]


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


def hardware_identifiers() -> list[str]:
    """The Pi's serial, MAC addresses (with and without colons) and hostname."""
    found = []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("serial"):
                serial = line.split(":", 1)[1].strip()
                if serial.strip("0"):
                    found += [serial, serial.lstrip("0")]
    except OSError:
        pass
    for address in Path("/sys/class/net").glob("*/address"):
        try:
            mac = address.read_text().strip().lower()
        except OSError:
            continue
        if mac and mac != "00:00:00:00:00:00":
            found += [mac, mac.replace(":", ""), mac.replace(":", "-")]
    host = socket.gethostname()
    if host and host not in ("localhost",):
        found += [host, host.split(".")[0]]
    return sorted({f for f in found if len(f) >= 4})


def find_forbidden(text: str, forbidden: list[str]) -> str | None:
    """The first forbidden string in `text` (case-insensitive, as a whole token), or None."""
    lowered = text.lower()
    for item in forbidden:
        pattern = r"(?<![0-9a-z])" + re.escape(item.lower()) + r"(?![0-9a-z])"
        if re.search(pattern, lowered):
            return item
    return None
