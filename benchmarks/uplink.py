"""Uplink latency: from a redacted utterance handed to the uplink to its arrival at a loopback HTTP sink.

    python -m benchmarks.uplink [--n 300]

The uplink runs in this process with its real socket, gate (re-redaction and
identity check), write-ahead spool, audit log (fsync) and the "no light, no
send" handshake with a listener link lighting a ring (jsonl driver). The sink
is the webhook sink posting to an HTTP server on 127.0.0.1. Timed from
UplinkLink.submit() to the server starting to read the request. Target:
median at most 20 ms. (The 500 ms minimum light time is not on this path.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()

    from device import config as cfg
    from device.listener.link import UplinkLink
    from device.ring.led import JsonlDriver, Ring
    from device.uplink.service import Uplink

    arrived: dict[str, float] = {}
    got = threading.Condition()

    class Sink(BaseHTTPRequestHandler):
        def do_POST(self):
            now = time.perf_counter()
            body = self.rfile.read(int(self.headers["Content-Length"]))


            with got:
                arrived[json.loads(body)["session"]] = now
                got.notify_all()
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        config = cfg.from_dict({
            "paths": {"state_dir": str(tmp / "state"), "runtime_dir": str(tmp / "run")},
            "uplink": {"sinks": ["webhook"], "webhook": {"url": f"http://127.0.0.1:{server.server_address[1]}/"}},
        })
        uplink = Uplink(config)
        uplink.start()
        threading.Thread(target=uplink.run, daemon=True).start()
        ring = Ring(JsonlDriver(str(tmp / "ring.jsonl")))
        link = UplinkLink(config.uplink_socket(), ring)
        link.start()
        while not link.connected:
            time.sleep(0.01)
        latencies = []
        for i in range(args.n + 10):
            session = f"{i:032x}"  # the listener's format: 32 hex digits
            started = time.perf_counter()
            link.submit({"type": "utterance", "session": session, "text": "turn on the kitchen lights",
                         "redacted": {}, "wakeword": "hey_jarvis", "seconds": 1.2})
            with got:
                got.wait_for(lambda s=session: s in arrived, timeout=10)
            if i >= 10:  # the first few warm up the connection and the redactor
                latencies.append((arrived[session] - started) * 1000)
            link.wait_settled(10)
        link.close()
        uplink.stop()
        ring.close()
    server.shutdown()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.n} utterances, one at a time")
    print(f"handed to the uplink -> arrived at the HTTP sink: median {statistics.median(latencies):.2f} ms, "
          f"p99 {p99:.2f} ms, max {latencies[-1]:.2f} ms (target: median at most 20 ms)")


if __name__ == "__main__":
    main()
