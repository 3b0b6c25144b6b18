"""Owners and admins edit the schedule, preview it and send a day now; reports are read-only."""
import datetime

from django.core import mail
from django.urls import reverse

from integrations.reports.models import DailyReport, ReportSchedule
from tests.factories import MembershipFactory, UserFactory


def test_an_owner_edits_the_schedule_and_a_bad_time_zone_or_email_is_refused(
    client, operator, workspace
):
    workspace.timezone = "America/New_York"
    workspace.save()
    client.force_login(operator)
    url = reverse("admin:reports_reportschedule_add")
    assert 'value="America/New_York"' in client.get(url).content.decode()
    form = {"workspace": workspace.pk, "kind": "daily", "send_at": "08:30",
            "timezone": "Mars/Olympus", "recipients": "ops@example.com, not-an-email",
            "active": "on"}

    refused = client.post(url, form)

    assert refused.status_code == 200
    html = refused.content.decode()
    assert "is not a known time zone" in html and "Not an email address: not-an-email" in html
    assert not ReportSchedule.objects.exists()

    form.update(timezone="Europe/Berlin", recipients="ops@example.com\nlead@example.com")
    assert client.post(url, form).status_code == 302
    schedule = ReportSchedule.objects.get()
    assert (schedule.send_at, schedule.timezone) == (datetime.time(8, 30), "Europe/Berlin")
    assert schedule.recipient_list == ["ops@example.com", "lead@example.com"]

    page = client.get(reverse("admin:reports_reportschedule_change", args=[schedule.pk]))
    assert "Email preview" in page.content.decode() and "srcdoc=" in page.content.decode()


def test_send_now_sends_the_chosen_day_and_the_report_is_read_only(client, operator, workspace):
    schedule = ReportSchedule.objects.create(workspace=workspace, timezone="Europe/Berlin",
                                             recipients="ops@example.com")
    client.force_login(operator)
    changelist = reverse("admin:reports_reportschedule_changelist")

    ask = client.post(changelist, {"action": "send_now", "_selected_action": [schedule.pk]})
    assert ask.status_code == 200 and 'type="date"' in ask.content.decode()
    client.post(changelist, {"action": "send_now", "_selected_action": [schedule.pk],
                             "confirm": "yes", "day": "2026-03-10"})

    report = DailyReport.objects.get()
    assert report.period == datetime.date(2026, 3, 10) and report.sent_at is not None
    assert len(mail.outbox) == 1
    page = client.get(reverse("admin:reports_dailyreport_change", args=[report.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "conversationsStarted" in html and 'name="period"' not in html
    assert client.post(reverse("admin:reports_dailyreport_change", args=[report.pk]),
                       {"period": "2026-01-01"}).status_code == 403


def test_a_viewer_cannot_change_the_schedule_and_others_see_nothing(client, workspace,
                                                                     other_workspace):
    schedule = ReportSchedule.objects.create(workspace=workspace)
    viewer = MembershipFactory(workspace=workspace, user=UserFactory(username="vic"),
                               role="viewer").user
    stranger = MembershipFactory(workspace=other_workspace, user=UserFactory(username="sam")).user
    url = reverse("admin:reports_reportschedule_change", args=[schedule.pk])

    client.force_login(viewer)
    assert client.post(url, {"workspace": workspace.pk, "kind": "daily", "send_at": "07:00",
                             "timezone": "UTC", "active": "on"}).status_code == 403
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    schedule.refresh_from_db()
    assert schedule.send_at == datetime.time(9, 0)


def test_a_schedule_stays_in_its_workspace(client, operator, workspace, other_workspace):
    MembershipFactory(workspace=other_workspace, user=operator)  # owner of both
    schedule = ReportSchedule.objects.create(workspace=workspace)
    client.force_login(operator)

    response = client.post(reverse("admin:reports_reportschedule_change", args=[schedule.pk]), {
        "workspace": other_workspace.pk, "kind": "daily", "send_at": "07:00",
        "timezone": "Europe/Berlin", "recipients": "ops@example.com", "active": "on"})

    schedule.refresh_from_db()
    assert response.status_code == 302
    assert (schedule.workspace, schedule.send_at, schedule.timezone) == (
        workspace, datetime.time(7, 0), "Europe/Berlin")
    assert not ReportSchedule.objects.filter(workspace=other_workspace).exists()
