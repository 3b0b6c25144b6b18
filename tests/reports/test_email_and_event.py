"""What an operator receives: the email's text, HTML and CSV; and the report.daily webhook."""
import csv
import datetime
import io
import zoneinfo

from django.core import mail
from standardwebhooks import Webhook as StandardWebhook

from integrations.models import Delivery
from integrations.reports import services
from integrations.reports.models import DailyReport, ReportSchedule
from tests.factories import WebhookFactory
from tests.helpers import wait_until
from tests.reports.builders import berlin_day, conversation

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
DAY = datetime.date(2026, 3, 10)


def test_the_email_shows_the_day_next_to_the_day_before_with_a_csv_of_its_conversations(
    workspace,
):
    ReportSchedule.objects.create(workspace=workspace, timezone="Europe/Berlin",
                                  recipients="ops@example.com, lead@example.com")
    berlin_day(workspace, BERLIN)
    user = workspace.end_users.first()
    conversation(workspace, user=user, started=datetime.datetime(2026, 3, 9, 10, tzinfo=BERLIN),
                 turns=[("Hello", 0.9)])  # the day before has 2 conversations (with 23:59)

    report = services.report_send_now(workspace=workspace, day=DAY)

    assert report.sent_at is not None
    [email] = mail.outbox
    assert email.to == ["ops@example.com", "lead@example.com"]
    assert email.subject == "Acme: daily report for Tuesday 10 March 2026"
    text = email.body
    assert "Conversations started: 4 (the day before: 2)" in text
    assert "Escalation rate: 50.0% (the day before: 0.0%)" in text
    assert "Median duration (seconds): 300" in text
    assert "3 × how long is shipping" in text
    assert "Busiest hour: 14:00" in text
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert "<td>Conversations started</td><td align=\"right\"><strong>4</strong></td>" in html
    assert "width: 100%;" in html  # 14:00, the busiest hour, is the full bar
    assert "can i pay with crypto" in html
    [(filename, content, csv_type)] = email.attachments
    assert (filename, csv_type) == ("conversations-2026-03-10.csv", "text/csv")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 4
    assert [row["startedAt"] for row in rows] == [
        "2026-03-10T08:15:00Z", "2026-03-10T13:00:00Z", "2026-03-10T13:30:00Z",
        "2026-03-10T13:45:00Z",
    ]
    escalated = rows[3]
    assert escalated["escalationReason"] == "low_confidence"
    assert escalated["durationSeconds"] == "300"
    assert escalated["messageCount"] == "4"
    assert escalated["lowestConfidence"] == "0.2"
    assert rows[0]["endedAt"] == "" and rows[0]["durationSeconds"] == ""


def test_a_workspace_without_recipients_gets_no_email_but_the_report_is_kept(workspace):
    ReportSchedule.objects.create(workspace=workspace, timezone="Europe/Berlin")

    report = services.report_send_now(workspace=workspace, day=DAY)

    assert mail.outbox == []
    assert DailyReport.objects.get(pk=report.pk).summary["conversationsStarted"] == 0


def test_a_webhook_subscribed_to_report_daily_receives_the_summary(
    celery_worker, workspace, receiver
):
    ReportSchedule.objects.create(workspace=workspace, timezone="Europe/Berlin")
    berlin_day(workspace, BERLIN)
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, events=["report.daily"])

    report = services.report_send_now(workspace=workspace, day=DAY)

    wait_until(lambda: receiver.requests)
    request = receiver.requests[0]
    payload = StandardWebhook(webhook.secrets[0]["secret"]).verify(request.body, request.headers)
    assert payload["event"] == "report.daily"
    data = payload["data"]
    assert data["reportId"] == report.public_id
    assert data["date"] == "2026-03-10"
    assert data["conversationsStarted"] == 4
    assert data["escalationsByReason"] == {"low_confidence": 1, "user_requested": 1}
    assert data["topQuestions"][0] == {"question": "how long is shipping", "count": 3}
    wait_until(lambda: Delivery.objects.filter(destination_id=webhook.pk,
                                               status="succeeded").count() == 1)
    assert len(receiver.requests) == 1
