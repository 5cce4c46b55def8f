"""Per-sink delivery state: back-off after a failure, and a sink that refused the credentials.

A sink that could not be reached is tried again after a back-off that doubles
up to retry_max_s (a new utterance tries at once). A sink that refused the
credentials is not tried again until its secret file changes (its size, time
or content) or auth_retry_s has passed: retrying a wrong token only gets the
speaker banned by Home Assistant's ip_ban.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path


def secret_fingerprint(paths: list[str]) -> str:
    """What identifies the current contents of the secret files, without keeping them."""
    digest = hashlib.sha256()
    for path in paths:
        try:
            digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
        except OSError as e:
            digest.update(f"unreadable:{e.errno}".encode())
    return digest.hexdigest()


class SinkState:
    def __init__(self, sink, retry_min_s: float, retry_max_s: float, auth_retry_s: float):
        self.sink = sink
        self.retry_min_s, self.retry_max_s, self.auth_retry_s = retry_min_s, retry_max_s, auth_retry_s
        self.delay = retry_min_s
        self.next_try = 0.0  # monotonic; before it, only a new utterance tries
        self.refused: str | None = None  # why the credentials were refused
        self.last_error: str | None = None  # why the last attempt failed
        self._refused_secret = ""
        self._refused_until = 0.0

    # -- outcomes ---------------------------------------------------------
    def delivered(self) -> None:
        self.delay, self.next_try = self.retry_min_s, 0.0

    def failed(self) -> None:
        self.next_try = time.monotonic() + self.delay
        self.delay = min(self.delay * 2, self.retry_max_s)

    def auth_failed(self, reason: str) -> None:
        self.refused = reason
        self._refused_secret = secret_fingerprint(self.sink.secret_files())
        self._refused_until = time.monotonic() + self.auth_retry_s

    # -- may it be tried? ---------------------------------------------------
    def credentials_may_work(self) -> bool:
        """False while the refused credentials are unchanged and the long back-off runs."""
        if self.refused is None:
            return True
        if time.monotonic() >= self._refused_until or \
                secret_fingerprint(self.sink.secret_files()) != self._refused_secret:
            self.refused = None
        return self.refused is None

    def due(self) -> bool:
        """Whether a retry from the spool is due now."""
        return self.credentials_may_work() and time.monotonic() >= self.next_try

    def wake_in(self) -> float:
        """Seconds until something may change for this sink: a retry, or a look at the secret file."""
        if self.refused is not None:
            return min(5.0, max(0.0, self._refused_until - time.monotonic()))
        return max(0.0, self.next_try - time.monotonic())
