"""The TikTok sandbox as a real process for tests.

- `sandbox_server` (session): `python -m sandbox serve` on a free port with a temporary data file, stopped by
  its PID at the end of the session.
- `sandbox` (function): the same process with fresh state (admin reset before each test); exposes `.url`,
  `.admin` (journal, reset, faults, revoke, suspend, products, tick, connect, onboard ...) and `.provision`
  (the default app credentials, equal to the Django dev settings).
- `sandbox_settings` (function): Django settings pointed at that sandbox.
See sandbox/README.md for the admin API behind these helpers."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.plugins.processes import free_port, stop_process, wait_for_port

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PROVISION = {
    "app_id": "7400000000000000001",
    "secret": "sandbox-app-secret",
    "external_data_key": "sandbox-external-data-key",
    "business_platform": "VTEX",
}


def token_fp(token: str) -> str:
    """How the sandbox journal names a token (it never stores the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


class SandboxAdmin:
    """Client of the loopback admin API under /_sandbox/."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
        resp = self.http.request(
            method,
            f"{self.url}/_sandbox/{path}",
            json=body,
            params={k: v for k, v in params.items() if v is not None},
            timeout=60,
        )
        resp.raise_for_status()
        return resp.json()

    def reset(self) -> None:
        self._call("POST", "reset")

    def tick(self) -> dict[str, int]:
        """Run every pending feed log and review now (synchronously)."""
        return self._call("POST", "tick")

    def config(self, **settings: Any) -> dict[str, Any]:
        return self._call("POST", "config", settings) if settings else self._call("GET", "config")

    def fault(self, kind: str, **spec: Any) -> dict[str, Any]:
        """kind: error | http500 | http429 | throttle | latency | timeout | malformed; spec: endpoint, rate,
        count, code, message, seconds, shape."""
        return self._call("POST", "faults", {"kind": kind, **spec})

    def seed_faults(self, seed: int) -> None:
        """Make `rate` faults repeatable."""
        self._call("POST", "faults", {"seed": seed})

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        """filters: endpoint, token_fp, catalog_id, sku_id, code, since, after_id, method."""
        return self._call("GET", "journal", **filters)["entries"]

    def revoke(
        self, *, token: str | None = None, token_fp: str | None = None, adv_id: str | None = None
    ) -> int:
        body = {k: v for k, v in (("token", token), ("token_fp", token_fp), ("adv_id", adv_id)) if v}
        return self._call("POST", "revoke", body)["revoked"]

    def suspend(self, adv_id: str, reason: str = "Violation of TikTok advertising policies.") -> None:
        self._call("POST", "suspend", {"adv_id": adv_id, "reason": reason})

    def unsuspend(self, adv_id: str) -> None:
        self._call("POST", "unsuspend", {"adv_id": adv_id})

    def products(self, catalog_id: str, audit_status: str | None = None) -> list[dict[str, Any]]:
        return self._call("GET", f"catalogs/{catalog_id}/products", audit_status=audit_status)["products"]

    def catalogs(self) -> list[dict[str, Any]]:
        return self._call("GET", "catalogs")["catalogs"]

    def pixels(self) -> list[dict[str, Any]]:
        """Every pixel with its ad account and Business Center."""
        return self._call("GET", "pixels")["pixels"]

    def feed_logs(self, catalog_id: str | None = None) -> list[dict[str, Any]]:
        return self._call("GET", "feed_logs", catalog_id=catalog_id)["feed_logs"]

    def profiles(self) -> list[dict[str, Any]]:
        return self._call("GET", "profiles")["profiles"]

    def tokens(self) -> list[dict[str, Any]]:
        return self._call("GET", "tokens")["tokens"]

    def events(self, pixel_code: str | None = None) -> list[dict[str, Any]]:
        return self._call("GET", "events", pixel_code=pixel_code)["events"]

    def connect(self, external_business_id: str = "lojademo", **kw: Any) -> dict[str, Any]:
        """A finished onboarding plus a token, without the browser (returns access_token, bc_id, adv_id, ...)."""
        return self._call("POST", "connect", {"external_business_id": external_business_id, **kw})

    def onboard(self, external_data: str, **kw: Any) -> dict[str, Any]:
        """{location} that Finish Setup (or Cancel with cancel=True) would redirect to, or {error}."""
        return self._call("POST", "onboard", {"external_data": external_data, **kw})

    def ads_campaigns(self, adv_id: str, start: str | None = None, end: str | None = None) -> dict[str, Any]:
        """The ad account's campaigns with their daily figures and totals over [start, end] (ISO days of the
        account; default: the last 7 days), plus its currency and time zone."""
        return self._call("GET", "ads/campaigns", adv_id=adv_id, start=start, end=end)

    def ads_role(self, bc_id: str, email: str, role: str) -> int:
        """Make a user ADMIN or STANDARD of a Business Center (only an ADMIN may switch a campaign)."""
        return self._call("POST", "ads/role", {"bc_id": bc_id, "email": email, "role": role})["updated"]

    def image_url(self, width: int, height: int) -> str:
        return f"{self.url}/_sandbox/img/{width}x{height}.png"


@dataclass
class Sandbox:
    url: str
    port: int
    data_path: Path
    admin: SandboxAdmin
    provision: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PROVISION))

    @property
    def onboarding_url(self) -> str:
        return f"{self.url}/business-extension/auth"

    def external_data(self, **fields: Any) -> str:
        """A signed external_data with fresh defaults for the five required fields."""
        from sandbox import extdata

        base = {
            "version": "1.0",
            "timestamp": str(int(time.time() * 1000)),
            "locale": "en",
            "business_platform": self.provision["business_platform"],
            "external_business_id": "lojademo",
            "app_id": self.provision["app_id"],
            "redirect_uri": "http://127.0.0.1:8000/callback/",
        }
        base.update(fields)
        return extdata.encode(base, self.provision["external_data_key"])


class SandboxServer:
    def __init__(self, allow_http_images: bool = False) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="sandbox-")
        self.data_path = Path(self.tmp.name) / "sandbox.sqlite3"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(self.tmp.name) / "sandbox.log"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        subprocess.run(
            [sys.executable, "-m", "sandbox", "provision", "--data", str(self.data_path)],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
        )
        args = [
            sys.executable,
            "-m",
            "sandbox",
            "serve",
            "--port",
            str(self.port),
            "--data",
            str(self.data_path),
        ]
        if allow_http_images:
            args.append("--allow-http-images")
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            args, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_for_port(self.port, timeout=20, proc=self.proc)
        except Exception:
            self.stop()
            raise RuntimeError(
                "sandbox did not start:\n" + self.log_path.read_text(errors="replace")
            ) from None
        self.admin = SandboxAdmin(self.url)

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()
        self.tmp.cleanup()


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    server = SandboxServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Sandbox:
    sandbox_server.admin.reset()
    return Sandbox(
        url=sandbox_server.url,
        port=sandbox_server.port,
        data_path=sandbox_server.data_path,
        admin=sandbox_server.admin,
    )


@pytest.fixture
def sandbox_settings(sandbox: Sandbox, settings: Any) -> Sandbox:
    """Django settings pointed at the sandbox (API, onboarding, Manage destinations, redirect allow-list)."""
    settings.TIKTOK_API_BASE_URL = sandbox.url
    settings.TIKTOK_ONBOARDING_URL = sandbox.onboarding_url
    settings.TIKTOK_WEB_BASE_URL = sandbox.url
    settings.TIKTOK_REDIRECT_HOSTS = [f"127.0.0.1:{sandbox.port}", *settings.TIKTOK_REDIRECT_HOSTS]
    settings.TIKTOK_APP_ID = sandbox.provision["app_id"]
    settings.TIKTOK_APP_SECRET = sandbox.provision["secret"]
    settings.TIKTOK_EXTERNAL_DATA_KEY = sandbox.provision["external_data_key"]
    settings.TIKTOK_BUSINESS_PLATFORM = sandbox.provision["business_platform"]
    return sandbox
