"""Every command of the README's Operations table runs as printed in a `make run` checkout: a fresh
var/ (SQLite, file broker), the `.env` that `make setup` writes, the demo seeded, nothing of the suite's
environment. Placeholders are filled in (`--store ID` -> the demo store). `make run` itself: the logins
printed once, honcho and Celery on one clock. `docker compose` stays covered by test_compose.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow

# Each README command, exactly as printed, and what this test runs for it. Real runs where they are cheap
# (against the seeded demo, which has no TikTok connection), `--help` where a real run is a server or a
# benchmark; None for the rows that are URLs, covered by their own tests.
COVERED: dict[str, list[list[str]] | None] = {
    "python manage.py seed_demo [--skus N]": [["python", "manage.py", "seed_demo"]],
    "celery -A tiktok_admin worker -l INFO": [["celery", "-A", "tiktok_admin", "worker", "--help"]],
    "celery -A tiktok_admin beat -l INFO": [["celery", "-A", "tiktok_admin", "beat", "--help"]],
    "GET /healthz": None,  # tests/foundation/test_health.py
    "/django-admin/": None,  # tests/store/ (Django admin pages)
    "python manage.py tiktok_status [--format json]": [
        ["python", "manage.py", "tiktok_status"],
        ["python", "manage.py", "tiktok_status", "--format", "json"],
    ],
    "python manage.py tiktok_disconnect --store ID [--reason ...]": [
        ["python", "manage.py", "tiktok_disconnect", "--store", "lojademo", "--reason", "readme"],
        ["python", "manage.py", "tiktok_disconnect", "--store", "1"],
    ],
    "python manage.py tiktok_check_connections": [["python", "manage.py", "tiktok_check_connections"]],
    "python manage.py rotate_tokens": [["python", "manage.py", "rotate_tokens"]],
    "python manage.py tiktok_sync --store ID [--full] [--dry-run]": [
        ["python", "manage.py", "tiktok_sync", "--store", "lojademo", "--full", "--dry-run"]
    ],
    "python manage.py tiktok_catalog_report --store ID [--format csv|json]": [
        ["python", "manage.py", "tiktok_catalog_report", "--store", "lojademo", "--format", "csv"],
        ["python", "manage.py", "tiktok_catalog_report", "--store", "lojademo", "--format", "json"],
    ],
    "python manage.py tiktok_shop status|import|disconnect [--account ACCOUNT]": [
        ["python", "manage.py", "tiktok_shop", "status"],
        ["python", "manage.py", "tiktok_shop", "import", "--account", "lojademo"],
        ["python", "manage.py", "tiktok_shop", "disconnect", "--account", "lojademo"],
    ],
    "python manage.py tiktok_ads status --store ID [--format json]": [
        ["python", "manage.py", "tiktok_ads", "status", "--store", "lojademo"],
        ["python", "manage.py", "tiktok_ads", "status", "--store", "1", "--format", "json"],
    ],
    "python manage.py tiktok_ads refresh --store ID": [
        ["python", "manage.py", "tiktok_ads", "refresh", "--store", "lojademo"]
    ],
    "python -m sandbox faults --url URL ...": [
        ["python", "-m", "sandbox", "faults", "--help"],
        ["python", "-m", "sandbox", "faults", "--url", "{sandbox}", "list"],
    ],
    "python -m bench --skus N": [["python", "-m", "bench", "--help"]],
}

# What the demo (no TikTok connection yet) answers: a one-line refusal, never a traceback.
REFUSALS = {
    "tiktok_sync": "CommandError: store lojademo has no TikTok setup",
    "tiktok_catalog_report": "CommandError: store lojademo is not connected to TikTok",
    "tiktok_ads": "CommandError: store lojademo is not connected to TikTok",
    "import": "CommandError: no live TikTok Shop connection",
    "disconnect": "CommandError: no live TikTok Shop connection",
}


def readme_operations() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Operations\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [re.match(r"\| `(.+?)` \|", row).group(1).replace("\\|", "|") for row in rows]  # type: ignore[union-attr]


def dot_env(directory: Path, **make_vars: str) -> dict[str, str]:
    """The .env `make setup` writes (the Makefile's own recipe, run in `directory`)."""
    args = [f"{k}={v}" for k, v in make_vars.items()]
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-s",
            "-C",
            str(directory),
            "-f",
            str(ROOT / "Makefile"),
            ".env",
            *args,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = (directory / ".env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_the_readme_lists_only_covered_commands():
    assert readme_operations() == list(COVERED)


def test_make_setup_writes_a_development_env_matching_make_run(tmp_path):
    assert dot_env(tmp_path, WEB_PORT="8001", SANDBOX_PORT="8766") == {
        "DEBUG": "1",
        "PUBLIC_BASE_URL": "http://127.0.0.1:8001",
        "TIKTOK_API_BASE_URL": "http://127.0.0.1:8766",
        "TIKTOK_ONBOARDING_URL": "http://127.0.0.1:8766/business-extension/auth",
        "TIKTOK_WEB_BASE_URL": "http://127.0.0.1:8766",
    }
    # An existing .env is the developer's: never overwritten.
    (tmp_path / ".env").write_text("DEBUG=1\n")
    assert dot_env(tmp_path) == {"DEBUG": "1"}


def test_make_run_prints_the_logins_once_and_one_clock():
    plan = subprocess.run(
        ["make", "-n", "--no-print-directory", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60
    ).stdout
    # seed_demo prints the shell's logins; the Makefile adds only what seed_demo does not know.
    assert "merchant-demo-1" not in plan and "ops-demo-1" not in plan
    assert "manage.py seed_demo" in plan
    honcho = next(line for line in plan.splitlines() if "honcho start" in line)
    # Django sets TZ=TIME_ZONE in web, worker and beat; honcho stamps its lines in the same zone.
    assert "TZ=America/Sao_Paulo " in honcho


def test_every_readme_command_runs_as_printed(tmp_path, sandbox):
    checkout_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "DEBUG", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not k.startswith("TIKTOK_")
    }
    # What settings read from the checkout's .env (os.environ wins), with this test's own var/.
    checkout_env.update(dot_env(tmp_path, SANDBOX_PORT=str(sandbox.port)))
    checkout_env["VAR_DIR"] = str(tmp_path / "var")
    checkout_env["PATH"] = f"{BIN}{os.pathsep}{checkout_env.get('PATH', '')}"
    migrate = [str(BIN / "python"), "manage.py", "migrate", "--no-input", "-v", "0"]
    subprocess.run(migrate, cwd=ROOT, env=checkout_env, check=True, timeout=300)
    for printed, runs in COVERED.items():
        for argv in runs or []:
            argv = [a.replace("{sandbox}", sandbox.url) for a in argv]
            exe = shutil.which(argv[0], path=checkout_env["PATH"])
            assert exe is not None, printed
            result = subprocess.run(
                [exe, *argv[1:]], cwd=ROOT, env=checkout_env, capture_output=True, text=True, timeout=300
            )
            shown = f"{printed}: {argv}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
            assert "Traceback" not in result.stderr, shown
            refusal = next((v for k, v in REFUSALS.items() if k in argv and "--help" not in argv), None)
            if refusal is not None:
                assert result.returncode == 1, shown
                assert result.stderr.startswith(refusal) and result.stderr.count("\n") == 1, shown
            else:
                assert result.returncode == 0, shown
    status = subprocess.run(
        [str(BIN / "python"), "manage.py", "tiktok_status"],
        cwd=ROOT,
        env=checkout_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert re.search(r"^1\s+lojademo\s+never_connected", status.stdout, re.MULTILINE), status.stdout
