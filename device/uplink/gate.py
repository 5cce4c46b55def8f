"""The last check before anything leaves: re-redact, and look for the device's identity."""

from __future__ import annotations

import json
from dataclasses import dataclass

from device.redact import Redactor
from device.uplink.identity import find_forbidden


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


class Gate:
    def __init__(self, redactor: Redactor, forbidden: list[str]):
        self.redactor = redactor
        self.forbidden = forbidden

    def check(self, payload: dict) -> Verdict:
        text = payload.get("text", "")
        if not isinstance(text, str):
            return Verdict(False, "text is not a string")
        again = self.redactor.redact(text)
        if again.spans:
            labels = ", ".join(sorted(again.counts))
            return Verdict(False, f"the text still holds an identifier ({labels})")
        # Everything that would leave, not only the text: ids, names of wake words, anything.
        hit = find_forbidden(json.dumps({k: v for k, v in payload.items() if k != "audio"}), self.forbidden)
        if hit is not None:
            return Verdict(False, "the payload holds a device or account identifier (never_send)")
        return Verdict(True)
