"""systemd readiness, watchdog and stop signals, speaking the sd_notify datagram protocol directly.

A few lines over $NOTIFY_SOCKET instead of libsystemd: READY=1 once models are
loaded and sockets listen, WATCHDOG=1 from the audio loop (so a hung loop is
restarted), STOPPING=1 on the way out. Without systemd these do nothing.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable


def notify(message: str) -> bool:
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]  # an abstract socket
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.sendto(message.encode(), address)
        return True
    except OSError:
        return False


def stop_later(stop: Callable[[], object]) -> None:
    """Call stop() on a thread of its own: what a SIGTERM or SIGINT handler does. A handler runs in the main
    thread between two of its steps, perhaps while it holds a lock stop() needs as well (the Event the audio
    loop waits on, the Queue the uplink's worker reads): called right there, stop() would wait for itself
    for ever, and systemd would have to kill the service."""
    threading.Thread(target=stop, name="stopping", daemon=True).start()


class Watchdog:
    """Pings systemd at half the interval it asked for ($WATCHDOG_USEC)."""

    def __init__(self):
        usec = os.environ.get("WATCHDOG_USEC", "")
        pid = os.environ.get("WATCHDOG_PID", "")
        mine = not pid or pid == str(os.getpid())
        self.interval = int(usec) / 2e6 if usec.isdigit() and mine else None
        self._last = 0.0
        self.pings = 0

    def ping(self) -> None:
        if self.interval is None:
            return
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            if notify("WATCHDOG=1"):
                self.pings += 1
