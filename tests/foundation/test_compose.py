"""docker-compose.yml agrees with the settings (no Docker engine here: the file is parsed)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_SOURCE = (ROOT / "tiktok_admin" / "settings.py").read_text()
# Variables read outside env.* calls (before django-environ is set up).
DIRECT_ENV = {"VAR_DIR"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def dockerfile_stages() -> dict[str, dict]:
    """Each `FROM ... AS name` stage: its base and its instructions (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages: dict[str, dict] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        if instruction.upper() == "FROM":
            match = re.fullmatch(r"(\S+)\s+AS\s+(\S+)", rest.strip(), re.IGNORECASE)
            assert match, f"every stage is named: {line}"
            current = {"base": match[1], "instructions": [], "order": len(stages)}
            stages[match[2]] = current
        else:
            current["instructions"].append((instruction.upper(), rest))
    return stages


def stage_pip_installs(stages: dict[str, dict], name: str) -> list[str]:
    """The pip installs an image built with --target NAME runs: its stage and every stage it is built on."""
    runs = []
    while name in stages:
        stage = stages[name]
        runs[:0] = [rest for instruction, rest in stage["instructions"] if instruction == "RUN"]
        name = stage["base"]
    return [cmd.strip() for run in runs for cmd in run.split("&&") if "pip install" in cmd]


def requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=~!\[ ;]", requirement, maxsplit=1)[0].lower() for requirement in requirements}


def lock_names(lock: str) -> set[str]:
    text = (ROOT / "requirements" / lock).read_text()
    return {m.lower() for m in re.findall(r"^([A-Za-z0-9._-]+)==", text, re.MULTILINE)}


def settings_env_names() -> set[str]:
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', SETTINGS_SOURCE))
    names |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z][A-Z0-9_]+)"', SETTINGS_SOURCE))
    return names


def test_services_and_their_roles():
    services = compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "sandbox"} <= set(services)
    assert services["web"]["command"][:2] == ["gunicorn", "tiktok_admin.wsgi:application"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "tiktok_admin", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "tiktok_admin", "beat"]
    # Workers scale (`--scale worker=N`), so no fixed name; beat is exactly one.
    assert "container_name" not in services["worker"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["sandbox"]["profiles"] == ["dev"]
    for name in ("web", "worker", "beat"):
        assert "profiles" not in services[name]
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}


def test_sandbox_builds_with_the_sandbox_extra_and_the_app_services_without_it():
    services = compose()["services"]
    stages = dockerfile_stages()
    # `docker build .` (no target) gives the last stage: it must be the production one.
    assert max(stages, key=lambda name: stages[name]["order"]) == "production"
    for name in ("web", "worker", "beat", "migrate"):
        assert services[name]["build"] == {"context": ".", "target": "production"}, name
        assert services[name]["image"] == "tiktok-admin:latest"
    sandbox = services["sandbox"]
    assert sandbox["profiles"] == ["dev"]
    assert sandbox["build"] == {"context": ".", "target": "sandbox"}
    # Its own tag: building it never replaces the image the app services run.
    assert sandbox["image"] != services["web"]["image"]

    # Every pip install is from a lock with hashes, or the project itself without resolving anything.
    for target in ("production", "sandbox"):
        for cmd in stage_pip_installs(stages, target):
            assert re.search(r"--require-hashes -r requirements/\w+\.txt$", cmd) or cmd.endswith(
                "--no-deps -e ."
            ), cmd
    production = " ".join(stage_pip_installs(stages, "production"))
    assert "requirements/runtime.txt" in production
    assert "sandbox.txt" not in production and "dev.txt" not in production
    assert "requirements/sandbox.txt" in " ".join(stage_pip_installs(stages, "sandbox"))

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = requirement_names(project["dependencies"])
    extra = requirement_names(project["optional-dependencies"]["sandbox"])
    assert extra == {"werkzeug", "jinja2"}
    assert not (extra | {"honcho"}) & runtime
    assert not (extra | {"honcho"}) & lock_names("runtime.txt")
    assert extra <= lock_names("sandbox.txt")
    assert lock_names("runtime.txt") < lock_names("sandbox.txt") < lock_names("dev.txt")


def test_every_env_var_is_read_by_the_settings():
    known = settings_env_names() | DIRECT_ENV
    for name in ("web", "worker", "beat"):
        env = compose()["services"][name]["environment"]
        unknown = set(env) - known
        assert not unknown, f"{name}: {sorted(unknown)} are not read by tiktok_admin/settings.py"


def test_env_example_documents_only_real_settings_and_compose_sets_the_production_ones():
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert example <= settings_env_names() | DIRECT_ENV
    env = compose()["services"]["web"]["environment"]
    required = {
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "TIKTOK_APP_SECRET",
        "TIKTOK_EXTERNAL_DATA_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "PUBLIC_BASE_URL",
        "TIKTOK_API_BASE_URL",
        "TIKTOK_APP_ID",
        "TIKTOK_ONBOARDING_URL",
    }
    assert required <= set(env)
    assert env["DEBUG"] == "0"
    # Production secrets have no default in the file: compose refuses to start without them.
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "TIKTOK_APP_SECRET", "TIKTOK_EXTERNAL_DATA_KEY"):
        assert env[name] == f"${{{name}:?set {name}}}"
    assert env["TIKTOK_API_BASE_URL"].endswith(":-https://business-api.tiktok.com}")


def test_urls_point_at_the_compose_services():
    env = compose()["services"]["worker"]["environment"]
    db = urlparse(env["DATABASE_URL"].replace("${POSTGRES_PASSWORD:-tiktok}", "pw"))
    assert (db.scheme, db.hostname, db.port, db.path) == ("postgres", "postgres", 5432, "/tiktok")
    postgres = compose()["services"]["postgres"]["environment"]
    assert (postgres["POSTGRES_DB"], postgres["POSTGRES_USER"]) == ("tiktok", db.username)
    redis = urlparse(env["REDIS_URL"])
    assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379)


def test_celery_limits_keep_the_visibility_timeout_above_the_hard_limit():
    env = compose()["services"]["worker"]["environment"]
    assert (
        int(env["CELERY_VISIBILITY_TIMEOUT"])
        > int(env["CELERY_TASK_TIME_LIMIT"])
        > int(env["CELERY_TASK_SOFT_TIME_LIMIT"])
    )


def test_app_services_share_media_and_state():
    services = compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        assert services[name]["volumes"] == ["media:/data"]
        assert services[name]["environment"]["MEDIA_ROOT"] == "/data/media"
        assert services[name]["environment"]["VAR_DIR"] == "/data/var"
    assert (ROOT / "Dockerfile").exists()


def test_every_setting_read_from_the_environment_is_documented_in_env_example():
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    missing = settings_env_names() - example
    assert not missing, f".env.example does not document {sorted(missing)}"
