"""The `earmuff` command: parse, call, print.

Exit codes: 0 done; 1 failed (with the reason on stderr; for several files,
the others are still processed); 2 usage; 78 configuration (a bad config
file, a missing model).
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

DEFAULT_CONFIG = Path("/etc/earmuff/earmuff.toml")
log = logging.getLogger("device.cli")


def _load_config(path: str | None) -> Config:
    """The config named on the command line, else $EARMUFF_CONFIG, else /etc/earmuff, else defaults."""
    chosen = path or os.environ.get("EARMUFF_CONFIG")
    if chosen:
        return load(chosen)
    if DEFAULT_CONFIG.exists():
        return load(DEFAULT_CONFIG)
    return Config()


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
    config = load(args.file)
    print(f"{args.file}: OK")
    if args.verbose:
        print(f"  wake words: {', '.join(config.wake.models)}")
        print(f"  audio source: {config.audio.source}")
        print(f"  Vosk model: {config.model_path()}")
    return 0


def cmd_detect(args) -> int:
    import numpy as np

    from device.audio import FRAME_SAMPLES, AudioError, WavSource
    from device.wake import WakeDetector

    config = _load_config(args.config)
    detector = WakeDetector(config.wake, models=args.wakeword or None)
    failed = 0
    for name in args.files:
        detector.restart()
        try:
            frames = list(WavSource(name).frames())
        except AudioError as e:
            print(f"earmuff detect: {e}", file=sys.stderr)
            failed += 1
            continue
        # One second of silence after the end, so a wake word at the very end still fires.
        frames += [np.zeros(FRAME_SAMPLES, np.int16)] * 13
        for frame in frames:
            for d in detector.process(frame):
                _print_json({"file": name, "wakeword": d.wakeword, "time": d.time, "score": round(d.score, 4)})
    return 1 if failed else 0


def cmd_transcribe(args) -> int:
    from device.audio import AudioError, read_wav
    from device.transcribe import Transcriber

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

    redactor = Redactor(generic_digits=_load_config(args.config).redact.generic_digits)
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


def cmd_listen(args) -> int:
    from device import listener

    config = _load_config(args.config)
    _setup_logging(config.log.level)
    lst = listener.build(config)

    def stop(signum, frame):
        log.info("stopping on %s", signal.Signals(signum).name)
        lst.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("listening for %s on %s", ", ".join(config.wake.models), config.audio.source)
    try:
        lst.run()
        if config.audio.file is not None and not config.audio.exit_at_end and not lst._stopping.is_set():
            log.info("audio file ended; idle until stopped")
            lst._stopping.wait()
    finally:
        listener.close(lst)
    log.info("stopped after %.1f s of audio: %d wakes, %d utterances",
             lst.seconds_heard, lst.counters.wakes, lst.counters.utterances)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="earmuff", description="Hears at home, keeps it at home.")
    parser.add_argument("--version", action="version", version=f"earmuff {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("config", help="check a configuration file")
    config_sub = p.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    p = config_sub.add_parser("check", help="validate FILE; exit 78 with the file and key if it is wrong")
    p.add_argument("file")
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

    p = sub.add_parser("redact", help="redact transcripts read from stdin, one JSON line out per line in")
    p.add_argument("--words", action="store_true",
                   help="read `earmuff transcribe` JSON lines and add the redacted word times")
    p.add_argument("--config", help="config file ([redact] settings)")
    p.set_defaults(func=cmd_redact)

    p = sub.add_parser("listen", help="run the listener on the microphone or a file")
    p.add_argument("--config", help="config file")
    p.set_defaults(func=cmd_listen)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from device.audio import AudioError
    from device.transcribe import TranscribeError
    from device.wake import WakeError

    try:
        return args.func(args)
    except ConfigError as e:
        print(f"earmuff: configuration error: {e}", file=sys.stderr)
        return EX_CONFIG
    except (TranscribeError, WakeError) as e:
        print(f"earmuff: {e}", file=sys.stderr)
        return EX_CONFIG
    except AudioError as e:
        print(f"earmuff: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `earmuff detect ... | head` closed our stdout; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
