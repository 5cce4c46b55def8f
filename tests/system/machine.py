"""A throwaway Debian bookworm machine with systemd as PID 1, booted with systemd-nspawn.

The root is built once by tests/system/make-root and cached; each boot runs on an
ephemeral copy of it (`--ephemeral`), so every test run starts from a clean
machine and leaves nothing behind. Commands run inside through nsenter (this
host has no systemd, so no machinectl).

Two environment variables make systemd inside enforce what it would on a Pi:
SYSTEMD_SECCOMP=0 (nspawn's own seccomp filter refuses bpf(), and systemd then
silently drops IPAddressDeny= and DeviceAllow=) and
SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 (pure cgroup v2 inside).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_ROOT = Path(os.environ.get("EARMUFF_TEST_ROOT", "/var/cache/earmuff-test-root"))
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def missing_tools() -> list[str]:
    return [tool for tool in ("debootstrap", "systemd-nspawn", "nsenter", "setpriv") if shutil.which(tool) is None]


def make_root(root: Path = DEFAULT_ROOT) -> float:
    """Build the cached root if it is not there yet; returns the seconds it took."""
    start = time.monotonic()
    subprocess.run([str(HERE / "make-root"), str(root)], check=True, timeout=1800)
    return time.monotonic() - start


class Machine:
    def __init__(self, root: Path, binds: dict[str, str], log: Path, writable_binds: dict[str, str] | None = None):
        self.name = f"earmuff-test-{os.getpid()}"
        self.log = log
        args = ["systemd-nspawn", "--quiet", "--ephemeral", "--directory", str(root), "--machine", self.name,
                "--register=no", "--keep-unit", "--console=pipe", "--resolv-conf=copy-host", "--timezone=off"]
        args += [f"--bind-ro={host}:{inside}" for host, inside in binds.items()]
        args += [f"--bind={host}:{inside}" for host, inside in (writable_binds or {}).items()]
        env = dict(os.environ, SYSTEMD_SECCOMP="0", SYSTEMD_NSPAWN_UNIFIED_HIERARCHY="1")
        self._log_file = open(log, "wb")  # noqa: SIM115 (closed in stop())
        self.started = time.monotonic()
        self.proc = subprocess.Popen([*args, "--boot"], stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.leader = self._find_leader()

    def _find_leader(self, timeout: float = 60) -> int:
        """The container's PID 1 as this host sees it: the nspawn child that runs systemd."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"systemd-nspawn exited {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            for task in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
                for pid in task.read_text().split():
                    try:
                        if Path(f"/proc/{pid}/comm").read_text().strip() == "systemd":
                            return int(pid)
                    except OSError:
                        continue
            time.sleep(0.05)
        raise RuntimeError("the container's systemd did not start")

    def wait_booted(self, timeout: float = 120) -> float:
        """Seconds from nspawn's start until systemd says the boot is done (running or degraded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run("systemctl is-system-running", check=False, timeout=30).stdout.strip()
            if state in ("running", "degraded"):
                return time.monotonic() - self.started
            time.sleep(0.1)
        raise RuntimeError(f"boot did not finish: {state}")

    def run(self, command: str, user: str | None = None, check: bool = True, timeout: float = 120,
            input: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        """A shell command inside, as root or as `user` (with that user's groups)."""
        variables = [f"PATH={PATH}", "LANG=C.UTF-8", f"HOME={'/tmp' if user else '/root'}",
                     *(f"{k}={v}" for k, v in (env or {}).items())]
        shell = f"env -i {' '.join(map(quote, variables))} bash -c {quote(command)}"
        if user:
            shell = f"setpriv --reuid={user} --regid=$(id -g {user}) --init-groups {shell}"
        shell = f"exec {shell}"
        cmd = ["nsenter", f"--target={self.leader}", "--all", "bash", "-c", shell]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=input)
        if check and proc.returncode != 0:
            raise AssertionError(f"`{command}` as {user or 'root'} exited {proc.returncode}:\n"
                                 f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        return proc

    def enter(self, pid: int, command: str, user: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """A shell command in the mount namespace of a process inside (a service's own view)."""
        prefix = f"setpriv --reuid={user} --regid=$(id -g {user}) --init-groups " if user else ""
        return self.run(f"nsenter --target={pid} --mount {prefix}bash -c {quote(command)}", check=check)

    def show(self, unit: str, *props: str) -> dict[str, str]:
        out = self.run(f"systemctl show {unit} " + " ".join(f"-p {p}" for p in props)).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def wait_for(self, what: str, predicate, timeout: float = 90, interval: float = 0.5):
        """Poll `predicate` until it returns something true; that value, or an AssertionError."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # nspawn asks the container's systemd to power off, then removes the copy
            try:
                self.proc.wait(600)  # never cut the removal short: that leaves a half-deleted copy behind
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        self._log_file.close()


def quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
