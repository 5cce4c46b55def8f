"""`earmuff doctor`: a checklist, with a fix for each thing that is wrong."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import ssl
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from device.config import Config, ConfigError, load


@dataclass
class Check:
    ok: bool
    what: str
    fix: str = ""
    warn: bool = False  # worth knowing, not a failure


def run_checks(config_path: str | None, default: Path) -> tuple[list[Check], Config | None]:
    checks: list[Check] = []
    path = Path(config_path) if config_path else default
    try:
        config = load(path, every_error=True) if path.exists() or config_path else Config()
        checks.append(Check(True, f"config {path if path.exists() else '(built-in defaults)'} is valid"))
    except ConfigError as e:
        errors = getattr(e, "errors", [e])  # ConfigErrors: every mistake in the file, each with its key
        if e.key is None and not path.exists():
            fix = (f"check the path; without --config, doctor reads {default} if it exists, "
                   "else the built-in defaults")
        elif e.key is None:  # the file as a whole: not TOML, not UTF-8, not readable
            fix = "correct the file where the message points; `earmuff config check` re-checks"
        else:
            fix = "correct the keys named above; `earmuff config check` re-checks"
        return [Check(False, f"config: {error}", fix if k == len(errors) - 1 else "")
                for k, error in enumerate(errors)], None
    checks += audio_checks(config)
    checks += model_checks(config)
    checks += device_checks(config)
    checks += directory_checks(config)
    checks += unit_checks()
    checks += installed_layout_checks(config)
    checks += sink_checks(config)
    checks += household_checks(config)
    return checks, config


def household_checks(config: Config) -> list[Check]:
    """[arbitration] / [discovery]: what they send is free of identifiers, and the broker answers."""
    from device.owner.config_check import household_problems

    a, d = config.arbitration, config.discovery
    if not (a.enabled or d.enabled):
        return []
    out = [Check(False, f"{key}: {problem}", "correct it; `earmuff config check` re-checks")
           for key, problem in household_problems(config)]
    context = None
    if a.tls:  # the handshake the uplink will make: the broker's certificate, checked against ca_file
        from device.uplink.sinks import tls_context

        try:
            context = tls_context(a.ca_file)
        except (OSError, ssl.SSLError) as e:
            out.append(Check(False, f"[arbitration] ca_file {a.ca_file}: {getattr(e, 'strerror', None) or e}",
                             "give the CA certificate (PEM) that signed the broker's; until then this speaker "
                             "does not connect and answers every wake alone"))
            return out
    try:
        with socket.create_connection((a.host, a.port), timeout=2) as sock:
            if context is not None:
                context.wrap_socket(sock, server_hostname=a.host).close()
        out.append(Check(True, f"household broker {a.host}:{a.port} answers" + (" over TLS" if a.tls else "")
                               + (f" (arbitration for room {a.room!r})" if a.enabled else "")))
    except ssl.SSLError as e:
        why = getattr(e, "verify_message", None) or e.reason or e
        out.append(Check(False, f"household broker {a.host}:{a.port}: TLS failed: {why}",
                         "set [arbitration] ca_file to the CA that signed the broker's certificate, and host to "
                         "the name on it; until then this speaker answers every wake alone", warn=True))
    except OSError as e:
        out.append(Check(False, f"household broker {a.host}:{a.port} unreachable: {e.strerror or e}",
                         "start mosquitto there (or correct [arbitration] host and port); until then this speaker "
                         "answers every wake alone and Home Assistant does not see it", warn=True))
    return out


def audio_checks(config: Config) -> list[Check]:
    return front_end_checks(config) + source_checks(config)


def front_end_checks(config: Config) -> list[Check]:
    audio = config.audio
    if not audio.front_end:
        return []
    from device.listener.frontend import INSTALL_HINT, problem

    what = f"noise front end (suppression {audio.noise_suppression}, gain {audio.auto_gain_dbfs} dBFS)"
    why = problem(audio)
    return [Check(why is None, f"{what}: {why}" if why else what,
                  f"{INSTALL_HINT}; or set [audio] noise_suppression = 0 and auto_gain_dbfs = 0" if why else "")]


def source_checks(config: Config) -> list[Check]:
    if config.audio.file is not None:
        found = config.audio.file.is_file()
        return [Check(found, f"audio source {config.audio.source}", "" if found else "the file does not exist")]
    try:
        import pyaudio

        from device.listener.audio import _quiet_native_stderr, find_input_device, list_input_devices
    except ImportError as e:
        return [Check(False, f"PyAudio cannot be imported ({e})", "sudo apt install portaudio19-dev; reinstall")]
    with _quiet_native_stderr():
        pa = pyaudio.PyAudio()
    try:
        devices = list_input_devices(pa)
        out = [Check(bool(devices), "input devices: " + ("; ".join(
            f"{d['index']}: {d['name']} ({d['maxInputChannels']} ch, {int(d['defaultSampleRate'])} Hz)"
            for d in devices) or "none"),
            "" if devices else "plug in a microphone or install the HAT's driver; `arecord -l` lists them")]
        try:
            info = find_input_device(pa, config.audio.device)
            enough = info["maxInputChannels"] >= config.audio.channels
            out.append(Check(enough, f"configured device {config.audio.device or 'default'!r} -> {info['name']}",
                             "" if enough else f"[audio] channels = {config.audio.channels} but the device has "
                                               f"{info['maxInputChannels']}"))
        except Exception as e:  # AudioError, or PortAudio's own
            out.append(Check(False, f"configured device: {e}",
                             "set [audio] device to a name or index listed above" if devices else
                             'with no input device at all, fix that first; or set [audio] source = "file:PATH"'))
        return out
    finally:
        pa.terminate()


def model_checks(config: Config) -> list[Check]:
    out = []
    from device.listener.transcribe import MODEL_ZIP, TranscribeError, load_model
    from device.listener.wake import WakeError, resolve_model

    try:
        load_model(config.model_path())
        out.append(Check(True, f"Vosk model {config.model_path()} loads"))
    except TranscribeError as e:
        out.append(Check(False, str(e).split(":")[0], f"scripts/fetch-models --dir {config.paths.models_dir}; "
                         f"offline: download {MODEL_ZIP} elsewhere and add --zip {MODEL_ZIP}"))
    except PermissionError:  # /var/lib/earmuff is for the two services (and root)
        out.append(Check(True, f"Vosk model {config.model_path()}: closed to this user (run as root)", warn=True))
    out.append(onnxruntime_check(_installed_version("onnxruntime")))
    for name in config.wake.models:
        try:
            resolve_model(name)
            out.append(Check(True, f"wake word {name}"))
        except WakeError as e:
            out.append(Check(False, str(e), "use a built-in name or a path to an .onnx file"))
    return out


def _installed_version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def onnxruntime_check(installed: str | None) -> Check:
    """onnxruntime from 1.29 carries Microsoft's telemetry (see setup.py); earmuff asks for < 1.29."""
    if installed is None:
        return Check(False, "onnxruntime is not installed (the wake word models run on it)",
                     "reinstall earmuff: it pulls onnxruntime < 1.29")
    major_minor = tuple(int(part) for part in installed.split(".")[:2] if part.isdigit())
    if major_minor >= (1, 29):
        return Check(True, f"onnxruntime {installed} writes a device id and queues telemetry events unless told "
                     "not to; earmuff sets ORT_DISABLE_TELEMETRY=1 before loading it",
                     "pip install 'onnxruntime<1.29' (1.28.0 has none of that code)", warn=True)
    return Check(True, f"onnxruntime {installed}")


def device_checks(config: Config) -> list[Check]:
    out = []
    wants_gpio = config.privacy.button_pin >= 0 or config.led.driver in ("gpio", "pwm", "rgb", "apa102")
    if wants_gpio:
        chips = sorted(Path("/dev").glob("gpiochip*"))
        usable = [c for c in chips if os.access(c, os.R_OK | os.W_OK)]
        out.append(Check(bool(usable), f"GPIO: {', '.join(map(str, usable or chips)) or 'no /dev/gpiochip*'}",
                         "" if usable else "add the service user to the gpio group; on a Pi, GPIO is /dev/gpiochip0"))
    if config.led.driver == "apa102":
        spi = Path(f"/dev/spidev{config.led.spi_port}.{config.led.spi_device}")
        ok = spi.exists() and os.access(spi, os.R_OK | os.W_OK)
        out.append(Check(ok, f"SPI {spi}", "" if ok else "enable SPI: sudo raspi-config nonint do_spi 0; "
                                                         "and the spi group"))
    return out


def directory_checks(config: Config) -> list[Check]:
    out = []
    for name, path, want in (("state", config.paths.state_dir, 0o750), ("runtime", config.paths.runtime_dir, 0o750)):
        if not path.exists() and _creatable(path):
            out.append(Check(True, f"{name} directory {path} will be made at start", warn=True))
            continue
        if not path.exists():
            out.append(Check(False, f"{name} directory {path} does not exist",
                             "systemd makes it (StateDirectory=, RuntimeDirectory=); by hand: "
                             f"sudo install -d -m {oct(want)[2:]} -o earmuff -g earmuff {path}"))
            continue
        st = path.stat()
        owner = _name(pwd.getpwuid, st.st_uid)
        writable = os.access(path, os.W_OK)
        loose = stat.S_IMODE(st.st_mode) & 0o007
        out.append(Check(writable and not loose,
                         f"{name} directory {path} ({owner}, {oct(stat.S_IMODE(st.st_mode))})",
                         "" if writable and not loose else f"sudo chmod o-rwx {path}; it must be writable by "
                                                           "the service user"))
    for sock in (config.control_socket(), config.uplink_socket()):
        if not os.access(sock.parent, os.X_OK) and sock.parent.exists():
            out.append(Check(True, f"socket {sock}: its directory is closed to this user (run as root)", warn=True))
        elif sock.exists():
            st = sock.stat()
            mode = stat.S_IMODE(st.st_mode)
            out.append(Check(mode & 0o007 == 0, f"socket {sock} ({_name(grp.getgrgid, st.st_gid)}, {oct(mode)})",
                             "" if mode & 0o007 == 0 else "other users can connect: set [control] mode = 0o660"))
        else:
            out.append(Check(True, f"socket {sock} not there (earmuff not running?)", warn=True))
    return out


def unit_checks() -> list[Check]:
    if not shutil.which("systemctl") or not Path("/run/systemd/system").is_dir():
        return [Check(True, "systemd not running here: units not checked", warn=True)]
    out = []
    for unit in ("earmuff-listener.service", "earmuff-uplink.service"):
        state = subprocess.run(["systemctl", "is-active", unit], capture_output=True, text=True).stdout.strip()
        out.append(Check(state == "active", f"{unit}: {state}",
                         "" if state == "active" else f"journalctl -u {unit} -n 50; sudo systemctl start {unit}"))
    return out


# The installed layout (scripts/install): two service users that share only the link group.
LISTEN_USER, UPLINK_USER, LINK_GROUP = "earmuff-listen", "earmuff-uplink", "earmuff-link"
DEVICE_GROUPS = ("audio", "gpio", "spi")
UNITS_DIR = Path("/etc/systemd/system")


def installed_layout_checks(config: Config) -> list[Check]:
    """Users, groups and the uplink socket of an installed earmuff; nothing for a checkout."""
    if not (UNITS_DIR / "earmuff-uplink.service").exists():
        return []
    return user_checks() + uplink_socket_checks(config) + stopped_unit_checks()


def _groups_of(user: str) -> set[str]:
    entry = pwd.getpwnam(user)
    return {g.gr_name for g in grp.getgrall() if user in g.gr_mem or g.gr_gid == entry.pw_gid}


def user_checks() -> list[Check]:
    out = []
    for user in (LISTEN_USER, UPLINK_USER):
        try:
            pwd.getpwnam(user)
        except KeyError:
            out.append(Check(False, f"user {user} does not exist", "sudo scripts/install (run it again)"))
    if out:
        return out
    listen, uplink = _groups_of(LISTEN_USER), _groups_of(UPLINK_USER)
    present = {g for g in DEVICE_GROUPS if _group_exists(g)}
    lacking = ({LINK_GROUP} | present) - listen
    out.append(Check(not lacking, f"user {LISTEN_USER} (the listener): groups {', '.join(sorted(listen))}",
                     f"sudo usermod -a -G {','.join(sorted(lacking))} {LISTEN_USER}"))
    extra = uplink - {LINK_GROUP}
    out.append(Check(LINK_GROUP in uplink and not extra,
                     f"user {UPLINK_USER} (the uplink): groups {', '.join(sorted(uplink))}",
                     f"the uplink gets no devices and no people's group: sudo gpasswd -d {UPLINK_USER} GROUP "
                     f"for {', '.join(sorted(extra))}" if extra else f"sudo usermod -a -G {LINK_GROUP} {UPLINK_USER}"))
    try:
        members = set(grp.getgrnam(LINK_GROUP).gr_mem) - {LISTEN_USER, UPLINK_USER}
        members |= {p.pw_name for p in pwd.getpwall() if p.pw_gid == grp.getgrnam(LINK_GROUP).gr_gid} - {
            LISTEN_USER, UPLINK_USER}
    except KeyError:
        members = set()
    out.append(Check(not members, f"group {LINK_GROUP} holds only {LISTEN_USER} and {UPLINK_USER}"
                     + (f" (also: {', '.join(sorted(members))})" if members else ""),
                     f"sudo gpasswd -d NAME {LINK_GROUP}: anyone in it can reach the uplink socket"))
    return out


def uplink_socket_checks(config: Config) -> list[Check]:
    sock = config.uplink_socket()
    out = []
    if sock.parent == config.paths.runtime_dir:
        out.append(Check(False, f"uplink socket {sock} is in the listener's directory",
                         f'add to [uplink]: socket = "/run/{LINK_GROUP}/uplink.sock" (only the two services '
                         "share that directory); then sudo systemctl restart earmuff.target"))
    user = getattr(config.uplink, "listener_user", None)  # None: this uplink has no such key yet
    if user is not None and user != LISTEN_USER:
        out.append(Check(False, f"[uplink] listener_user is {user!r}: the uplink accepts its own user only",
                         f'set [uplink] listener_user = "{LISTEN_USER}"'))
    try:
        dir_st, sock_st = sock.parent.stat(), sock.stat() if sock.exists() else None
    except PermissionError:
        return out + [Check(True, f"uplink socket {sock}: not visible to this user (run as root to check it)",
                            warn=True)]
    except FileNotFoundError:
        return out + [Check(True, f"uplink socket {sock} not there (the uplink not running?)", warn=True)]
    if sock_st is None:
        return out + [Check(True, f"uplink socket {sock} not there (the uplink not running?)", warn=True)]
    names = f"{_name(pwd.getpwuid, sock_st.st_uid)}:{_name(grp.getgrgid, sock_st.st_gid)}"
    good = (names == f"{UPLINK_USER}:{LINK_GROUP}" and stat.S_IMODE(sock_st.st_mode) & 0o007 == 0
            and stat.S_IMODE(dir_st.st_mode) & 0o007 == 0 and _name(grp.getgrgid, dir_st.st_gid) == LINK_GROUP)
    out.append(Check(good, f"uplink socket {sock} ({names}, {oct(stat.S_IMODE(sock_st.st_mode))}; directory "
                           f"{_name(grp.getgrgid, dir_st.st_gid)}, {oct(stat.S_IMODE(dir_st.st_mode))})",
                     f"the uplink unit makes them: RuntimeDirectory=earmuff-link, User={UPLINK_USER}, "
                     f"Group={LINK_GROUP}; sudo scripts/install"))
    control = config.control.group
    reaches = control and _group_reaches(control, dir_st, sock_st)
    out.append(Check(not reaches, f"the control group {control or '(none)'} cannot reach the uplink socket",
                     f"only {LISTEN_USER} and {UPLINK_USER} may: the socket's directory must belong to "
                     f"group {LINK_GROUP}, mode 0750"))
    return out


def _group_reaches(group: str, dir_st: os.stat_result, sock_st: os.stat_result) -> bool:
    """Could a member of `group` (and of nothing else of ours) connect: search the directory, write the socket."""
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        return False

    def allows(st: os.stat_result, group_bit: int, other_bit: int) -> bool:
        return bool(st.st_mode & other_bit or (st.st_gid == gid and st.st_mode & group_bit))

    return allows(dir_st, stat.S_IXGRP, stat.S_IXOTH) and allows(sock_st, stat.S_IWGRP, stat.S_IWOTH)


def stopped_unit_checks() -> list[Check]:
    """A unit that exited 78 (configuration) stays down until someone acts: say so, and why."""
    if not shutil.which("systemctl") or not Path("/run/systemd/system").is_dir():
        return []
    out = []
    for unit in ("earmuff-listener.service", "earmuff-uplink.service"):
        shown = subprocess.run(["systemctl", "show", unit, "-p", "ActiveState", "-p", "ExecMainStatus"],
                               capture_output=True, text=True).stdout
        state = dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)
        if state.get("ExecMainStatus") == "78" and state.get("ActiveState") in ("failed", "inactive"):
            log = subprocess.run(["journalctl", "-u", unit, "-n", "30", "-o", "cat", "--no-pager"],
                                 capture_output=True, text=True).stdout.splitlines()
            reason = next((line for line in reversed(log) if line.startswith("earmuff")), "")
            out.append(Check(False, f"{unit} stopped: configuration error (exit 78), not restarted"
                                    + (f": {reason}" if reason else ""),
                             "fix what it names (earmuff config check /etc/earmuff/earmuff.toml), then: "
                             "sudo systemctl restart earmuff.target"))
    return out


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def sink_checks(config: Config) -> list[Check]:
    out = []
    u = config.uplink
    for sink in u.sinks:
        if sink == "file":
            target = config.state_path(u.file.path).parent
            ok = os.access(target, os.W_OK) if target.exists() else _creatable(target)
            out.append(Check(ok, f"file sink writes to {config.state_path(u.file.path)}",
                             "" if ok else f"make {target} writable by the service user"))
            continue
        host = {"homeassistant": urlsplit(u.homeassistant.url).hostname, "webhook": urlsplit(u.webhook.url).hostname,
                "mqtt": u.mqtt.host}[sink]
        try:
            socket.getaddrinfo(host, None)
            out.append(Check(True, f"{sink} sink: {host} resolves"))
        except (OSError, UnicodeError):
            out.append(Check(False, f"{sink} sink: cannot resolve {host}",
                             "check the address in [uplink." + sink + "] and the network"))
        for secret in ("token_file", "password_file", "secret_file"):
            value = getattr(getattr(u, sink), secret, "")
            if value and not os.access(value, os.R_OK):
                out.append(Check(False, f"{sink} {secret} {value} not readable",
                                 "create it, readable by the uplink's user only (earmuff-uplink on an installed Pi; "
                                 "chmod 600)"))
        if sink == "homeassistant" and os.access(u.homeassistant.token_file, os.R_OK):
            out.append(homeassistant_token_check(u.homeassistant))
    return out


def homeassistant_token_check(settings) -> Check:
    """One authenticated GET of Home Assistant's /api/: does it take the token? (One request:
    a wrong token counts once towards Home Assistant's login_attempts_threshold.)"""
    import urllib.error
    import urllib.request

    from device.uplink.sinks import tls_context

    token = Path(settings.token_file).read_text(encoding="utf-8").strip()
    url = settings.url.rstrip("/") + "/api/"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    context = tls_context(verify=settings.verify_tls) if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout_s, context=context):
            return Check(True, f"Home Assistant at {settings.url} accepts the token")
    except urllib.error.HTTPError as e:
        if e.code in (401, 403):
            return Check(False, f"Home Assistant refused the token (HTTP {e.code})",
                         "make a long-lived access token (Home Assistant: your profile, Security) and write it "
                         f"to {settings.token_file}; the uplink picks it up without a restart. HTTP 403 can also "
                         "mean Home Assistant banned this address: see ip_bans.yaml in its configuration")
        return Check(False, f"Home Assistant at {settings.url} answered HTTP {e.code}", "see Home Assistant's log")
    except (urllib.error.URLError, OSError) as e:
        return Check(False, f"Home Assistant at {settings.url} unreachable: {getattr(e, 'reason', e)}",
                     "is it running? check [uplink.homeassistant] url")


def _creatable(path: Path) -> bool:
    parent = path
    while not parent.exists():
        parent = parent.parent
    return os.access(parent, os.W_OK)


def _name(lookup, ident: int) -> str:
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)


def report(checks: list[Check]) -> int:
    for c in checks:
        mark = "!" if c.warn else ("\u2713" if c.ok else "\u2717")
        print(f"{mark} {c.what}")
        if not c.ok and c.fix:  # several mistakes in one file share the fix given after the last
            print(f"    fix: {c.fix}")
    failed = sum(not c.ok for c in checks)
    warnings = sum(c.ok and c.warn for c in checks)
    passed = len(checks) - failed - warnings
    print(f"\n{passed} passed, {warnings} to note (!), {failed} failed")
    return 1 if failed else 0
