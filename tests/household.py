"""A household for tests and benchmarks: a real mosquitto, and earmuff speakers on one machine.

Each Speaker is a real uplink (its own state directory and sockets) and, when
given audio, a real listener (openWakeWord, Vosk, the redactor, a jsonl ring)
in this process, built as `earmuff listen` builds it; its source is the audio
played in real time, started with the other speakers' at one moment, as when
one person speaks in a home with several speakers.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np

from device import config as cfg
from device.files import hold_lock
from device.listener.audio import WavSource
from device.uplink.service import Uplink
from tests.waiting import wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificates() -> dict[str, Path]:
    """A CA of our own and a certificate it signed for 127.0.0.1 / localhost (openssl), as a household
    would make for its mosquitto: {"ca": ..., "cert": ..., "key": ..., "dir": ...}. In a folder of their
    own that every user may read (mosquitto started as root reads them as the user mosquitto); test
    keys, nothing else: remove "dir" when done."""
    d = Path(tempfile.mkdtemp(prefix="earmuff-test-certs-"))
    d.chmod(0o755)
    files = {"ca": d / "ca.crt", "ca_key": d / "ca.key", "cert": d / "broker.crt", "key": d / "broker.key"}

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=household test CA",
        "-keyout", str(files["ca_key"]), "-out", str(files["ca"]))
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", str(files["key"]),
        "-out", str(d / "broker.csr"))
    (d / "san.ext").write_text("subjectAltName = IP:127.0.0.1, DNS:localhost\n")
    run("x509", "-req", "-in", str(d / "broker.csr"), "-CA", str(files["ca"]), "-CAkey", str(files["ca_key"]),
        "-CAcreateserial", "-days", "2", "-extfile", str(d / "san.ext"), "-out", str(files["cert"]))
    for path in d.iterdir():
        path.chmod(0o644)
    return files | {"dir": d}


class Broker:
    """A real mosquitto on 127.0.0.1, no persistence: a restart forgets every retained message.
    With `certificates` (make_certificates), it speaks only TLS."""

    def __init__(self, directory: Path, port: int | None = None, certificates: dict[str, Path] | None = None):
        self.port = port or free_port()
        self.conf = Path(directory) / "mosquitto.conf"
        tls = "" if certificates is None else \
            f"cafile {certificates['ca']}\ncertfile {certificates['cert']}\nkeyfile {certificates['key']}\n"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\n{tls}allow_anonymous true\npersistence false\n")
        self.log = Path(directory) / "mosquitto.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Broker:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen([binary, "-c", str(self.conf)], stdout=log, stderr=subprocess.STDOUT)

        def answers() -> bool:
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.port)) == 0

        if not wait_for(answers, 10, 0.02):
            raise RuntimeError(f"mosquitto did not start:\n{self.log.read_text()[-2000:]}")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


def write_wav(path: Path, audio: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(audio.astype("<i2").tobytes())
    return path


class StartTogether(WavSource):
    """A WAV file played in real time from the moment `go` is set (the same moment for every speaker)."""

    def __init__(self, path: Path, go: threading.Event):
        super().__init__(path, realtime=True)
        self.go = go

    def frames(self):
        while not self.go.wait(0.05):
            if self._closed.is_set():
                return
        yield from super().frames()


def speaker_config(directory: Path, room: str, broker_port: int, model: Path | None = None, window_ms: int = 150,
                   arbitration: bool = True, discovery: bool = False, tls: dict | None = None,
                   **uplink) -> cfg.Config:
    return cfg.from_dict({
        "paths": {"state_dir": str(directory / "state"), "runtime_dir": str(directory / "run"),
                  "models_dir": str(directory)},
        "audio": {"source": "mic"},
        "transcribe": {"model": str(model)} if model else {},
        "led": {"driver": f"jsonl:{directory / 'ring.jsonl'}"},
        "control": {"group": ""},
        "uplink": {"sinks": ["file"], "retry_min_s": 0.05, "retry_max_s": 0.2, "light_timeout_s": 1.0, **uplink},
        "arbitration": {"enabled": arbitration, "host": "127.0.0.1", "port": broker_port, "room": room,
                        "window_ms": window_ms, **(tls or {})},
        "discovery": {"enabled": discovery},
    })


class Speaker:
    """One earmuff speaker: a real uplink and, with `audio`, a real listener hearing it."""

    def __init__(self, directory: Path, room: str, broker_port: int, model: Path | None = None,
                 audio: np.ndarray | None = None, go: threading.Event | None = None, control: bool = False,
                 **settings):
        self.dir = Path(directory) / room.replace(" ", "-")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.room = room
        self.config = speaker_config(self.dir, room, broker_port, model, **settings)
        self.events: list[tuple[float, str, dict]] = []
        self.lock = hold_lock(self.config.paths.state_dir / "listener.lock", "test listener")
        self.uplink = Uplink(self.config)
        self.uplink.start()
        self._uplink_thread = threading.Thread(target=self.uplink.run, daemon=True)
        self._uplink_thread.start()
        self.listener = self.server = None
        self._thread = None
        if audio is not None:
            from device.listener import service as listener

            source = StartTogether(write_wav(self.dir / "heard.wav", audio), go or threading.Event())
            self.listener = listener.build(self.config, source=source,
                                           on_event=lambda name, detail: self.events.append(
                                               (time.monotonic(), name, detail)))
            if control:
                self.server = listener.serve_control(self.listener)
            listener.connect_uplink(self.listener)
            self._thread = threading.Thread(target=self.listener.run, daemon=True)
            self._thread.start()

    def connected(self, timeout: float = 15) -> bool:
        ok = wait_for(lambda: self.uplink.household is None or self.uplink.household.connected, timeout)
        if self.listener is not None:
            ok = ok and wait_for(lambda: self.listener.link.connected and self.uplink.listener is not None, timeout)
        return ok

    def named(self, name: str) -> list[dict]:
        return [detail for _, name_, detail in self.events if name_ == name]

    def audit(self) -> list[dict]:
        path = self.config.paths.state_dir / "audit.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def sent(self) -> list[dict]:
        path = self.config.paths.state_dir / "sent.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def ring(self) -> list[dict]:
        path = self.dir / "ring.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def close(self) -> None:
        from device.listener import service as listener

        if self.listener is not None:
            self.listener.stop()
            self._thread.join(10)
            if self.server is not None:
                self.server.close()
            listener.close(self.listener)
        self.uplink.stop()
        self._uplink_thread.join(5)
        self.lock.close()
