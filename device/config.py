"""TOML configuration -> one frozen dataclass per subsystem.

Every key is declared here once, with its type and range. Loading refuses
unknown sections and keys, wrong types and out-of-range values with a
ConfigError that names the file and the key; the command line turns that into
exit status 78 (EX_CONFIG). Relative paths are taken relative to the directory
of the config file, so a checkout and an installed /etc/earmuff both work.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EX_CONFIG = 78


class ConfigError(Exception):
    """A configuration problem, with the file and key it concerns."""

    def __init__(self, message: str, path: Path | str | None = None, key: str | None = None):
        self.path = str(path) if path is not None else None
        self.key = key
        where = ": ".join(part for part in (self.path, key) if part)
        super().__init__(f"{where}: {message}" if where else message)


class ConfigErrors(ConfigError):
    """Every problem found in one file (`earmuff config check`), one per line."""

    def __init__(self, errors: list[ConfigError], config: Config | None = None):
        self.errors = errors
        self.config = config  # what loaded, with defaults in place of the wrong keys: to check further
        self.path, self.key = errors[0].path, errors[0].key
        Exception.__init__(self, "\n".join(map(str, errors)))


def _first(*values):
    return next(v for v in values if v is not None)


def _range(lo: float | None = None, hi: float | None = None) -> dict:
    return {"min": lo, "max": hi}


@dataclass(frozen=True)
class PathSettings:
    models_dir: Path = Path("/var/lib/earmuff/models")
    state_dir: Path = Path("/var/lib/earmuff")
    runtime_dir: Path = Path("/run/earmuff")


CHANNEL_MIXES = ("mean", "best", "beam")  # the named ways to make one channel of an array


@dataclass(frozen=True)
class AudioSettings:
    source: str = "mic"
    device: str = ""
    channels: int = field(default=1, metadata=_range(1, 8))
    # "mean", a channel number, "best" (the clearest channel) or "beam" (delay-and-sum): device/listener/array.py.
    # "beam" by the numbers of benchmarks/array.py (docs/measured.md, "Microphone arrays"): in simulated rooms with a
    # 4-mic array it woke on more takes than "mean", clean and in noise; with one microphone it is "mean".
    channel: int | str = "beam"
    rate: int = field(default=0, metadata=_range(0, 192000))
    stall_timeout_s: float = field(default=2.0, metadata=_range(0.2, 60))
    reopen_min_s: float = field(default=0.5, metadata=_range(0.05, 60))
    reopen_max_s: float = field(default=30.0, metadata=_range(0.05, 3600))
    realtime: bool = False
    exit_at_end: bool = False
    # The noise front end (device/listener/frontend.py) on the 16 kHz frames before the wake word and
    # Vosk; 0 = off. Off by default: on noisy held-out clips it did not raise recall and raised
    # near-miss wakes (docs/measured.md, "Noise front end", benchmarks/frontend.py).
    noise_suppression: int = field(default=0, metadata=_range(0, 4))
    auto_gain_dbfs: int = field(default=0, metadata=_range(0, 31))

    def validate(self, where: ConfigPlace) -> None:
        if self.source != "mic" and not self.source.startswith("file:"):
            where.fail("source", f'must be "mic" or "file:PATH", got {self.source!r}')
        if self.source.startswith("file:") and not self.source[5:]:
            where.fail("source", '"file:" needs a path after it')
        if isinstance(self.channel, str) and self.channel not in CHANNEL_MIXES:
            where.fail("channel", f'must be "mean", "best", "beam" or a channel number, got {self.channel!r}')
        if isinstance(self.channel, int) and not 0 <= self.channel < self.channels:
            where.fail("channel", f"channel {self.channel} does not exist with channels = {self.channels}")
        if self.reopen_min_s > self.reopen_max_s:
            where.fail("reopen_min_s", "must not be larger than reopen_max_s")

    @property
    def file(self) -> Path | None:
        return Path(self.source[5:]) if self.source.startswith("file:") else None

    @property
    def front_end(self) -> bool:
        """Whether the noise front end is on."""
        return bool(self.noise_suppression or self.auto_gain_dbfs)


# (threshold, patience) per built-in model, chosen with benchmarks/wake_calibration.py
# on 192 espeak-ng clips per model and 2.1 h of negative audio: the setting no
# worse than raw openWakeWord at 0.5 on recall or on false wakes per hour, and
# better on one where such a setting exists. Only rules no stricter than raw
# (threshold at most 0.5, patience 1) are kept, so no voice can find the default
# deafer than raw openWakeWord (issue 21): the stricter rules espeak-ng chose
# cost other voices' takes, hey_mycroft's (0.55, 2) 3.3 points of Festival's
# clean takes; hey_marvin's (0.55, 1) and weather's (0.20, 2) went for the same
# reason, unmeasured there. docs/measured.md has the figures; `[wake] threshold`
# and `patience` override these.
CALIBRATED: dict[str, tuple[float, int]] = {
    "alexa": (0.40, 1),
    "hey_jarvis": (0.50, 1),
    "hey_mycroft": (0.50, 1),
    "hey_marvin": (0.50, 1),
    "weather": (0.50, 1),
}


@dataclass(frozen=True)
class WakeTuning:
    """Per-model overrides of the wake defaults; unset keys inherit."""

    threshold: float | None = field(default=None, metadata=_range(0.0, 1.0))
    patience: int | None = field(default=None, metadata=_range(1, 50))
    refractory_s: float | None = field(default=None, metadata=_range(0.0, 60))
    verifier_threshold: float | None = field(default=None, metadata=_range(0.01, 0.9999))
    verifier_confident: float | None = field(default=None, metadata=_range(0.0, 1.0))


@dataclass(frozen=True)
class WakeSettings:
    models: tuple[str, ...] = ("hey_jarvis",)
    # None: each built-in model uses its calibrated value (CALIBRATED).
    threshold: float | None = field(default=None, metadata=_range(0.0, 1.0))
    patience: int | None = field(default=None, metadata=_range(1, 50))
    refractory_s: float = field(default=2.0, metadata=_range(0.0, 60))
    vad_threshold: float = field(default=0.0, metadata=_range(0.0, 1.0))
    # onnxruntime intra-op threads per wake word model (and the VAD); one suits a Pi.
    onnx_threads: int = field(default=1, metadata=_range(1, 8))
    # The verifier stage (device/listener/verifier.py): shipped and enrolled verifiers check each wake.
    verifier: bool = True
    # None: each verifier's calibrated threshold. Lower wakes on more quiet and noisy takes, and on more
    # near misses and talk (the "sensitivity" table in docs/measured.md); higher, the other way.
    verifier_threshold: float | None = field(default=None, metadata=_range(0.01, 0.9999))
    # Base scores at or above this wake without asking the verifier. None: the word's threshold, so the
    # verifier only adds wakes (it cannot cost one the base model would make); 1.0: it judges every wake.
    verifier_confident: float | None = field(default=None, metadata=_range(0.0, 1.0))
    # The quiet-room gate (device/listener/quiet.py): while no frame is louder than the room's noise floor,
    # the wake word models rest, and catch up when one is; the scores are the same either way.
    rest_when_quiet: bool = True
    tuning: dict[str, WakeTuning] = field(default_factory=dict)

    def for_model(self, name: str) -> tuple[float, int, float]:
        """(threshold, patience, refractory_s) for one wake word.

        The first that is set wins: [wake.tuning.NAME], then [wake] threshold and
        patience, then the calibrated values for a built-in model, then 0.5 and 1.
        """
        t = self.tuning.get(name, WakeTuning())
        calibrated_threshold, calibrated_patience = CALIBRATED.get(name, (0.5, 1))
        return (
            _first(t.threshold, self.threshold, calibrated_threshold),
            _first(t.patience, self.patience, calibrated_patience),
            _first(t.refractory_s, self.refractory_s),
        )

    def verifier_threshold_for(self, name: str) -> float | None:
        """The verifier threshold asked for one wake word ([wake.tuning.NAME], then [wake]), or None."""
        tuned = self.tuning.get(name, WakeTuning()).verifier_threshold
        return tuned if tuned is not None else self.verifier_threshold

    def verifier_confident_for(self, name: str) -> float:
        """The base score from which a word wakes without its verifier: set, else the word's threshold."""
        tuned = self.tuning.get(name, WakeTuning()).verifier_confident
        return _first(tuned, self.verifier_confident, self.for_model(name)[0])

    def validate(self, where: ConfigPlace) -> None:
        if not self.models:
            where.fail("models", "needs at least one wake word")
        for name in self.tuning:
            if name not in self.models:
                where.fail(f"tuning.{name}", f"tunes {name!r}, which is not in models")


@dataclass(frozen=True)
class TranscribeSettings:
    model: str = "vosk-model-small-en-us-0.15"
    trailing_silence_ms: int = field(default=700, metadata=_range(100, 10000))
    max_utterance_s: float = field(default=12.0, metadata=_range(1, 120))
    no_speech_timeout_s: float = field(default=4.0, metadata=_range(0.5, 60))
    vad_threshold: float = field(default=0.5, metadata=_range(0.05, 0.95))


@dataclass(frozen=True)
class RedactSettings:
    generic_digits: int = field(default=4, metadata=_range(0, 30))
    audio_mode: str = field(default="silence", metadata={"choices": ("silence", "beep")})
    audio_padding_ms: int = field(default=50, metadata=_range(0, 1000))
    names_file: str = "names.txt"  # the household's names (earmuff names); "" = none
    keep_public_figures: bool = False  # a well-known person's full name stays in a question about them


LED_DRIVERS = ("none", "apa102", "gpio", "pwm", "rgb", "terminal")


@dataclass(frozen=True)
class LedSettings:
    driver: str = "none"
    count: int = field(default=12, metadata=_range(1, 256))
    brightness: float = field(default=0.5, metadata=_range(0.0, 1.0))
    idle_dark: bool = True
    spi_port: int = field(default=0, metadata=_range(0, 1))
    spi_device: int = field(default=0, metadata=_range(0, 1))
    power_pin: int = field(default=-1, metadata=_range(-1, 27))
    pins: tuple[int, ...] = ()

    def validate(self, where: ConfigPlace) -> None:
        if self.driver not in LED_DRIVERS and not self.driver.startswith("jsonl:"):
            where.fail("driver", f"must be one of {', '.join(LED_DRIVERS)} or jsonl:PATH, got {self.driver!r}")
        if self.driver in ("gpio", "pwm") and not self.pins:
            where.fail("pins", f'driver "{self.driver}" needs at least one pin')
        if self.driver == "rgb" and len(self.pins) != 3:
            where.fail("pins", 'driver "rgb" needs three pins: red, green, blue')
        if any(not 0 <= p <= 27 for p in self.pins):
            where.fail("pins", "GPIO pins are numbered 0 to 27")


@dataclass(frozen=True)
class PrivacySettings:
    button_pin: int = field(default=-1, metadata=_range(-1, 27))
    mode: str = field(default="momentary", metadata={"choices": ("momentary", "latching")})
    pull_up: bool = True
    bounce_ms: int = field(default=50, metadata=_range(0, 1000))


@dataclass(frozen=True)
class ControlSettings:
    socket: str = ""  # "" = runtime_dir/control.sock
    group: str = "earmuff"
    mode: int = field(default=0o660, metadata=_range(0, 0o777))
    show_text: bool = False


@dataclass(frozen=True)
class FileSink:
    path: str = "sent.jsonl"  # relative to state_dir


@dataclass(frozen=True)
class HomeAssistantSink:
    url: str = "http://homeassistant.local:8123"
    token_file: str = ""
    language: str = "en"
    speak_command: tuple[str, ...] = ()
    verify_tls: bool = True
    timeout_s: float = field(default=10.0, metadata=_range(0.1, 120))
    # A command: not delivered within this many seconds of being heard, it is dropped, never run late.
    max_delay_s: float = field(default=10.0, metadata=_range(1, 300))
    agent_id: str = ""  # "" = Home Assistant's default conversation agent
    # A command within this many seconds of the last reply continues its conversation; 0 = never.
    follow_up_s: float = field(default=60.0, metadata=_range(0, 3600))


@dataclass(frozen=True)
class MqttSink:
    host: str = "localhost"
    port: int = field(default=1883, metadata=_range(1, 65535))
    tls: bool = False
    ca_file: str = ""
    username: str = ""
    password_file: str = ""
    topic: str = "hermes/asr/textCaptured"
    site_id: str = "default"
    timeout_s: float = field(default=10.0, metadata=_range(0.1, 120))
    # Hermes textCaptured is a command: dropped past this age. 0 = a record (spooled and retried).
    max_delay_s: float = field(default=10.0, metadata=_range(0, 300))


@dataclass(frozen=True)
class WebhookSink:
    url: str = ""
    secret_file: str = ""
    verify_tls: bool = True
    timeout_s: float = field(default=10.0, metadata=_range(0.1, 120))


SINKS = ("file", "homeassistant", "mqtt", "webhook")


@dataclass(frozen=True)
class UplinkSettings:
    socket: str = ""  # "" = runtime_dir/uplink.sock
    # Who may connect to the socket; "" = the uplink's own user. Whether the user exists is a fact of
    # the machine, not of the file: the uplink (exit 78) and `earmuff config check` say so.
    listener_user: str = ""
    sinks: tuple[str, ...] = ("file",)
    send_audio: bool = False
    light_timeout_s: float = field(default=2.0, metadata=_range(0.05, 60))
    min_light_s: float = field(default=0.5, metadata=_range(0.5, 10))
    spool_max_items: int = field(default=100, metadata=_range(1, 100000))
    spool_max_age_s: float = field(default=3600.0, metadata=_range(1, 30 * 86400))
    retry_min_s: float = field(default=1.0, metadata=_range(0.01, 3600))
    retry_max_s: float = field(default=60.0, metadata=_range(0.01, 86400))
    # A sink that refused the credentials is tried again when its secret file changes, or after this long.
    auth_retry_s: float = field(default=900.0, metadata=_range(1, 86400))
    audit_max_bytes: int = field(default=10_000_000, metadata=_range(10_000, 10_000_000_000))
    file: FileSink = FileSink()
    homeassistant: HomeAssistantSink = HomeAssistantSink()
    mqtt: MqttSink = MqttSink()
    webhook: WebhookSink = WebhookSink()

    def validate(self, where: ConfigPlace) -> None:
        for sink in self.sinks:
            if sink not in SINKS:
                where.fail("sinks", f"unknown sink {sink!r} (sinks: {', '.join(SINKS)})")
        if "webhook" in self.sinks and not self.webhook.url:
            where.fail("webhook.url", "the webhook sink needs a url")
        if self.retry_min_s > self.retry_max_s:
            where.fail("retry_min_s", "must not be larger than retry_max_s")

    def command_max_delay_s(self) -> float | None:
        """The shortest max_delay_s if every configured sink is a command (acted on now or
        never); None if any keeps records (file, webhook, an MQTT topic with max_delay_s = 0)."""
        limits = {"homeassistant": self.homeassistant.max_delay_s, "mqtt": self.mqtt.max_delay_s or None}
        delays = [limits.get(sink) for sink in self.sinks]
        return min(delays) if delays and None not in delays else None


TOPIC_FORBIDDEN = ("+", "#", "\0")
ROOM_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_'"
MAX_ROOM = 40


def _topic_problem(topic: str) -> str | None:
    if not topic or topic.startswith(("$", "/")) or topic.endswith("/"):
        return "must be a topic like earmuff/arbitration (not empty, no leading $ or /, no trailing /)"
    if any(ch in topic for ch in TOPIC_FORBIDDEN) or len(topic.encode()) > 200:
        return "must not hold the wildcards + or # and be at most 200 bytes"
    return None


@dataclass(frozen=True)
class ArbitrationSettings:
    """Wake arbitration between the speakers of a household over its MQTT broker (docs/arbitration.md).
    The broker (host, port, username, password_file) and the room are also what [discovery] uses."""

    enabled: bool = False
    host: str = "localhost"
    port: int = field(default=1883, metadata=_range(1, 65535))
    tls: bool = False  # TLS to the broker (its port is then usually 8883), the certificate checked
    ca_file: str = ""  # the CA that signed the broker's certificate; "" = the system's CAs
    username: str = ""
    password_file: str = ""
    topic: str = "earmuff/arbitration"
    # Claims for the same word that reach the broker within this many ms of each other are one wake.
    window_ms: int = field(default=150, metadata=_range(20, 2000))
    room: str = ""  # the owner's name for the room ("kitchen"): crosses the network with each claim

    def validate(self, where: ConfigPlace) -> None:
        problems = []  # every one of them, for `earmuff config check`
        if problem := _topic_problem(self.topic):
            problems.append(("topic", problem))
        if len(self.room) > MAX_ROOM or any(ch not in ROOM_CHARS for ch in self.room) or \
                self.room != self.room.strip():
            problems.append(("room", f"at most {MAX_ROOM} letters a-z, digits, spaces, - _ ' (a room name, "
                                     f"like \"kitchen\"), got {self.room!r}"))
        if self.enabled and not self.room:
            problems.append(("room", "arbitration needs the room's name (the other speakers' audit logs show it)"))
        if self.enabled and not self.host:
            problems.append(("host", "arbitration needs the household's MQTT broker"))
        if self.ca_file and not self.tls:
            problems.append(("ca_file", "is set but tls is false: set tls = true to use it"))
        for key, problem in problems[:-1]:
            where.collect(ConfigError(problem, where.path, f"[{where.section}] {key}"))
        if problems:
            where.fail(*problems[-1])


@dataclass(frozen=True)
class DiscoverySettings:
    """Home Assistant MQTT discovery (docs/home-assistant.md): the speaker as a device with sending, state,
    muted and a mute button, over the broker named in [arbitration]."""

    enabled: bool = False
    prefix: str = "homeassistant"  # Home Assistant's discovery prefix
    name: str = ""  # the device's name in Home Assistant; "" = "earmuff <room>"

    def validate(self, where: ConfigPlace) -> None:
        if problem := _topic_problem(self.prefix):
            where.fail("prefix", problem)
        if len(self.name) > 64 or any(ord(ch) < 32 for ch in self.name):
            where.fail("name", "at most 64 printable characters")


@dataclass(frozen=True)
class IdentitySettings:
    rotate_s: float = field(default=86400.0, metadata=_range(60, 365 * 86400))
    never_send: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogSettings:
    level: str = field(default="info", metadata={"choices": ("debug", "info", "warning", "error")})


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    paths: PathSettings = PathSettings()
    audio: AudioSettings = AudioSettings()
    wake: WakeSettings = WakeSettings()
    transcribe: TranscribeSettings = TranscribeSettings()
    redact: RedactSettings = RedactSettings()
    led: LedSettings = LedSettings()
    privacy: PrivacySettings = PrivacySettings()
    control: ControlSettings = ControlSettings()
    uplink: UplinkSettings = UplinkSettings()
    identity: IdentitySettings = IdentitySettings()
    arbitration: ArbitrationSettings = ArbitrationSettings()
    discovery: DiscoverySettings = DiscoverySettings()
    log: LogSettings = LogSettings()

    def model_path(self) -> Path:
        """The Vosk model directory: a path as given, or a name under models_dir."""
        model = Path(self.transcribe.model)
        if model.is_absolute() or "/" in self.transcribe.model:
            return self._resolve(model)
        return self.paths.models_dir / model

    def uplink_socket(self) -> Path:
        return self._resolve(Path(self.uplink.socket)) if self.uplink.socket else \
            self.paths.runtime_dir / "uplink.sock"

    def state_path(self, name: str) -> Path:
        """A path from the config: absolute, or relative to the config file, or a bare name in state_dir."""
        p = Path(name)
        if p.is_absolute():
            return p
        return self._resolve(p) if "/" in name else self.paths.state_dir / p

    def names_path(self) -> Path | None:
        """The household names file, or None if [redact] names_file is empty."""
        return self.state_path(self.redact.names_file) if self.redact.names_file else None

    def control_socket(self) -> Path:
        return self._resolve(Path(self.control.socket)) if self.control.socket else \
            self.paths.runtime_dir / "control.sock"

    def _resolve(self, p: Path) -> Path:
        base = self.path.parent if self.path else Path.cwd()
        return p if p.is_absolute() else base / p


SECTIONS: dict[str, type] = {
    "paths": PathSettings,
    "audio": AudioSettings,
    "wake": WakeSettings,
    "transcribe": TranscribeSettings,
    "redact": RedactSettings,
    "led": LedSettings,
    "privacy": PrivacySettings,
    "control": ControlSettings,
    "uplink": UplinkSettings,
    "identity": IdentitySettings,
    "arbitration": ArbitrationSettings,
    "discovery": DiscoverySettings,
    "log": LogSettings,
}


@dataclass
class ConfigPlace:
    """Where a value came from, so errors can name file and key."""

    path: Path | None
    section: str
    found: list[ConfigError] | None = None  # collect errors here and go on, instead of stopping at the first

    def fail(self, key: str, message: str) -> typing.NoReturn:
        raise ConfigError(message, self.path, f"[{self.section}] {key}")

    def collect(self, error: ConfigError) -> None:
        """Keep going after `error` if every error is wanted; else stop here."""
        if self.found is None:
            raise error
        self.found.append(error)


def load(path: Path | str, every_error: bool = False) -> Config:
    """Read and validate a config file. Raises ConfigError (with every_error, ConfigErrors listing all)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("no such file", path) from None
    except OSError as e:
        raise ConfigError(f"cannot read: {e.strerror}", path) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"not valid TOML: {e}", path) from None
    return from_dict(data, path, every_error)


def from_dict(data: dict[str, Any], path: Path | None = None, every_error: bool = False) -> Config:
    found: list[ConfigError] | None = [] if every_error else None
    for unknown in sorted(set(data) - set(SECTIONS)):
        ConfigPlace(path, unknown, found).collect(ConfigError(
            f"unknown section [{unknown}] (known: {', '.join(SECTIONS)})", path, unknown))
    built = {}
    for name, cls in SECTIONS.items():
        table = data.get(name, {})
        place = ConfigPlace(path, name, found)
        if not isinstance(table, dict):
            place.collect(ConfigError("must be a table", path, f"[{name}] "))
            table = {}
        built[name] = _build(cls, table, place)
    base = path.parent if path else Path.cwd()
    paths = built["paths"]
    built["paths"] = PathSettings(
        **{f.name: _absolute(getattr(paths, f.name), base) for f in dataclasses.fields(paths)}
    )
    audio = built["audio"]
    if audio.file is not None:
        built["audio"] = dataclasses.replace(audio, source=f"file:{_absolute(audio.file, base)}")
    if found:
        raise ConfigErrors(found, Config(path=path, **built))
    return Config(path=path, **built)


def _absolute(p: Path, base: Path) -> Path:
    return p if p.is_absolute() else (base / p).resolve()


def _build(cls: type, table: dict[str, Any], place: ConfigPlace, prefix: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in table:
        if key not in fields:
            place.collect(ConfigError(f"unknown key (known: {', '.join(fields)})", place.path,
                                      f"[{place.section}] {prefix}{key}"))
    values = {}
    for name, f in fields.items():
        if name not in table:
            continue
        try:
            values[name] = _convert(hints[name], table[name], f.metadata, place, prefix + name)
        except ConfigError as e:
            place.collect(e)  # the key keeps its default, so the rest can still be checked
    obj = cls(**values)
    validate = getattr(obj, "validate", None)
    if validate is not None:
        try:
            validate(place)
        except ConfigError as e:
            place.collect(e)
    return obj


def _type_name(value: Any) -> str:
    return {
        bool: "boolean", int: "integer", float: "number", str: "string",
        list: "array", dict: "table",
    }.get(type(value), type(value).__name__)


def _convert(hint: Any, value: Any, meta: typing.Mapping, place: ConfigPlace, key: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        for option in options:
            if _matches(option, value):
                return _convert(option, value, meta, place, key)
        wanted = " or ".join(_describe(o) for o in options)
        place.fail(key, f"expected {wanted}, got {_type_name(value)} {value!r}")
    if origin is tuple:
        item = typing.get_args(hint)[0]
        if not isinstance(value, list) or not all(_matches(item, v) for v in value):
            kind = _describe(item).split(" ", 1)[1]  # "an integer" -> "integer"
            place.fail(key, f"expected an array of {kind}s, got {_type_name(value)} {value!r}")
        return tuple(value)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            place.fail(key, f"expected a table, got {_type_name(value)}")
        return _build(hint, value, place, prefix=f"{key}.")
    if origin is dict:
        _, inner = typing.get_args(hint)
        if not isinstance(value, dict):
            place.fail(key, f"expected a table, got {_type_name(value)}")
        out = {}
        for sub, table in value.items():
            if not isinstance(table, dict):
                place.fail(f"{key}.{sub}", f"expected a table, got {_type_name(table)}")
            out[sub] = _build(inner, table, place, prefix=f"{key}.{sub}.")
        return types.MappingProxyType(out)
    if not _matches(hint, value):
        place.fail(key, f"expected {_describe(hint)}, got {_type_name(value)} {value!r}")
    if hint is Path:
        value = Path(value)
    if hint is float:
        value = float(value)
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and value < lo or hi is not None and value > hi:
        place.fail(key, f"{value!r} is out of range ({lo} to {hi})")
    choices = meta.get("choices")
    if choices and value not in choices:
        place.fail(key, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _matches(hint: Any, value: Any) -> bool:
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint in (str, Path):
        return isinstance(value, str)
    return False


def _describe(hint: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            Path: "a path string"}.get(hint, str(hint))
