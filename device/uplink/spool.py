"""Payloads waiting for a sink that could not be reached, one fsynced file each.

Bounded by count and age; what is within the bounds survives a crash or a
restart, in order. Each item keeps its idempotency key, so a receiver can
recognise a retry of something it already has. An item that cannot be read
or processed is moved to the quarantine folder beside the spool (kept for a
person to look at, never retried), so one bad file cannot crash the uplink on
every restart.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from device.files import write_atomically
from device.uplink.protocol import Refused, dumps, strict_loads


class Spool:
    def __init__(self, directory: Path, max_items: int = 100, max_age_s: float = 3600.0):
        self.dir = Path(directory)
        self.quarantine_dir = self.dir.parent / "quarantine"
        self.max_items, self.max_age_s = max_items, max_age_s
        self.dir.mkdir(parents=True, exist_ok=True)

    def put(self, sink: str, payload: dict, age_s: float = 0.0) -> Path:
        """Write one payload for one sink; `age_s`: how long ago it was said (held by the listener)."""
        item = {"sink": sink, "payload": payload, "spooled": time.time() - age_s, "attempts": 0}
        name = f"{time.time_ns():020d}-{sink}-{payload['id']}.json"
        path = self.dir / name
        write_atomically(path, dumps(item))
        return path

    def items(self) -> tuple[list[tuple[Path, dict]], list[tuple[str, str]]]:
        """(items oldest first, [(file name, why)] of those that could not be read, now quarantined)."""
        out, bad = [], []
        for path in sorted(self.dir.glob("*.json")):
            try:
                item = strict_loads(path.read_bytes(), "spool item")
                if not (isinstance(item, dict) and isinstance(item.get("sink"), str)
                        and isinstance(item.get("payload"), dict) and isinstance(item["payload"].get("id"), str)
                        and isinstance(item.get("spooled"), (int, float)) and math.isfinite(item["spooled"])):
                    raise Refused("spool item", "not a spool item")
            except OSError as e:
                bad.append((path.name, self.quarantine(path) or f"unreadable: {e.strerror}"))
                continue
            except Refused as e:
                bad.append((path.name, self.quarantine(path) or str(e)))
                continue
            out.append((path, item))
        return out, bad

    def quarantine(self, path: Path) -> str | None:
        """Move an item aside. Returns why that failed, or None."""
        try:
            self.quarantine_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.replace(path, self.quarantine_dir / path.name)
            return None
        except OSError as e:
            path.unlink(missing_ok=True)  # it must not come back on every pass
            return f"could not be quarantined ({e.strerror}); removed"

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def prune(self) -> tuple[list[tuple[Path, dict]], list[dict], list[tuple[str, str]]]:
        """Drop items past the age or count bound. Returns (what is left, oldest first; what was
        dropped, to be audited as expired; what was quarantined), from one read of the spool."""
        items, bad = self.items()
        now = time.time()
        kept, expired = [], []
        for i, (path, item) in enumerate(items):
            too_old = now - item["spooled"] > self.max_age_s
            too_many = len(items) - i > self.max_items
            if too_old or too_many:
                expired.append(item)
                path.unlink(missing_ok=True)
            else:
                kept.append((path, item))
        return kept, expired, bad

    def __len__(self) -> int:
        return len(list(self.dir.glob("*.json")))
