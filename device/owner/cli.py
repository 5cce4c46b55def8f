"""The `earmuff` command: parse, call, print.

Exit codes: 0 done; 1 failed or refused (with the reason on stderr; for
several files, the others are still processed); 2 usage; 69 the daemon is not
reachable (with what to check); 78 configuration (a bad config file, a
missing model).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path

from device import __version__
from device.config import EX_CONFIG, Config, ConfigError, load
from device.files import EX_TEMPFAIL, AlreadyRunning
from device.notify import notify, stop_later
from device.owner.words import counted

DEFAULT_CONFIG = Path("/etc/earmuff/earmuff.toml")
log = logging.getLogger("device.owner.cli")


def _load_config(path: str | None) -> Config:
    """The config named on the command line, else $EARMUFF_CONFIG, else /etc/earmuff, else defaults."""
    chosen = path or os.environ.get("EARMUFF_CONFIG")
    if chosen:
        return load(chosen, every_error=True)  # every mistake at once, as `earmuff config check` says them
    if DEFAULT_CONFIG.exists():
        return load(DEFAULT_CONFIG, every_error=True)
    return Config()


def _config_file_named(args) -> bool:
    return bool(getattr(args, "config", None) or os.environ.get("EARMUFF_CONFIG") or DEFAULT_CONFIG.exists())


def _no_config_read(args) -> str:
    """What to add to "looked in PATH" when the path is the built-in default because no config was read."""
    return "" if _config_file_named(args) else "; no config file was read (add --config FILE)"


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _print_json(obj: dict) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


# -- subcommands ----------------------------------------------------------
def cmd_config_check(args) -> int:
    """Every problem in the file at once (not just the first), then exit 78 if there was one."""
    from device.owner.config_check import check_file

    config, errors, notes = check_file(args.file)
    for error in errors:
        print(f"earmuff: configuration error: {error}", file=sys.stderr)
    for note in notes:
        print(f"{args.file}: note: {note}")
    if errors:
        print(f"{args.file}: {counted(len(errors), 'error')}", file=sys.stderr)
        return EX_CONFIG
    print(f"{args.file}: OK")
    if args.verbose:
        print(f"  wake words: {', '.join(config.wake.models)}")
        print(f"  audio source: {config.audio.source}")
        print(f"  Vosk model: {config.model_path()}")
    return 0


def cmd_detect(args) -> int:
    import numpy as np

    from device.listener import frontend
    from device.listener.audio import FRAME_SAMPLES, AudioError, WavSource
    from device.listener.wake import WakeDetector

    config = _load_config(args.config)
    detector = WakeDetector(config.wake, models=args.wakeword or None, state_dir=config.paths.state_dir)
    failed = 0
    for name in args.files:
        detector.restart()
        front_end = frontend.from_settings(config.audio)  # as the listener hears it; fresh per file
        try:
            frames = list(WavSource(name).frames())
        except AudioError as e:
            print(f"earmuff detect: {e}", file=sys.stderr)
            failed += 1
            continue
        # One second of silence after the end, so a wake word at the very end still fires.
        frames += [np.zeros(FRAME_SAMPLES, np.int16)] * 13
        for frame in frames:
            if front_end is not None:
                frame = front_end.process(frame)
            for d in detector.process(frame):
                _print_json({"file": name, "wakeword": d.wakeword, "time": d.time, "score": round(d.score, 4)})
    return 1 if failed else 0


def cmd_transcribe(args) -> int:
    from device.listener.audio import AudioError, read_wav
    from device.listener.transcribe import Transcriber

    config = _load_config(args.config)
    transcriber = Transcriber(args.model or config.model_path(), config.transcribe)
    failed = 0
    for name in args.files:
        try:
            audio = read_wav(name)
        except AudioError as e:
            print(f"earmuff transcribe: {e}", file=sys.stderr)
            failed += 1
            continue
        t = transcriber.transcribe(audio)
        _print_json({"file": name, "text": t.text, "words": [w.as_dict() for w in t.words]})
    return 1 if failed else 0


def cmd_redact(args) -> int:
    """One JSON line out per line in, in order, even for empty or malformed lines."""
    from device.redact import Redactor

    redactor = Redactor.from_config(_load_config(args.config))
    failed = 0
    # Read bytes and split on "\n" only, so a stray "\r" cannot make two lines of one.
    for number, raw in enumerate(sys.stdin.buffer, 1):
        line = raw.decode("utf-8", errors="replace").removesuffix("\n")
        if not args.words:
            result = redactor.redact(line)
            _print_json({"text": result.text, "spans": [s.as_dict() for s in result.spans]})
            continue
        try:
            item = json.loads(line) if line.strip() else {"text": "", "words": []}
            words = item["words"]
            if not isinstance(words, list):
                raise TypeError("words is not a list")
            result = redactor.redact(words)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            print(f"earmuff redact: line {number}: not a transcribe JSON line ({e})", file=sys.stderr)
            _print_json({"error": f"line {number}: not a transcribe JSON line"})
            failed += 1
            continue
        out = {"text": result.text, "spans": [s.as_dict() for s in result.spans],
               "redacted_words": [{"index": i, "start": a, "end": b}
                                  for i, (a, b) in zip(result.word_indices, result.word_times, strict=True)]}
        if "file" in item:
            out = {"file": item["file"], **out}
        _print_json(out)
    return 1 if failed else 0


def cmd_names(args) -> int:
    """The household's names file: list, add or remove. It stays on the device."""
    from device.redact import names

    path = _load_config(args.config).names_path()
    if path is None:
        print("earmuff names: [redact] names_file is \"\": no household names file", file=sys.stderr)
        return 1
    if args.action == "list":
        listed = names.read_names(path)
        for name in listed:
            print(name)
        if not listed:  # say where it looked: with no config that is the built-in state directory
            print(f"earmuff names: no household names in {path}" + ("" if path.exists() else " (no such file yet)")
                  + _no_config_read(args), file=sys.stderr)
        return 0
    if not args.names:
        print(f"earmuff names {args.action}: give at least one NAME", file=sys.stderr)
        return 2
    failed = 0
    for name in args.names:
        try:
            changed = names.add_name(path, name) if args.action == "add" else names.remove_name(path, name)
        except ValueError as e:
            print(f"earmuff names: {name!r}: {e}", file=sys.stderr)
            failed += 1
            continue
        except OSError as e:
            print(f"earmuff names: cannot write {path}: {e.strerror}", file=sys.stderr)
            return 1
        outcome = {("add", True): "added", ("add", False): "already there",
                   ("remove", True): "removed", ("remove", False): "not there"}[args.action, changed]
        print(f"{outcome}: {names.normalise(name)}")
    print(f"({path}; earmuff reads it when it starts: restart the listener and the uplink to use it)")
    return 1 if failed else 0


def cmd_listen(args) -> int:
    from device.files import hold_lock
    from device.listener import service as listener

    config = _load_config(args.config)
    _setup_logging(config.log.level)
    # One listener per state directory (privacy state, the microphone): held until the process ends.
    lock = hold_lock(config.paths.state_dir / "listener.lock", "earmuff listener")  # noqa: F841
    lst = listener.build(config)

    def stop(signum, frame):
        log.info("stopping on %s", signal.Signals(signum).name)
        stop_later(lst.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server = None
    try:
        server = listener.serve_control(lst)
        log.info("control socket: %s", server.path)
    except OSError as e:
        if "already listening" in str(e):
            listener.close(lst)
            raise
        log.error("control socket unavailable (%s); the button still works", e)
    listener.connect_uplink(lst)
    log.info("listening for %s on %s", ", ".join(config.wake.models), config.audio.source)
    notify("READY=1")  # models loaded, control socket listening
    try:
        lst.run()
        if config.audio.exit_at_end and not lst._stopping.is_set():
            # Done with the file: wait until the uplink has delivered or spooled everything
            # (briefly if it was never there: then there is nobody to wait for).
            if not lst.link.wait_settled(timeout=120 if lst.link.ever_connected else 5):
                log.error("%s not handed to the uplink (is `earmuff uplink` running at %s?)",
                          counted(lst.link.unsettled, "utterance", "was", "were"), config.uplink_socket())
                return 1
        if config.audio.file is not None and not config.audio.exit_at_end and not lst._stopping.is_set():
            log.info("audio file ended; idle until stopped")
            lst._stopping.wait()
    finally:
        notify("STOPPING=1")
        if server is not None:
            server.close()
        listener.close(lst)
    log.info("stopped after %.1f s of audio: %s, %s", lst.seconds_heard,
             counted(lst.counters.wakes, "wake"), counted(lst.counters.utterances, "utterance"))
    return 0


EX_UNAVAILABLE = 69


def _socket_path(args) -> Path:
    return Path(args.socket) if args.socket else _load_config(args.config).control_socket()


def _rpc(args, method: str, params: dict | None = None):
    from device.listener import control

    response = control.call(_socket_path(args), method, params)
    if "error" in response:
        error = response["error"]
        raise _Refused(error.get("message", "refused"))
    return response["result"]


class _Refused(Exception):
    """The daemon answered with an error: exit 1 with its reason."""


def cmd_status(args) -> int:
    status = _rpc(args, "status")
    if args.json:
        _print_json(status)
        return 0
    privacy, mic, counters = status["privacy"], status["microphone"], status["counters"]
    muted = "ON (microphone closed" + (", held by the switch" if privacy["latched"] else "") + ")"
    print(f"privacy mode: {muted if privacy['muted'] else 'off'}   (last set by {privacy['source']})")
    print(f"state:        {status['state']}")
    if status.get("problem"):
        print(f"problem:      {status['problem']['what']}")
        print(f"hint:         {status['problem']['hint']}")
    front_end = mic.get("front_end", "off")
    if isinstance(front_end, dict):
        front_end = f"suppression {front_end['noise_suppression']}, gain {front_end['auto_gain_dbfs']} dBFS"
    print(f"microphone:   {mic.get('device')} {mic.get('channels', '?')} ch @ {mic.get('rate', '?')} Hz, "
          f"{mic.get('health')}; channel {mic.get('channel', 'mean')}, noise front end {front_end}")
    words = [f"{k} (base model wakes from {v['verifier_confident']:.4g}, patience {v['patience']}; verifier "
             f"{v['verifier']} below that: threshold {v['verifier_threshold']:.4g}, patience {v['verifier_patience']})"
             if "verifier_threshold" in v else
             f"{k} (threshold {v['threshold']}, patience {v['patience']}, verifier {v.get('verifier', 'off')})"
             for k, v in status["wake"].items() if isinstance(v, dict)]
    print(f"wake words:   {', '.join(words)}")
    print(f"quiet gate:   {_quiet_gate(status.get('quiet_gate', 'off'))}")
    from device.redact import summarize

    print(f"counters:     {counted(counters['wakes'], 'wake')}, {counted(counters['utterances'], 'utterance')}, "
          f"{counters['dropped']} dropped, identifiers redacted: {summarize(counters['redacted'], 'none')}")
    print(f"uplink:       {status['uplink']['health']}; sends {counters['sends']}, refused {counters['refusals']}, "
          f"spooled {counters['spool']}")
    arbitration = status.get("arbitration") or {}
    if arbitration.get("enabled"):
        print(f"arbitration:  on, room {arbitration['room']!r}, broker {arbitration['broker']}, topic "
              f"{arbitration['topic']}, window {arbitration['window_ms']} ms; stood down "
              f"{arbitration['stood_down']}, went on alone {arbitration['went_alone']}")
        if last := arbitration.get("last"):
            outcome = "went on" if last["go"] else f"stood down for {last['room']!r}"
            print(f"last wake:    {outcome}" + (f" ({last['why']})" if last.get("why") else "")
                  + (f", answered in {last['ms']:.0f} ms" if last.get("ms") is not None else ""))
    else:
        print("arbitration:  off (a single speaker; [arbitration] in docs/arbitration.md)")
    if arbitration.get("discovery"):
        print(f"discovery:    Home Assistant MQTT discovery on, via {arbitration['broker']}")
    print(f"uptime:       {status['uptime_s']:.0f} s; earmuff {status['versions']['earmuff']}")
    if status["uplink"].get("problem"):
        print(f"warning:      uplink: {status['uplink']['problem']}")
    if status["uplink"].get("dropped"):
        import time

        dropped = status["uplink"]["dropped"]
        when = time.strftime("%H:%M:%S", time.localtime(dropped["time"]))
        print(f"warning:      a command was dropped at {when}, never run late: {dropped['reason']}")
    if privacy.get("save_error"):
        print(f"warning:      {privacy['save_error']}")
    return 0


def _quiet_gate(gate) -> str:
    """The quiet-room gate in one line: resting or hearing, and the noise floor it measures against."""
    if not isinstance(gate, dict):
        return "off (the wake word models run on every frame)"
    floor = "not measured yet" if gate["noise_floor_dbfs"] is None else f"{gate['noise_floor_dbfs']:g} dBFS"
    return (f"{gate['state']}; noise floor {floor}, the models run from {gate['margin_db']:g} dB above it; "
            f"rested {gate['rested']:.0%} of the time")


def cmd_privacy(args) -> int:
    result = _rpc(args, args.command)
    print("privacy mode on: the microphone is closed" if result["muted"] else "privacy mode off: listening")
    return 0


def cmd_events(args) -> int:
    from device.listener import control

    for event in control.follow(_socket_path(args)):
        _print_json(event)
    return 0


def _since(text: str) -> float:
    """ "10m", "2h", "1d" ago, or an ISO date and time -> a Unix time (argparse's type: bad text is usage, exit 2)."""
    import re
    import time
    from datetime import datetime

    m = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd])", text.strip())
    if m:
        return time.time() - float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes 10m, 2h, 1d or an ISO date and time, not {text!r}") from None


def _audit_limit(text: str) -> int:
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if not 1 <= limit <= 1000:
        raise argparse.ArgumentTypeError(f"takes a number of entries from 1 to 1000, not {text!r}")
    return limit


def cmd_audit(args) -> int:
    from device.listener.control import Unreachable, read_audit
    from device.uplink.audit import format_entry

    try:
        entries = _rpc(args, "audit", {"limit": args.limit})
    except Unreachable:
        # Not running (e.g. `earmuff run` on a file has ended): the log is a file; read it directly.
        path = _load_config(args.config).paths.state_dir / "audit.jsonl"
        if not path.exists():  # before the first send: nothing to show, and no reason to start anything
            print(f"earmuff audit: no audit log yet: {path} does not exist (the uplink writes it when it first "
                  "sends or refuses something)" + _no_config_read(args), file=sys.stderr)
            return 0
        if not os.access(path, os.R_OK):
            raise
        print(f"earmuff audit: earmuff is not running; reading {path}", file=sys.stderr)
        entries = read_audit(path, args.limit)
    for entry in entries:
        if args.since is not None and entry.get("time", 0) < args.since:
            continue
        if args.json:
            _print_json(entry)
        else:
            print(format_entry(entry))
    return 0


def cmd_uplink(args) -> int:
    from device.uplink.service import run_uplink

    config = _load_config(args.config)
    _setup_logging(config.log.level)
    return run_uplink(config)


def cmd_run(args) -> int:
    """The listener and the uplink as two child processes with one config."""
    import subprocess
    import time


    config = _load_config(args.config)  # refuse a bad config before starting anything
    _setup_logging(config.log.level)
    base = [sys.executable, "-m", "device"]
    config_args = ["--config", str(config.path)] if config.path else []
    uplink = subprocess.Popen([*base, "uplink", *config_args])
    deadline = time.monotonic() + 30
    while not config.uplink_socket().exists() and uplink.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    listen = subprocess.Popen([*base, "listen", *config_args])
    children = {"listener": listen, "uplink": uplink}

    def forward(signum, frame):
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    status = 0
    while True:
        ended = {name: code for name, child in children.items() if (code := child.poll()) is not None}
        if ended:
            break
        time.sleep(0.1)
    for name, code in ended.items():
        if code != 0:
            log.error("%s exited with %s", name, code)
            status = code if code in (EX_CONFIG, EX_TEMPFAIL) else 1
    for child in children.values():  # one ended: stop the other cleanly
        if child.poll() is None:
            child.terminate()
    for child in children.values():
        try:
            code = child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            code = child.wait()
        if code not in (0, -signal.SIGTERM) and not status:
            status = 1
    return status


def cmd_demo(args) -> int:
    from device.owner.demo import run_demo

    return run_demo(_load_config(args.config), model=args.model, no_color=args.no_color, fast=args.fast)


def cmd_doctor(args) -> int:
    from device.owner.doctor import report, run_checks

    checks, _ = run_checks(args.config or os.environ.get("EARMUFF_CONFIG"), DEFAULT_CONFIG)
    return report(checks)


def cmd_enroll(args) -> int:
    from device.listener.enroll import command

    return command(args, _load_config(args.config))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="earmuff", description="Hears at home, keeps it at home.")
    parser.add_argument("--version", action="version", version=f"earmuff {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("config", help="check a configuration file",
                       description="earmuff config check FILE: every problem in FILE at once, each with its key; "
                                   "exit 78 if it is wrong")
    config_sub = p.add_subparsers(dest="config_command", required=True, metavar="check FILE")
    p = config_sub.add_parser("check", help="validate FILE; exit 78 with the file and key if it is wrong",
                              description="Validate FILE: every problem at once, each with its key; exit 78 if "
                                          "it is wrong. Notes (e.g. a model not fetched yet) do not fail it.")
    p.add_argument("file", metavar="FILE", help="the config file, e.g. /etc/earmuff/earmuff.toml")
    p.add_argument("-v", "--verbose", action="store_true", help="also print the main settings")
    p.set_defaults(func=cmd_config_check)

    p = sub.add_parser("detect", help="find wake words in WAV files; one JSON line per detection")
    p.add_argument("--wakeword", action="append", metavar="NAME",
                   help="built-in name or .onnx path (repeatable); default: the configured ones")
    p.add_argument("--config", help="config file (default: $EARMUFF_CONFIG or /etc/earmuff/earmuff.toml)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_detect)

    p = sub.add_parser("transcribe", help="transcribe WAV files with Vosk; one JSON line per file")
    p.add_argument("--model", help="Vosk model directory (default: the configured one)")
    p.add_argument("--config", help="config file")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_transcribe)

    p = sub.add_parser("redact", help="redact transcripts read from stdin, one JSON line out per line in",
                       description="Reads transcripts from standard input, one per line (type them, or pipe a "
                                   "file: earmuff redact < lines.txt), and writes one JSON line per line in: "
                                   "the redacted text, the spans and the counts. Nothing leaves the machine.")
    p.add_argument("--words", action="store_true",
                   help="read `earmuff transcribe` JSON lines and add the redacted word times")
    p.add_argument("--config", help="config file ([redact] settings)")
    p.set_defaults(func=cmd_redact)

    p = sub.add_parser("names", help="the household's names, redacted wherever heard (kept on the device)",
                       description="The household's names, redacted wherever they are heard. list: print them; "
                                   "add NAME...: add names; remove NAME...: remove them. The file ([redact] "
                                   "names_file) stays on the device; earmuff reads it when it starts.")
    p.add_argument("action", choices=("list", "add", "remove"), help="list, add NAME..., or remove NAME...")
    p.add_argument("names", nargs="*", metavar="NAME", help='a name as it is said ("grace", "mary jane")')
    p.add_argument("--config", help="config file ([redact] names_file)")
    p.set_defaults(func=cmd_names)

    for name, func, text in (
        ("status", cmd_status, "show what earmuff is doing"),
        ("mute", cmd_privacy, "privacy mode on: close the microphone"),
        ("unmute", cmd_privacy, "privacy mode off (refused while a latching switch says muted)"),
        ("toggle", cmd_privacy, "switch privacy mode"),
        ("events", cmd_events, "follow events (wakes, utterances, sends, privacy) until interrupted"),
        ("audit", cmd_audit, "show the audit log of what left the device"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--socket", help="control socket (default: from the config)")
        p.add_argument("--config", help="config file")
        if name == "status":
            p.add_argument("--json", action="store_true", help="print the status as JSON")
        if name == "audit":
            p.add_argument("--limit", type=_audit_limit, default=200, help="how many recent entries (1-1000)")
            p.add_argument("--since", type=_since, help="only entries since: 10m, 2h, 1d, or an ISO date and time")
            p.add_argument("--json", action="store_true", help="print the entries as JSON lines")
        p.set_defaults(func=func)

    p = sub.add_parser("enroll", help="teach a wake word a household member's voice (a personal verifier)")
    # The arguments are declared here, not in device.listener.enroll: building the parser must not
    # load the audio stack (every command builds it, the uplink too).
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="WAV files, each one take of the wake word (default: record --count takes)")
    p.add_argument("--wakeword", help="the wake word to enrol for (default: the first configured one)")
    p.add_argument("--name", default="owner", help="who is enrolling (default: owner); one verifier per name")
    p.add_argument("--count", type=int, default=8, help="takes to record from the audio source (default 8)")
    p.add_argument("--talk", action="append", metavar="FILE",
                   help="a WAV file of the household's ordinary talk, repeatable (default: record --talk-seconds)")
    p.add_argument("--talk-seconds", type=float, default=60.0, help="seconds of talk to record (default 60)")
    p.add_argument("--list", action="store_true", help="list who is enrolled, for which wake word")
    p.add_argument("--remove", metavar="NAME", help="remove NAME's personal verifiers (or only --wakeword's)")
    p.add_argument("--config", help="config file")
    p.set_defaults(func=cmd_enroll)

    p = sub.add_parser("demo", help="see earmuff work on a synthesized conversation, no Pi needed")
    p.add_argument("--config", help="config file (where to find the Vosk model)")
    p.add_argument("--model", help="Vosk model directory (default: the configured one)")
    p.add_argument("--no-color", action="store_true", help="no colours (also when NO_COLOR is set)")
    p.add_argument("--fast", action="store_true", help="play the conversation as fast as the machine can")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("doctor", help="check devices, models, directories, units and sinks; say how to fix")
    p.add_argument("--config", help="config file")
    p.set_defaults(func=cmd_doctor)

    for name, func, text, description in (
        ("uplink", cmd_uplink, "run the uplink: the only part that talks to the network",
         "Run the uplink: the only part of earmuff that talks to the network. It takes redacted utterances from "
         "the listener over its socket, checks them at the gate, lights the ring, sends them to the configured "
         "sinks and keeps the audit log. systemd runs it as earmuff-uplink.service."),
        ("run", cmd_run, "run the listener and the uplink together",
         "Run the listener and the uplink together, as two processes, until interrupted: for a checkout or a "
         "quick try; an installed Pi runs them as two systemd services instead (earmuff.target)."),
        ("listen", cmd_listen, "run the listener on the microphone or a file",
         "Run the listener: the microphone (or [audio] source = \"file:...\"), the wake word, Vosk, the redactor, "
         "the ring, the privacy button and the control socket; redacted utterances go to the uplink's socket. It "
         "has no network. systemd runs it as earmuff-listener.service."),
    ):
        p = sub.add_parser(name, help=text, description=description)
        p.add_argument("--config", help="config file")
        p.set_defaults(func=func)
    for action in sub._choices_actions:  # every command's --help starts with what it does
        command = sub.choices[action.dest]
        command.description = command.description or action.help[0].upper() + action.help[1:] + "."
    return parser


class _NotLoaded(Exception):
    """Stands for the error class of a module that was never imported: nothing raises it."""


def _loaded(module: str, name: str) -> type[Exception]:
    """module.name if the module is loaded; otherwise a class nothing raises."""
    loaded = sys.modules.get(module)
    return getattr(loaded, name) if loaded is not None else _NotLoaded


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The error classes are looked up when an error arrives, among the modules the
    # command loaded: importing them up front would give every command (the
    # uplink too) the audio and model stack.
    try:
        return args.func(args)
    except _loaded("device.listener.control", "Unreachable") as e:
        print(f"earmuff: {e}", file=sys.stderr)
        return EX_UNAVAILABLE
    except _Refused as e:
        print(f"earmuff: refused: {e}", file=sys.stderr)
        return 1
    except ConfigError as e:
        for error in getattr(e, "errors", [e]):  # ConfigErrors: one line each
            print(f"earmuff: configuration error: {error}", file=sys.stderr)
        return EX_CONFIG
    except AlreadyRunning as e:
        print(f"earmuff: {e}", file=sys.stderr)
        return EX_TEMPFAIL
    except (_loaded("device.listener.transcribe", "TranscribeError"), _loaded("device.listener.wake", "WakeError"),
            _loaded("device.listener.frontend", "FrontEndError")) as e:
        print(f"earmuff: {e}", file=sys.stderr)
        if isinstance(e, _loaded("device.listener.transcribe", "TranscribeError")) and not _config_file_named(args):
            print("earmuff: no config file was read; in a checkout, add --config config/earmuff.toml "
                  "(its models are in ./models, where scripts/fetch-models puts them)", file=sys.stderr)
        return EX_CONFIG
    except _loaded("device.listener.audio", "AudioError") as e:
        print(f"earmuff: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `earmuff detect ... | head` closed our stdout; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except OSError as e:  # e.g. another earmuff already on the control socket
        print(f"earmuff: {e}", file=sys.stderr)
        return 1
