"""The household's names file: one name a line, kept on the device, never sent.

Names that are everyday words ("will", "grace", "hope") are a person only in
context for a general redactor; listed here, they are redacted in any slot.
Blank lines and lines starting with # are ignored. A missing file means no
names; an unreadable one is reported and treated as empty, so the daemon
keeps running.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from device.files import write_atomically

log = logging.getLogger(__name__)
HEADER = "# earmuff household names: one a line, redacted as PERSON wherever they are heard\n"


def normalise(name: str) -> str:
    """A name as Vosk writes it: lowercase words separated by single spaces."""
    return " ".join(re.findall(r"[\w']+", name.lower()))


def read_names(path: Path | None) -> list[str]:
    if path is None:
        return []
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    except OSError as e:
        log.warning("names file %s unreadable (%s): no household names this run", path, e.strerror)
        return []
    names = []
    for line in text.splitlines():
        if line.strip().startswith("#"):
            continue
        name = normalise(line)
        if name and name not in names:
            names.append(name)
    return names


def add_name(path: Path, name: str) -> bool:
    """Add a name; False if it was there already. Raises ValueError for a name with no letters."""
    name = normalise(name)
    if not name:
        raise ValueError("a name needs at least one letter")
    names = read_names(path)
    if name in names:
        return False
    _write(path, names + [name])
    return True


def remove_name(path: Path, name: str) -> bool:
    """Remove a name; False if it was not there."""
    name = normalise(name)
    names = read_names(path)
    if name not in names:
        return False
    _write(path, [n for n in names if n != name])
    return True


def _write(path: Path, names: list[str]) -> None:
    write_atomically(Path(path), HEADER + "".join(n + "\n" for n in names))
    Path(path).chmod(0o600)  # private to the service user
