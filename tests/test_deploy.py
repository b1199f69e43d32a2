"""The deployment files cannot run here (no Docker engine): check that they agree with the settings."""

import ast
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = {"migrate", "web", "worker", "pdf-worker"}


def settings_env_names() -> set[str]:
    """Every variable settings.py reads through env(), env_bool(), env_int() or env_list()."""
    tree = ast.parse((ROOT / "khuyenhoc" / "settings.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"env", "env_bool", "env_int", "env_list"}
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def command(service: dict) -> list[str]:
    value = service["command"]
    return value.split() if isinstance(value, str) else list(value)


def worker_queues(service: dict) -> set[str]:
    args = command(service)
    assert args[:4] == ["celery", "-A", "khuyenhoc", "worker"], args
    return set(args[args.index("--queues") + 1].split(","))


def test_env_example_documents_every_setting_read_and_nothing_else(compose):
    read = settings_env_names()
    documented = set(env_example())
    assert len(read) > 15
    assert read - documented == set(), "settings read but not in .env.example"
    interpolated = set(re.findall(r"\$\{(\w+)", (ROOT / "docker-compose.yml").read_text()))
    assert documented - read - interpolated == set(), "documented in .env.example but read by nothing"


def test_compose_has_web_two_workers_postgresql_and_redis(compose):
    services = compose["services"]
    assert APP_SERVICES | {"db", "redis"} <= set(services)
    assert services["db"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    web = command(services["web"])
    assert web[:2] == ["gunicorn", settings.WSGI_APPLICATION.rsplit(".", 1)[0]]
    assert "0.0.0.0:8000" in web
    for name in APP_SERVICES:
        assert services[name]["build"] == "."
        assert services[name]["env_file"] == ".env"


@pytest.mark.django_db
def test_the_database_compresses_its_write_ahead_log_with_settings_postgresql_accepts(compose):
    """Issue 19: a province-wide import writes hundreds of MB of WAL, most of it full-page images after a checkpoint;
    lz4 compresses them (docs/operations.md, docs/benchmarks.md «Phiên 19»). Each `-c` setting of the database
    service is one this PostgreSQL knows, with a value it accepts (lz4 needs a server built with it, as Debian's and
    the image's are)."""
    from django.db import connection, transaction

    argv = command(compose["services"]["db"])
    assert argv[0] == "postgres"
    options = dict(argv[index + 1].split("=", 1) for index, arg in enumerate(argv) if arg == "-c")
    assert options.get("wal_compression") == "lz4"
    with transaction.atomic(), connection.cursor() as cursor:
        for name, value in options.items():
            cursor.execute(f"SET LOCAL {name} = %s", [value])  # an unknown name or a refused value raises


def test_worker_queues_match_the_task_routes(compose):
    services = compose["services"]
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed == {"pdf"}
    assert worker_queues(services["pdf-worker"]) == {"pdf"}
    assert settings.CELERY_TASK_DEFAULT_QUEUE in worker_queues(services["worker"])
    consumed = worker_queues(services["worker"]) | worker_queues(services["pdf-worker"])
    assert consumed == routed | {settings.CELERY_TASK_DEFAULT_QUEUE}


def test_app_services_use_production_settings_and_the_compose_services(compose):
    read = settings_env_names()
    documented = env_example()
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        assert set(environment) <= read, f"{name} sets variables settings.py never reads"
        assert environment["KHUYENHOC_ENV"] == "production"
        assert re.fullmatch(r"postgres://\w+:\$\{POSTGRES_PASSWORD\}@db:5432/\w+", environment["DATABASE_URL"])
        assert environment["REDIS_URL"].startswith("redis://redis:6379/")
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
        # The image's folders: the volume of private files sits under the var folder settings use.
        assert f"files:{environment['KHUYENHOC_VAR_DIR']}/files" in compose["services"][name]["volumes"]
    db = compose["services"]["db"]["environment"]
    assert db["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD}"
    assert documented["DATABASE_URL"].startswith(f"postgres://{db['POSTGRES_USER']}:{documented['POSTGRES_PASSWORD']}@")


def test_dockerfile_builds_a_slim_image_with_pango_fonts_static_files_and_no_root():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim-bookworm" in dockerfile
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-liberation2", "fonts-dejavu-core"):
        assert package in dockerfile
    assert "collectstatic --noinput" in dockerfile
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user and user[-1] not in {"root", "0"}
    assert ".venv" in (ROOT / ".dockerignore").read_text().split()


@pytest.mark.slow
def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "KHUYENHOC_", "CELERY_", "DATABASE_", "REDIS_"))
    }
    env.update(
        KHUYENHOC_ENV="production",
        KHUYENHOC_VAR_DIR=str(tmp_path),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="khuyenhoc.example.gov.vn",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
