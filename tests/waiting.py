"""Waiting for something another process or thread does, instead of sleeping a fixed time."""

import time


def wait_for(condition, timeout: float = 15.0, poll: float = 0.05) -> bool:
    """True as soon as condition() is; False if it is still not after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(poll)
    return bool(condition())
