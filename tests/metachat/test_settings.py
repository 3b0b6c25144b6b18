"""The settings switch between embedded defaults and real services by environment alone."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "SECRET_KEY", "DEBUG")

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "host": settings.DATABASES["default"].get("HOST"),
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "secret": settings.SECRET_KEY,
}))
"""


def settings_with(tmp_path, **variables):
    environment = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    environment.update(DJANGO_SETTINGS_MODULE="metachat.settings", METACHAT_VAR_DIR=str(tmp_path))
    environment.update(variables)
    out = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=environment,
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)


def test_no_variables_means_sqlite_and_a_serverless_broker_under_var(tmp_path):
    settings = settings_with(tmp_path)

    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["name"] == str(tmp_path / "db.sqlite3")
    assert settings["broker"] == "filesystem://"
    assert (tmp_path / "broker").is_dir()
    assert settings["cache"].endswith("LocMemCache")


def test_development_secret_key_is_generated_once_and_kept(tmp_path):
    first = settings_with(tmp_path)["secret"]
    second = settings_with(tmp_path)["secret"]

    assert len(first) >= 50
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_service_variables_switch_to_postgresql_and_redis(tmp_path):
    settings = settings_with(
        tmp_path,
        DATABASE_URL="postgres://meta:pw@127.0.0.1:5432/metachat",
        REDIS_URL="redis://127.0.0.1:6379/3",
        SECRET_KEY="s" * 60,
    )

    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["host"] == "127.0.0.1"
    assert settings["broker"] == "redis://127.0.0.1:6379/3"
    assert settings["cache"].endswith("RedisCache")
    assert settings["secret"] == "s" * 60


def test_an_explicit_broker_url_wins_over_redis_url(tmp_path):
    settings = settings_with(
        tmp_path, REDIS_URL="redis://127.0.0.1:6379/3", CELERY_BROKER_URL="redis://127.0.0.1:6379/4"
    )

    assert settings["broker"] == "redis://127.0.0.1:6379/4"


def production_variables() -> dict:
    """The production block of .env.example, uncommented: what an operator sets."""
    text = (ROOT / ".env.example").read_text()
    block = text.split("# >>> production", 1)[1].split("# <<< production", 1)[0]
    variables = {}
    for line in block.splitlines():
        line = line.removeprefix("# ").strip()
        if "=" in line and line.split("=", 1)[0].isupper():
            key, _, value = line.partition("=")
            variables[key] = value
    return variables


def test_deploy_check_is_clean_with_the_documented_production_variables(tmp_path):
    from cryptography.fernet import Fernet

    environment = {k: v for k, v in os.environ.items()
                   if k not in SERVICE_VARIABLES and k != "WEBHOOK_ALLOW_LOOPBACK"}
    environment.update(production_variables())
    # What an operator does with the block: real values in place of the placeholders.
    environment.update(
        SECRET_KEY="s3cret-" * 8, API_KEY_HASH_SECRET="h4sh-" * 12,
        ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    assert "replace-with" in production_variables()["SECRET_KEY"]
    environment.update(METACHAT_VAR_DIR=str(tmp_path), DEBUG="false")

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=environment, capture_output=True, text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
