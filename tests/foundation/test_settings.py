"""Settings come from the environment; production refuses unsafe configurations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "DEBUG", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "prod-" + "x7Qz9" * 12,
            "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktZmllbGQtZW5jcnlwdGlvbi1rZXktMTE=",
            "TIKTOK_API_BASE_URL": "https://business-api.tiktok.com",
            "TIKTOK_APP_SECRET": "app-secret",
            "TIKTOK_EXTERNAL_DATA_KEY": "ext-key",
            "VAR_DIR": str(ROOT / "var"),
        }
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tiktok_admin.settings');" + code
    )
    return subprocess.run(
        [PYTHON, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def without(env: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in names}


def test_production_refuses_to_start_without_a_secret_key():
    result = run_python("django.setup()", without(production_env(), "SECRET_KEY"))
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_production_refuses_the_development_secret_key():
    from tiktok_admin import settings as dev_settings

    result = run_python("django.setup()", production_env(SECRET_KEY=dev_settings._DEV_SECRET))
    assert result.returncode != 0
    assert "The development SECRET_KEY cannot be used when DEBUG is off." in result.stderr


def test_production_refuses_a_non_https_tiktok_url():
    result = run_python(
        "django.setup()", production_env(TIKTOK_API_BASE_URL="http://business-api.tiktok.com")
    )
    assert result.returncode != 0
    assert "TIKTOK_API_BASE_URL must use https when DEBUG is off." in result.stderr


@pytest.mark.parametrize("name", ["FIELD_ENCRYPTION_KEYS", "TIKTOK_APP_SECRET", "TIKTOK_EXTERNAL_DATA_KEY"])
def test_production_refuses_to_start_without_required_secrets(name):
    result = run_python("django.setup()", without(production_env(), name))
    assert result.returncode != 0
    assert f"{name} must be set when DEBUG is off." in result.stderr


def test_production_settings_pass_check_deploy():
    result = subprocess.run(
        [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_settings_read_from_the_environment():
    code = (
        "django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.CELERY_BROKER_URL, "
        "s.CACHES['default']['BACKEND'], s.PUBLIC_BASE_URL, s.TIKTOK_REDIRECT_HOSTS, s.FIELD_ENCRYPTION_KEYS, "
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE)"
    )
    env = production_env(
        DATABASE_URL="postgres://u:p@db.internal:5432/shop",
        REDIS_URL="redis://cache.internal:6379/3",
        PUBLIC_BASE_URL="https://loja.example.com.br/",
        TIKTOK_REDIRECT_HOSTS="ads.tiktok.com,business.tiktok.com",
        FIELD_ENCRYPTION_KEYS="a2V5LW9uZS1rZXktb25lLWtleS1vbmUta2V5LW9uZTE=,a2V5LXR3by1rZXktdHdvLWtleS10d28ta2V5LXR3bzI=",
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "shop",
        "redis://cache.internal:6379/3",
        "django.core.cache.backends.redis.RedisCache",
        "https://loja.example.com.br",
        "['ads.tiktok.com',",
        "'business.tiktok.com']",
        "['a2V5LW9uZS1rZXktb25lLWtleS1vbmUta2V5LW9uZTE=',",
        "'a2V5LXR3by1rZXktdHdvLWtleS10d28ta2V5LXR3bzI=']",
        "True",
        "True",
    ]


def test_embedded_defaults_need_no_servers(tmp_path):
    code = (
        "django.setup(); from django.conf import settings as s; from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND'], "
        "c.fetchone()[0])"
    )
    env = without(dict(os.environ), "PYTEST_VERSION", "DATABASE_URL", "REDIS_URL")
    env.update({"DEBUG": "1", "VAR_DIR": str(tmp_path)})
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "django.core.cache.backends.locmem.LocMemCache",
        "wal",
    ]
    assert (tmp_path / "broker" / "out").is_dir()


def test_visibility_timeout_must_exceed_the_task_time_limit():
    result = run_python(
        "django.setup()", production_env(CELERY_TASK_TIME_LIMIT="600", CELERY_VISIBILITY_TIMEOUT="300")
    )
    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT." in result.stderr
