"""The audit log: one JSON line for every send attempt and its outcome.

Append-only, each line fsynced, rotated by size to audit.jsonl.1. It holds
what left (the exact payload), where to, and the labels and counts of what
was redacted, never the values. If it cannot be written, nothing is sent.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path


class AuditError(Exception):
    """The audit log cannot be written: nothing may be sent."""


class AuditLog:
    def __init__(self, path: Path, max_bytes: int = 10_000_000):
        self.path = Path(path)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def append(self, entry: dict) -> None:
        entry = {"time": time.time(), **entry}
        try:  # strict JSON only: a NaN or a lone surrogate would make the log unreadable to others
            line = (json.dumps(entry, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n").encode()
        except (ValueError, TypeError) as e:
            raise AuditError(f"cannot write the audit log {self.path}: an entry is not JSON ({e})") from e
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if self.path.exists() and self.path.stat().st_size + len(line) > self.max_bytes:
                    os.replace(self.path, self.path.with_name(self.path.name + ".1"))
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
                try:
                    os.write(fd, line)
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as e:
                raise AuditError(f"cannot write the audit log {self.path}: {e.strerror or e}") from e


def format_entry(entry: dict) -> str:
    """One audit entry as a line for people: when, outcome, sink, where, what left, what was redacted."""
    from datetime import datetime

    from device.redact import summarize

    when = datetime.fromtimestamp(entry.get("time", 0)).strftime("%Y-%m-%d %H:%M:%S")
    line = f"{when}  {entry.get('outcome', '?'):8} {entry.get('sink') or '-':13} {entry.get('destination') or ''}"
    text = (entry.get("payload") or {}).get("text")
    if text is not None:
        line += f"  {text!r}  (redacted: {summarize(entry.get('redacted') or {})})"
    if entry.get("reason"):
        field = f"{entry['field']}: " if entry.get("field") else ""
        line += f"  [{field}{entry['reason']}]"
    if entry.get("uid") is not None:
        line += f"  (uid {entry['uid']}, pid {entry.get('pid')})"
    return line
