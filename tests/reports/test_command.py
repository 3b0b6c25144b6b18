"""manage.py send_daily_reports for operators and cron users."""
import datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from integrations.reports.models import DailyReport, ReportSchedule


def run(*args) -> str:
    out = StringIO()
    call_command("send_daily_reports", *args, stdout=out)
    return out.getvalue()


def test_a_chosen_day_of_one_workspace_is_sent_once_unless_forced(workspace, other_workspace):
    ReportSchedule.objects.create(workspace=workspace, recipients="ops@example.com")
    ReportSchedule.objects.create(workspace=other_workspace, recipients="them@example.com")

    out = run("--workspace", workspace.public_id, "--date", "2026-03-10")
    again = run("--workspace", workspace.public_id, "--date", "2026-03-10")
    forced = run("--workspace", workspace.public_id, "--date", "2026-03-10", "--force")

    assert f"{workspace.public_id} 2026-03-10: sent rpt_" in out
    assert "already sent" in again
    assert "sent rpt_" in forced
    assert [m.to for m in mail.outbox] == [["ops@example.com"], ["ops@example.com"]]
    assert DailyReport.objects.get().workspace == workspace


def test_without_a_date_it_sends_what_is_due(workspace):
    ReportSchedule.objects.create(workspace=workspace, timezone="Europe/Berlin",
                                  recipients="o@example.com",
                                  created_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
                                  last_period=datetime.date(2026, 3, 9))

    with time_machine.travel(datetime.datetime(2026, 3, 11, 8, 1, tzinfo=datetime.UTC),
                             tick=False):
        out = run()
        again = run()

    assert "2026-03-10: sent" in out and again == ""
    assert len(mail.outbox) == 1


def test_bad_arguments_are_clear_errors(workspace):
    with pytest.raises(CommandError, match="No workspace"):
        run("--workspace", "ws_nope")
    with pytest.raises(CommandError, match="not a date"):
        run("--date", "10/03/2026")
