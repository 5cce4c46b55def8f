"""The uplink boundary's own cost: parsing, validating and gating one utterance, typical and worst case.

    python -m benchmarks.boundary [--n 200]

Per line from the socket: strict JSON parse, field validation (protocol.py),
payload built from the validated fields, and the gate (re-redaction and
identity on values). Typical: a short command. Worst case at the text cap
(4,096 characters): spoken addresses repeated ("one main street ..."), the
redactor's slowest input, and a line of 64 KiB of brackets. Also the
redactor alone on the same address text past the cap, to show what the cap
saves.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time


def _time(fn, n: int) -> tuple[float, float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1 if len(times) > 1 else 0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()

    from device.redact import Redactor
    from device.uplink.gate import Gate
    from device.uplink.identity import hardware_identifiers
    from device.uplink.protocol import MAX_TEXT, Refused, Rules, build_payload, parse_line, parse_utterance

    rules = Rules(frozenset({"hey_jarvis"}))
    gate = Gate(Redactor(), hardware_identifiers() + ["acct-7731-xq"])

    def line_for(text: str) -> bytes:
        return json.dumps({"type": "utterance", "session": "0123456789abcdef0123456789abcdef", "text": text,
                           "redacted": {"PERSON": 1}, "wakeword": "hey_jarvis", "seconds": 3.2,
                           "reason": "silence"}).encode()

    def through(line: bytes):
        def run():
            try:
                u = parse_utterance(parse_line(line), rules)
            except Refused:
                return
            gate.check(build_payload(u, u.session, "0123456789abcdef", "en", "2026-11-26T09:00:00.000+00:00"))
        return run

    addresses = ("one main street " * 400)[:MAX_TEXT].strip()
    cases = {
        "typical command (38 chars)": line_for("turn on the kitchen lights for [PERSON]"),
        f"spoken addresses at the cap ({len(addresses)} chars)": line_for(addresses),
        "64 KiB of nested brackets (refused)": b"[" * 65536,
    }
    print(f"machine: {platform.machine()}, Python {platform.python_version()}; {args.n} runs each")
    for name, line in cases.items():
        median, p99 = _time(through(line), args.n)
        print(f"  {name}: parse + validate + gate median {median:.3f} ms, p99 {p99:.3f} ms")
    redactor = Redactor()
    for size in (4096, 16384, 65536):
        text = ("one main street " * (size // 16 + 1))[:size]
        median, _ = _time(lambda t=text: redactor.redact(t), 3 if size > 4096 else 20)
        print(f"  redactor alone on {size} chars of spoken addresses: {median:.0f} ms")


if __name__ == "__main__":
    main()
