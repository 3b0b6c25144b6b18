"""Beat sends each schedule's report at its own local time, once per day, whatever happens."""
import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail

from integrations.reports import services
from integrations.reports.models import DailyReport, ReportSchedule
from integrations.reports.periods import day_bounds
from integrations.reports.tasks import send_due_reports
from metachat.celery import app as celery_app
from metachat.events.models import Event
from tests.factories import EndUserFactory, WorkspaceFactory
from tests.reports.builders import conversation

UTC = datetime.UTC


@pytest.fixture
def beat_run():
    """One run of the beat entry, its fan-out executed in this process (eagerly, inside the
    test's transaction, so the worker's connection housekeeping is off meanwhile)."""
    from celery.signals import task_postrun, task_prerun

    from metachat.celery import _close_old_connections

    task_prerun.disconnect(_close_old_connections)
    task_postrun.disconnect(_close_old_connections)
    celery_app.conf.task_always_eager = True

    def run(moment: datetime.datetime):
        with time_machine.travel(moment, tick=False):
            send_due_reports.apply()

    yield run
    celery_app.conf.task_always_eager = False
    task_prerun.connect(_close_old_connections)
    task_postrun.connect(_close_old_connections)


def schedule(tz: str, *, name: str, recipients="ops@example.com",
             last_period=None) -> ReportSchedule:
    """A schedule made in January that has been sending every day until `last_period`."""
    return ReportSchedule.objects.create(
        workspace=WorkspaceFactory(name=name), timezone=tz, recipients=recipients,
        created_at=datetime.datetime(2026, 1, 1, tzinfo=UTC), last_period=last_period,
    )


def sent(schedule: ReportSchedule) -> list:
    return list(DailyReport.objects.filter(workspace=schedule.workspace, sent_at__isnull=False)
                .values_list("period", flat=True))


def test_berlin_and_new_york_get_their_report_at_their_own_nine_oclock_once(db, beat_run):
    day = datetime.date(2026, 3, 10)
    berlin = schedule("Europe/Berlin", name="Berlin shop", recipients="a@example.com",
                      last_period=day - datetime.timedelta(days=1))
    new_york = schedule("America/New_York", name="NY shop", recipients="b@example.com",
                        last_period=day - datetime.timedelta(days=1))

    beat_run(datetime.datetime(2026, 3, 11, 7, 59, tzinfo=UTC))  # 08:59 in Berlin
    assert sent(berlin) == [] and sent(new_york) == []

    beat_run(datetime.datetime(2026, 3, 11, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
    beat_run(datetime.datetime(2026, 3, 11, 8, 5, tzinfo=UTC))  # the next beat
    beat_run(datetime.datetime(2026, 3, 11, 8, 5, tzinfo=UTC))  # and a second beat process
    assert sent(berlin) == [day]
    assert sent(new_york) == []  # 04:00 there (daylight saving time began on 8 March)
    assert [m.to for m in mail.outbox] == [["a@example.com"]]

    beat_run(datetime.datetime(2026, 3, 11, 12, 59, tzinfo=UTC))  # 08:59 in New York
    assert sent(new_york) == []
    beat_run(datetime.datetime(2026, 3, 11, 13, 0, tzinfo=UTC))  # 09:00 in New York
    beat_run(datetime.datetime(2026, 3, 11, 13, 5, tzinfo=UTC))
    assert sent(new_york) == [day]
    assert sent(berlin) == [day]
    assert [m.to for m in mail.outbox] == [["a@example.com"], ["b@example.com"]]
    assert Event.objects.filter(type="report.daily").count() == 2
    berlin.refresh_from_db()
    assert berlin.last_period == day


def test_a_send_killed_midway_is_taken_over_after_its_lease_and_sent_once(db, beat_run):
    berlin = schedule("Europe/Berlin", name="Berlin shop", last_period=datetime.date(2026, 3, 9))
    killed_at = datetime.datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
    with time_machine.travel(killed_at, tick=False):
        # a worker claimed the report and died before sending anything
        claimed = services.report_claim(workspace=berlin.workspace, kind="daily",
                                        period=datetime.date(2026, 3, 10),
                                        tz_name="Europe/Berlin")
    assert claimed is not None

    beat_run(killed_at + datetime.timedelta(minutes=5))  # still within the dead worker's lease
    assert sent(berlin) == [] and mail.outbox == []

    beat_run(killed_at + services.CLAIM_LEASE + datetime.timedelta(minutes=1))
    beat_run(killed_at + services.CLAIM_LEASE + datetime.timedelta(minutes=6))
    assert sent(berlin) == [datetime.date(2026, 3, 10)]
    assert len(mail.outbox) == 1
    report = DailyReport.objects.get(workspace=berlin.workspace)
    assert report.attempts == 2


def test_a_report_missed_while_the_service_was_down_is_sent_once_when_it_is_back(db, beat_run):
    berlin = schedule("Europe/Berlin", name="Berlin shop", last_period=datetime.date(2026, 3, 8))
    beat_run(datetime.datetime(2026, 3, 10, 8, 0, tzinfo=UTC))  # sends the 9th
    # down from then until 08:00 Berlin on the 12th: the 10th's report (due the 11th) is missed
    beat_run(datetime.datetime(2026, 3, 12, 7, 0, tzinfo=UTC))
    beat_run(datetime.datetime(2026, 3, 12, 7, 5, tzinfo=UTC))
    assert sent(berlin) == [datetime.date(2026, 3, 10), datetime.date(2026, 3, 9)]
    beat_run(datetime.datetime(2026, 3, 12, 8, 0, tzinfo=UTC))  # 09:00: the 11th, as usual
    assert sent(berlin)[0] == datetime.date(2026, 3, 11)
    assert len(mail.outbox) == 3


@pytest.mark.parametrize("day,hours,nine_utc", [
    (datetime.date(2026, 3, 29), 23, datetime.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
    (datetime.date(2026, 10, 25), 25, datetime.datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
])
def test_daylight_saving_days_are_whole_local_days(db, beat_run, day, hours, nine_utc):
    berlin = schedule("Europe/Berlin", name="Berlin shop",
                      last_period=day - datetime.timedelta(days=1))
    start, end = day_bounds(day, "Europe/Berlin")
    assert end - start == datetime.timedelta(hours=hours)
    tz = zoneinfo.ZoneInfo("Europe/Berlin")
    user = EndUserFactory(workspace=berlin.workspace)
    for hour in (0, 23):  # the first and the last local hour of the day
        conversation(berlin.workspace, user=user, turns=[("Hello?", 0.9)],
                     started=datetime.datetime.combine(day, datetime.time(hour, 30), tzinfo=tz))

    beat_run(nine_utc - datetime.timedelta(minutes=1))
    assert sent(berlin) == []
    beat_run(nine_utc)  # 09:00 in Berlin the next day
    report = DailyReport.objects.get(workspace=berlin.workspace)
    assert report.period == day
    assert report.summary["conversationsStarted"] == 2
    assert report.summary["conversationsByHour"][0] == 1
    assert report.summary["conversationsByHour"][23] == 1


def test_a_new_schedule_starts_with_the_next_report_not_the_days_before_it(db, beat_run):
    with time_machine.travel(datetime.datetime(2026, 3, 11, 10, 0, tzinfo=UTC), tick=False):
        berlin = ReportSchedule.objects.create(workspace=WorkspaceFactory(),
                                               timezone="Europe/Berlin")

    beat_run(datetime.datetime(2026, 3, 11, 10, 5, tzinfo=UTC))
    assert sent(berlin) == []
    beat_run(datetime.datetime(2026, 3, 12, 8, 0, tzinfo=UTC))
    assert sent(berlin) == [datetime.date(2026, 3, 11)]


def test_inactive_schedules_send_nothing(db, beat_run):
    berlin = schedule("Europe/Berlin", name="Berlin shop")
    berlin.active = False
    berlin.save()

    beat_run(datetime.datetime(2026, 3, 11, 8, 0, tzinfo=UTC))

    assert not DailyReport.objects.exists() and mail.outbox == []


def test_a_mail_server_that_is_down_leaves_the_report_to_the_next_beat(db, beat_run, settings):
    berlin = schedule("Europe/Berlin", name="Berlin shop", last_period=datetime.date(2026, 3, 9))
    settings.EMAIL_BACKEND = "tests.reports.failing_mail.RefusingBackend"

    beat_run(datetime.datetime(2026, 3, 11, 8, 0, tzinfo=UTC))  # the send task fails
    assert sent(berlin) == [] and not Event.objects.filter(type="report.daily").exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    beat_run(datetime.datetime(2026, 3, 11, 8, 5, tzinfo=UTC))
    assert sent(berlin) == [datetime.date(2026, 3, 10)] and len(mail.outbox) == 1
