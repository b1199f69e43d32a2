"""Helpers for tests that start real processes: a worker, or the whole embedded default."""

import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
# What pytest's own settings put into the environment must not leak into the processes a test starts.
_PRIVATE_PREFIXES = ("KHUYENHOC_", "DJANGO_", "DATABASE_", "CELERY_", "REDIS_")


def clean_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(_PRIVATE_PREFIXES)}
    env.update(overrides)
    return env


def wait_until(
    condition,
    *,
    timeout: float,
    interval: float = 0.25,
    process: subprocess.Popen | None = None,
    log: Path | None = None,
):
    """Poll `condition` until it returns something truthy; fail with the process's log if it ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            raise AssertionError(f"process ended with {process.returncode}:\n{tail(log)}")
        time.sleep(interval)
    raise AssertionError(f"nothing after {timeout:g} s:\n{tail(log)}")


def tail(log: Path | None, lines: int = 60) -> str:
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def stop_group(process: subprocess.Popen, *, sig=signal.SIGTERM, timeout: float = 60) -> bool:
    """Stop a process started with start_new_session=True and everything it started.

    Returns True when the whole group ended on `sig` alone; what is left after `timeout` is killed.
    """
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (process.poll() is None or group_alive(process.pid)):
        time.sleep(0.2)
    graceful = process.poll() is not None and not group_alive(process.pid)
    if not graceful:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)
    return graceful


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
