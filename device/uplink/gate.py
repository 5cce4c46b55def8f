"""The last check before anything leaves: re-redact, and look for the device's identity.

It sees payloads built by protocol.build_payload from validated fields, so
the text is already normalised spoken form; the redactor runs on it again,
and every value that would leave (not the escaped JSON) is searched for the
device's and the owner's identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass

from device.redact import Redactor
from device.uplink.identity import Forbidden


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


class Gate:
    def __init__(self, redactor: Redactor, forbidden: list[str]):
        self.redactor = redactor
        self.forbidden = Forbidden(forbidden)

    def check(self, payload: dict) -> Verdict:
        text = payload.get("text", "")
        if not isinstance(text, str):
            return Verdict(False, "text is not a string")
        again = self.redactor.redact(text)
        if again.spans:
            labels = ", ".join(sorted(again.counts))
            return Verdict(False, f"the text still holds an identifier ({labels})")
        for key, value in payload.items():
            if key == "audio":
                continue
            values = value.keys() if isinstance(value, dict) else [value]
            for v in values:
                if isinstance(v, str) and self.forbidden.find(v) is not None:
                    return Verdict(False, f"{key} holds a device or account identifier (never_send)")
        return Verdict(True)

    def identifiers(self, values: dict) -> Verdict:
        """Values that leave without a transcript (a wake claim, Home Assistant's discovery): none may hold
        a device or account identifier."""
        for key, value in values.items():
            if isinstance(value, str) and self.forbidden.find(value) is not None:
                return Verdict(False, f"{key} holds a device or account identifier (never_send)")
        return Verdict(True)
