"""The README's shell examples run as written: every ```bash block that needs no outside
service is run with bash against a live server on 127.0.0.1, with only the documented
placeholders filled in, and each curl must answer 2xx with the fields its `# {"data": …}`
comment shows. A block that fails is a README (or product) bug, not a test to loosen."""
import json
import os
import re
import shlex
import sqlite3
import subprocess
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command

from tests.conversations.pdfs import pdf_with_lines

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
FENCE = re.compile(r"^( *)```bash\n(.*?)^\1```", re.S | re.M)

# A block containing one of these is not run, for the reason given. Reviewed: each must
# still match a block (test_every_skip_reason_is_still_needed), so none outlives its example.
SKIPPED = {
    "make run": "starts the server, workers and beat until Ctrl-C; `make test` is this suite",
    "hooks.slack.com": "would post to Slack (hooks.slack.com): never contacted from a test",
    "acme.my.salesforce.com": "needs a real Salesforce org (acme.my.salesforce.com)",
    "zapier-platform": "needs a Zapier account (and npm's registry)",
    "docker compose": "needs Docker",
    "manage.py create_workspace": "runs on a fresh database of its own, below",
}
MINIMUM_RUN = 5  # blocks actually run against the server; fewer means the parsing broke

# Placeholders the README documents, and what fills them: the server the examples name
# (`make run`'s address, the `$BASE` of the CRM section, `api.example.com` for "your
# server"), the key (`KEY=mc_live_…`) and ids the earlier output gave (`conv_…`, …).
SERVERS = ("http://127.0.0.1:8000", "https://api.example.com")
KEY_PLACEHOLDER = "mc_live_…"
ID_PREFIXES = ("conv", "crm", "doc", "rpt")
# curl options whose next argument is a value, not the URL contacted
CURL_VALUE_OPTIONS = {"-d", "--data", "-H", "--header", "-F", "--form", "-X", "--request"}
# Every curl shows its errors, fails on 4xx/5xx (body still printed) and reports its status.
CURL = ("curl() { command curl -sS --fail-with-body "
        "--write-out '%{stderr}HTTP %{http_code}\\n' \"$@\"; }\n")


@dataclass
class Command:
    text: str
    expected: list[str] = field(default_factory=list)  # lines of its `# {"data": …}` comment


@dataclass
class Block:
    line: int
    text: str

    @property
    def code(self) -> str:
        """The block without its comments (a comment may mention `make run`, say)."""
        lines = (re.sub(r"\s{2,}#\s.*$", "", line) for line in self.text.splitlines())
        return "\n".join(line for line in lines if not line.lstrip().startswith("#"))

    @property
    def skip_reason(self) -> str | None:
        return next((why for marker, why in SKIPPED.items() if marker in self.code), None)

    def commands(self) -> list[Command]:
        """Its commands (continued lines joined), each with the response comment after it."""
        commands, pending, in_response = [], "", False
        for line in self.text.splitlines():
            stripped = line.strip()
            if not pending and stripped.startswith("#"):
                body = stripped.lstrip("#").strip().removeprefix("→").strip()
                if body.startswith('{"data"'):
                    in_response = True
                    commands[-1].expected.append(body)
                elif in_response and line.lstrip().startswith("#   "):
                    commands[-1].expected.append(body)
                else:
                    in_response = False
                continue
            in_response = False
            if not stripped and not pending:
                continue
            pending += line + "\n"
            if pending.rstrip().endswith("\\"):
                continue
            try:
                shlex.split(pending, comments=True)
            except ValueError:  # an open quote: the command goes on
                continue
            commands.append(Command(pending))
            pending = ""
        assert not pending, f"README line {self.line}: unfinished command {pending!r}"
        return commands


def readme_blocks() -> list[Block]:
    text = README.read_text()
    return [
        Block(line=text[: m.start()].count("\n") + 1, text=_dedented(m.group(2), m.group(1)))
        for m in FENCE.finditer(text)
    ]


def _dedented(body: str, indent: str) -> str:
    """A block indented under a list item, as it would be pasted."""
    return "\n".join(line.removeprefix(indent) for line in body.splitlines())


def expected_keys(comment: list[str]) -> set[str]:
    return set(re.findall(r'"(\w+)":', " ".join(comment)))


def all_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()


def filled(command: str, *, base: str, key: str, ids: dict[str, str]) -> str:
    for server in SERVERS:
        command = command.replace(server, base)
    command = command.replace(KEY_PLACEHOLDER, key)
    for prefix in ID_PREFIXES:
        if f"{prefix}_…" in command:
            assert prefix in ids, f"{prefix}_… is used before any output gave one: {command}"
            command = command.replace(f"{prefix}_…", ids[prefix])
    words = shlex.split(command, comments=True)
    unfilled = [word for word in words if "…" in word]
    assert not unfilled, f"a placeholder the test does not know: {unfilled} in {command}"
    return command


def contacted_urls(command: str) -> list[str]:
    """The URLs curl would contact: its arguments that are not an option's value."""
    words, urls = shlex.split(command, comments=True), []
    for before, word in zip(["", *words], words, strict=False):
        if word.startswith(("http://", "https://")) and before not in CURL_VALUE_OPTIONS:
            urls.append(word)
    return urls


def bash(script: str, *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _environment(**extra: str) -> dict[str, str]:
    """This process's environment without proxies (every address is loopback), plus `extra`."""
    env = {name: value for name, value in os.environ.items()
           if "proxy" not in name.lower()}
    env["NO_PROXY"] = "*"
    env.update(extra)
    return env


def test_the_readme_has_its_shell_examples_and_they_parse():
    blocks = readme_blocks()

    assert len(blocks) >= 10
    for block in blocks:
        assert block.commands(), f"README line {block.line}: no command in the block"


def test_every_skip_reason_is_still_needed():
    texts = [block.code for block in readme_blocks()]

    for marker in SKIPPED:
        assert any(marker in text for text in texts), f"no README block needs {marker!r} now"


@pytest.fixture
def demo_workspace(transactional_db):
    """What `make run` sets up, with the commands the README names: the demo workspace, its
    FAQ, an all-scopes key; and a daily report sent for 2025-01-14."""
    out = StringIO()
    call_command("create_workspace", "Demo Shop", stdout=out, stderr=StringIO())
    workspace_id = out.getvalue().strip()
    call_command("load_demo_knowledge_base", workspace_id, stdout=StringIO())
    out = StringIO()
    call_command("create_api_key", workspace_id, "--name", "Demo API key", "--scopes", "all",
                 stdout=out)
    call_command("send_daily_reports", "--workspace", workspace_id, "--date", "2025-01-14",
                 stdout=StringIO(), stderr=StringIO())
    return workspace_id, out.getvalue().strip()


def test_each_runnable_shell_example_runs_as_written(live_server, demo_workspace, tmp_path):
    _, key = demo_workspace
    # The live server binds "localhost" as IPv4: name the address itself, nothing to resolve.
    base = live_server.url.replace("://localhost:", "://127.0.0.1:")
    assert base.startswith("http://127.0.0.1:")
    (tmp_path / "terms.pdf").write_bytes(pdf_with_lines(["Terms of sale", "Returns: 30 days."]))
    env = _environment(KEY=key, BASE=base)
    ids: dict[str, str] = {}
    ran = []

    for block in readme_blocks():
        if block.skip_reason:
            continue
        for command in block.commands():
            script = filled(command.text, base=base, key=key, ids=ids)
            where = f"README line {block.line}: {command.text.strip()}"
            assert all(url.startswith(base) for url in contacted_urls(script)), where
            result = bash(CURL + script, cwd=tmp_path, env=env)

            assert result.returncode == 0, f"{where}\n{result.stdout}\n{result.stderr}"
            statuses = re.findall(r"^HTTP (\d{3})$", result.stderr, re.M)
            curls = shlex.split(script, comments=True).count("curl")
            assert len(statuses) == curls, (where, result.stderr)
            assert all(s.startswith("2") for s in statuses), (where, result.stderr)
            if result.stdout.lstrip().startswith("{"):
                response = json.loads(result.stdout)
                assert "data" in response, (where, response)
                missing = expected_keys(command.expected) - all_keys(response)
                assert not missing, f"{where}\nmissing {missing} in {response}"
                for prefix in ID_PREFIXES:
                    for found in re.findall(rf"\b{prefix}_[0-9A-Za-z]+", result.stdout):
                        ids.setdefault(prefix, found)  # the first: what the README refers to
            else:
                assert not command.expected, f"{where}: not JSON: {result.stdout[:200]}"
        ran.append(block.line)

    assert len(ran) >= MINIMUM_RUN, f"only the blocks at lines {ran} ran"


def test_create_workspace_runs_as_written_on_a_fresh_database(tmp_path):
    (block,) = [b for b in readme_blocks() if "manage.py create_workspace" in b.text]
    database = tmp_path / "fresh.sqlite3"
    env = _environment(DATABASE_URL=f"sqlite:///{database}",
                       METACHAT_VAR_DIR=str(tmp_path / "var"), LOG_LEVEL="WARNING")
    migrated = bash(".venv/bin/python manage.py migrate --noinput", cwd=REPO, env=env)
    assert migrated.returncode == 0, migrated.stderr

    result = bash(block.text, cwd=REPO, env=env)

    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"ws_[0-9a-z]+\n", result.stdout), result.stdout
    password = re.search(r"Created operator 'alice' with password (\S+) ", result.stderr)
    assert password, result.stderr
    with sqlite3.connect(database) as db:
        staff, superuser, hashed = db.execute(
            "SELECT is_staff, is_superuser, password FROM auth_user WHERE username = 'alice'"
        ).fetchone()
        names = db.execute("SELECT name FROM workspaces_workspace").fetchall()
        roles = db.execute(
            "SELECT m.role FROM workspaces_membership m JOIN auth_user u ON u.id = m.user_id "
            "WHERE u.username = 'alice'").fetchall()
    assert (staff, superuser) == (1, 0)  # an operator, not a superuser
    assert check_password(password.group(1), hashed)  # she logs in with what was printed
    assert names == [("Acme",)] and roles == [("owner",)]
