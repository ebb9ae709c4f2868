"""The processes a sync bench runs the app in: its own redis-server, the sandbox, a Celery worker as the
Procfile starts it (prefork, 2 pool children) and Celery beat with the project's schedule. Each is stopped
by its own PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
APP_NAME_PREFIX = "bench-app-"
WORKER_CONCURRENCY = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing on port {port}")


def with_application_name(database_url: str, name: str) -> str:
    """The URL with application_name set, so the bench can tell the app's PostgreSQL backends apart."""
    if not database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return database_url
    return database_url + ("&" if "?" in database_url else "?") + f"application_name={name}"


class Processes:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: dict[str, subprocess.Popen] = {}
        self.redis_url = ""
        self.sandbox_url = ""

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def start_redis(self) -> str:
        port = free_port()
        proc = self._spawn(
            "redis",
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.tmp), "--save", ""]
            + ["--appendonly", "no"],
        )
        _wait_port(port, proc)
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        return self.redis_url

    def start_sandbox(self, config: dict[str, Any]) -> str:
        port = free_port()
        args = [
            sys.executable,
            "-m",
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--data",
            str(self.tmp / "sb.sqlite3"),
        ]
        proc = self._spawn("sandbox", args)
        _wait_port(port, proc)
        url = f"http://127.0.0.1:{port}"
        requests.post(url + "/_sandbox/reset", timeout=30).raise_for_status()
        requests.post(url + "/_sandbox/config", json=config, timeout=30).raise_for_status()
        self.sandbox_url = url
        return url

    def app_env(self, role: str, database_url: str, extra: dict[str, str]) -> dict[str, str]:
        from django.conf import settings

        env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "CATALOG_SYNC_"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "tiktok_admin.settings",
                # DEBUG off, as in production (no query log); the settings refuse an http TikTok URL and
                # the development keys with DEBUG off unless they run under a test runner, which is how
                # the suite's worker processes get them too.
                "DEBUG": "0",
                "PYTEST_VERSION": os.environ.get("PYTEST_VERSION", "bench"),
                "DATABASE_URL": with_application_name(database_url, APP_NAME_PREFIX + role),
                "REDIS_URL": self.redis_url,
                "TIKTOK_API_BASE_URL": self.sandbox_url,
                "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
                "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                # Persistent connections: a backend that lives through the run is sampled whole.
                "CONN_MAX_AGE": "3600",
            }
        )
        env.update(extra)
        return env

    def start_worker(
        self, env: dict[str, str], *, name: str = "worker", concurrency: int = WORKER_CONCURRENCY
    ) -> subprocess.Popen:
        """A worker process; several of them need distinct names (`worker1`, ...: also its node name)."""
        args = [sys.executable, "-m", "celery", "-A", "tiktok_admin", "worker", "--loglevel=INFO"]
        args += [f"--concurrency={concurrency}", "--without-gossip", "--without-mingle"]
        if name != "worker":
            args.append(f"--hostname={name}@%h")
        proc = self._spawn(name, args, env)
        deadline = time.monotonic() + 60
        while b"ready." not in (self.tmp / f"{name}.log").read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n" + self.log_tail(name))
            time.sleep(0.2)
        return proc

    def start_beat(self, env: dict[str, str]) -> subprocess.Popen:
        args = [sys.executable, "-m", "celery", "-A", "tiktok_admin", "beat", "--loglevel=INFO"]
        args += [f"--schedule={self.tmp / 'celerybeat-schedule'}"]
        return self._spawn("beat", args, env)

    def stop(self) -> None:
        workers = sorted(n for n in self.procs if n.startswith("worker"))
        for name in ("beat", *workers, "sandbox", "redis"):
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
