"""`manage.py check --deploy` refuses each deployment hazard; compose passes every variable
the settings read; the image never holds `.env`."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDERS = {}
for line in (ROOT / ".env.example").read_text().splitlines():
    if match := re.match(r"# (SECRET_KEY|ENCRYPTION_KEYS|API_KEY_HASH_SECRET)=(replace-\S+)", line):
        PLACEHOLDERS[match[1]] = match[2]
GOOD = {"SECRET_KEY": "k" * 30 + "-a-real-random-secret-0123456789",
        "API_KEY_HASH_SECRET": "h" * 30 + "-another-real-random-secret-987",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode()}


def check_deploy(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "metachat.settings",
                   "METACHAT_VAR_DIR": str(tmp_path), "DEBUG": "false",
                   "ALLOWED_HOSTS": "api.example.com", **env}
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=60)


def test_the_env_example_placeholders_are_refused(tmp_path):
    assert set(PLACEHOLDERS) == {"SECRET_KEY", "ENCRYPTION_KEYS", "API_KEY_HASH_SECRET"}
    result = check_deploy(tmp_path, **PLACEHOLDERS)

    assert result.returncode != 0
    for code in ("metachat.E001", "metachat.E002", "metachat.E003"):
        assert code in result.stderr


def test_a_malformed_encryption_key_is_refused_even_outside_deploy(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "METACHAT_VAR_DIR": str(tmp_path),
             "ENCRYPTION_KEYS": f"{GOOD['ENCRYPTION_KEYS']},not-a-key"}, timeout=60)

    assert result.returncode != 0
    assert "metachat.E003" in result.stderr and "key 2 is not a Fernet key" in result.stderr


def test_no_keys_at_all_and_loopback_in_production_are_refused(tmp_path):
    result = check_deploy(tmp_path, WEBHOOK_ALLOW_LOOPBACK="true")

    assert result.returncode != 0
    assert result.stderr.count("metachat.E004") == 3  # SECRET_KEY, ENCRYPTION_KEYS, hash secret
    assert "metachat.E006" in result.stderr


def test_a_proper_production_environment_passes(tmp_path):
    result = check_deploy(tmp_path, **GOOD)

    assert "metachat.E" not in result.stderr, result.stderr
    assert result.returncode == 0


def _variables_read_by_settings() -> set[str]:
    source = (ROOT / "metachat" / "settings.py").read_text()
    names = set(re.findall(r"env\.\w+\(\s*\"([A-Z_]+)\"", source))
    names |= set(re.findall(r"environ\.Env\(\)\.\w+\(\"([A-Z_]+)\"", source))
    return names


def test_compose_passes_every_variable_the_settings_read():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    passed = set(compose["x-app"]["environment"])
    read = _variables_read_by_settings()

    assert len(read) > 30
    assert read - passed == set()


def test_compose_defaults_make_settings_that_load(tmp_path):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = {}
    for name, value in compose["x-app"]["environment"].items():
        match = re.fullmatch(r"\$\{\w+:-(.*)\}", str(value))
        env[name] = match[1] if match else str(value)
    env.update(GOOD, METACHAT_VAR_DIR=str(tmp_path), STATIC_ROOT=str(tmp_path / "static"))

    result = check_deploy(tmp_path, **env)

    assert "metachat.E" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("path", [".env", ".env.production"])
def test_the_image_never_copies_a_dotenv_file(path):
    import fnmatch

    rules = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    excluded = False
    for rule in rules:  # Docker's order: the last matching rule wins
        negate = rule.startswith("!")
        if fnmatch.fnmatch(path, rule.lstrip("!")):
            excluded = not negate
    assert excluded
