"""Durable file writes for state that must survive a crash."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: Path, text: str) -> None:
    """Write, fsync, rename into place, fsync the directory: a crash leaves the old file or the
    new one, never half of one, and the new one is on disk when this returns."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


EX_TEMPFAIL = 75  # another instance holds the lock: try again once it has stopped


class AlreadyRunning(Exception):
    """Another process holds this lock file."""


_HELD: dict[Path, object] = {}  # the locks this process holds, by path, oldest first (held_lock)


def hold_lock(path: Path, what: str):
    """Take an exclusive lock on `path` for as long as the returned file stays open (the process's
    life). Raises AlreadyRunning, naming the holder, if another process has it."""
    import fcntl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    f = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open on purpose
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        holder = f.read().strip() or "another process"
        f.close()
        raise AlreadyRunning(f"another {what} is already running ({holder}, lock {path}); "
                             "stop it first, or give this one its own state directory") from None
    f.seek(0)
    f.truncate()
    f.write(f"pid {os.getpid()}\n")
    f.flush()
    _HELD.pop(path.resolve(), None)
    _HELD[path.resolve()] = f  # the newest last
    return f


def held_lock(name: str | Path) -> list[int]:
    """The descriptor of the newest lock this process holds (hold_lock) on a file called `name` (or at the
    path `name`), if any: the listener hands its lock's descriptor to the uplink at hello as proof that it
    is the listener."""
    if isinstance(name, Path):
        f = _HELD.get(name.resolve())
        return [f.fileno()] if f is not None and not f.closed else []
    return [f.fileno() for path, f in _HELD.items() if path.name == name and not f.closed][-1:]


def proves_lock(fd: int, path: Path) -> bool:
    """Whether a descriptor handed over (SCM_RIGHTS) is the open file that holds hold_lock()'s lock on
    `path`. flock() on a description that holds the lock succeeds (it is the holder); on another one of
    the same file it fails while the holder lives. (No one holding it: taken, on behalf of the sender,
    who is then the one instance, as if it had started first.)"""
    import fcntl

    try:
        st, ref = os.fstat(fd), os.stat(path)
        if (st.st_dev, st.st_ino) != (ref.st_dev, ref.st_ino):
            return False
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
