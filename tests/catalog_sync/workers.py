"""Real processes for the service-backed catalog tests: a private redis-server, a Celery worker on it
(using the test's PostgreSQL database), and a producer that publishes to that Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from celery import Celery

from tests.plugins.processes import free_port, stop_process, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


class RedisServer:
    def __init__(self, workdir: Path, *, persist: bool = False) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.persist = persist
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.workdir)]
        args += ["--maxmemory-policy", "noeviction", "--save", ""]
        # The restart test keeps the queue across the restart, as a production Redis with AOF would.
        args += ["--appendonly", "yes", "--appendfsync", "always"] if self.persist else ["--appendonly", "no"]
        self.proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        wait_for_port(self.port, proc=self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None

    def restart(self, down_seconds: float = 1.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


class Worker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.catalog_sync.worker_main"],
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def children(self) -> list[int]:
        if self.proc is None:
            return []
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()[-3000:]}")
            if b"ready." in self.log.read_bytes():
                return
            time.sleep(0.2)
        raise TimeoutError(f"worker not ready: {self.log.read_text()[-3000:]}")

    def kill_child(self) -> int:
        kids = self.children()
        assert kids, "the worker has no pool child"
        os.kill(kids[0], signal.SIGKILL)
        return kids[0]

    def kill_all(self) -> list[int]:
        """SIGKILL the main process and its pool children at once, as a host losing power would; returns
        the PIDs killed."""
        assert self.proc is not None
        pids = [self.proc.pid, *self.children()]
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None
        return pids

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=15)
            self.proc = None


class Beat:
    """`celery beat` with the catalog jobs every TEST_BEAT_SECONDS (tests/catalog_sync/beat_main.py)."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = {**env, "TEST_BEAT_SCHEDULE_FILE": str(workdir / "beat-schedule")}
        self.log = workdir / "beat.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.catalog_sync.beat_main"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=15)
            self.proc = None


class Producer:
    """Publishes to the test's own Redis, never to the broker of the test process's settings."""

    def __init__(self, url: str) -> None:
        self.app = Celery("producer", broker=url)
        self.app.conf.update(task_serializer="json", accept_content=["json"], task_default_queue="default")

    def send(self, name: str, args: tuple[Any, ...] | list[Any], countdown: float | None = None) -> None:
        self.app.send_task(name, args=list(args), countdown=countdown, queue="default")

    def close(self) -> None:
        self.app.close()


def worker_env(
    *, database_url: str, redis_url: str, sandbox_url: str, media_root: str, **extra: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "CATALOG_SYNC_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tiktok_admin.settings",
            "PYTEST_VERSION": env.get("PYTEST_VERSION", "8"),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "TIKTOK_API_BASE_URL": sandbox_url,
            "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
            "MEDIA_ROOT": media_root,
            "CELERY_TASK_TIME_LIMIT": "20",
            "CELERY_TASK_SOFT_TIME_LIMIT": "15",
            "CELERY_VISIBILITY_TIMEOUT": "25",
            "CATALOG_SYNC_POLL_SECONDS": "0.2",
            "CATALOG_SYNC_REVIEW_POLL_SECONDS": "0.5",
            "CATALOG_SYNC_LEASE_SECONDS": "8",
            "CATALOG_SYNC_MAX_BACKOFF_SECONDS": "3",
            "CONN_MAX_AGE": "0",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(extra)
    return env
