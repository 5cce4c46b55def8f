"""Payloads waiting for a sink that could not be reached, one fsynced file each.

Bounded by count and age; what is within the bounds survives a crash or a
restart, in order. Each item keeps its idempotency key, so a receiver can
recognise a retry of something it already has.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from device.files import write_atomically


class Spool:
    def __init__(self, directory: Path, max_items: int = 100, max_age_s: float = 3600.0):
        self.dir = Path(directory)
        self.max_items, self.max_age_s = max_items, max_age_s
        self.dir.mkdir(parents=True, exist_ok=True)

    def put(self, sink: str, payload: dict) -> Path:
        item = {"sink": sink, "payload": payload, "spooled": time.time(), "attempts": 0}
        name = f"{time.time_ns():020d}-{sink}-{payload['id']}.json"
        path = self.dir / name
        write_atomically(path, json.dumps(item))
        return path

    def items(self) -> list[tuple[Path, dict]]:
        """Oldest first. Unreadable files are set aside, not lost."""
        out = []
        for path in sorted(self.dir.glob("*.json")):
            try:
                out.append((path, json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError):
                path.rename(path.with_suffix(".broken"))
        return out

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def prune(self) -> tuple[list[tuple[Path, dict]], list[dict]]:
        """Drop items past the age or count bound. Returns (what is left, oldest first; what was
        dropped, to be audited as expired), from one read of the spool."""
        items = self.items()
        now = time.time()
        kept, expired = [], []
        for i, (path, item) in enumerate(items):
            too_old = now - item.get("spooled", 0) > self.max_age_s
            too_many = len(items) - i > self.max_items
            if too_old or too_many:
                expired.append(item)
                path.unlink(missing_ok=True)
            else:
                kept.append((path, item))
        return kept, expired

    def __len__(self) -> int:
        return len(list(self.dir.glob("*.json")))
