"""The daily summary of a day of BENCH_CONVERSATIONS conversations (100,000 by default, two
messages each, 5% escalated), against a plain COUNT(*) over the same day's conversations and
messages, in the same run.

PostgreSQL when DATABASE_URL is set (a database `metachat_reports_bench` is made afresh on
that server), else SQLite in a temporary folder. Prints figures and ratios; asserts only that
the summary counted every conversation.

    .venv/bin/python bench/bench_reports.py   (BENCH_CONVERSATIONS=100000 BENCH_RUNS=3)
"""
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
VAR = tempfile.mkdtemp(prefix="metachat-bench-reports-")
os.environ["METACHAT_VAR_DIR"] = VAR
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metachat.settings")
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    parts = urlsplit(os.environ["DATABASE_URL"])
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/metachat_reports_bench"))
    import psycopg

    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as pg:
        pg.execute("DROP DATABASE IF EXISTS metachat_reports_bench WITH (FORCE)")
        pg.execute("CREATE DATABASE metachat_reports_bench")
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(VAR) / 'bench.sqlite3'}"
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from conversations.models import Conversation, EndUser, Message  # noqa: E402
from integrations.reports.periods import day_bounds  # noqa: E402
from integrations.reports.selectors import daily_summary  # noqa: E402
from metachat.events.catalogue import EventType  # noqa: E402
from metachat.events.models import Event  # noqa: E402
from metachat.ids import new_public_id  # noqa: E402
from metachat.workspaces.models import Workspace  # noqa: E402

DAY = datetime.date(2026, 3, 10)
TZ = "Europe/Berlin"
QUESTIONS = ["How long is shipping?", "Where is my order?", "Can I return an item?",
             "Do you ship abroad?", "Can I pay with crypto?"]
BATCH = 5000


def seed(workspace) -> None:
    start, end = day_bounds(DAY, TZ)
    span = (end - start).total_seconds()
    users = EndUser.objects.bulk_create(
        [EndUser(workspace=workspace, user_id=f"bench-{n}") for n in range(CONVERSATIONS // 4)],
        batch_size=BATCH,
    )
    for offset in range(0, CONVERSATIONS, BATCH):
        conversations, numbers = [], range(offset, min(offset + BATCH, CONVERSATIONS))
        for n in numbers:
            started = start + datetime.timedelta(seconds=span * n / CONVERSATIONS)
            escalated = n % 20 == 0
            conversations.append(Conversation(
                workspace=workspace, end_user=users[n % len(users)], started_at=started,
                last_activity_at=started,
                ended_at=started + datetime.timedelta(seconds=60 + n % 600),
                status="ended", end_reason="idle_timeout",
                escalated_at=started if escalated else None,
                escalation_reason="low_confidence" if escalated else "",
            ))
        conversations = Conversation.objects.bulk_create(conversations)
        messages, events = [], []
        for n, convo in zip(numbers, conversations, strict=True):
            question = QUESTIONS[n % len(QUESTIONS)]
            messages.append(Message(workspace=workspace, conversation=convo, role="user",
                                    text=question, created_at=convo.started_at))
            messages.append(Message(workspace=workspace, conversation=convo, role="bot",
                                    text="An answer.", confidence=(n % 100) / 100,
                                    created_at=convo.started_at))
            if convo.escalated_at:
                events.append(Event(
                    workspace=workspace, type=EventType.ESCALATION_TRIGGERED,
                    created_at=convo.started_at, dispatched_at=convo.started_at,
                    payload={"id": new_public_id("evt"), "event": "escalation.triggered",
                             "data": {"reason": "low_confidence", "message": question}},
                ))
        Message.objects.bulk_create(messages)
        Event.objects.bulk_create(events)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def best_of(function) -> float:
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    call_command("migrate", "--noinput", verbosity=0)
    workspace = Workspace.objects.create(name="Bench shop", timezone=TZ)
    began = time.perf_counter()
    seed(workspace)
    print(f"database: {connection.vendor}; seeded {CONVERSATIONS} conversations, "
          f"{2 * CONVERSATIONS} messages in {time.perf_counter() - began:.1f} s")
    start, end = day_bounds(DAY, TZ)

    def plain_count():
        Conversation.objects.filter(workspace=workspace, started_at__gte=start,
                                    started_at__lt=end).count()
        Message.objects.filter(workspace=workspace, created_at__gte=start,
                               created_at__lt=end).count()

    summary = daily_summary(workspace=workspace, day=DAY, tz_name=TZ)
    assert summary["conversationsStarted"] == CONVERSATIONS, summary["conversationsStarted"]
    baseline = best_of(plain_count)
    summarised = best_of(lambda: daily_summary(workspace=workspace, day=DAY, tz_name=TZ))
    print(f"COUNT(*) of the day's conversations and messages: {baseline * 1000:.1f} ms")
    print(f"daily summary of the day:                          {summarised * 1000:.1f} ms")
    print(f"ratio summary / COUNT(*): {summarised / baseline:.1f}x (best of {RUNS})")


if __name__ == "__main__":
    main()
