"""Report schedules, and sending reports: find the due ones, claim each period once, email it,
publish report.daily."""
import csv
import datetime
import io
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from integrations.reports import selectors
from integrations.reports.models import DailyReport, ReportKind, ReportSchedule
from integrations.reports.periods import due_moment, latest_due_period
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish

logger = logging.getLogger(__name__)

# A send that has not finished by then is taken to have died with its worker; the next beat
# takes the report over. Long enough for a slow SMTP server, short enough to matter.
CLAIM_LEASE = datetime.timedelta(minutes=10)

CSV_COLUMNS = ["conversationId", "userId", "channel", "status", "startedAt", "endedAt",
               "durationSeconds", "escalationReason", "endReason", "messageCount",
               "lowestConfidence"]


@transaction.atomic
def report_schedule_save(
    *, workspace, send_at: datetime.time, timezone: str, recipients: str = "",
    active: bool = True, kind: str = ReportKind.DAILY, schedule: ReportSchedule | None = None,
) -> ReportSchedule:
    """Create the workspace's schedule of `kind`, or change `schedule`, which stays in its
    workspace. The model's checks apply (time zone, addresses, one schedule per kind)."""
    if schedule is None or schedule.pk is None:
        schedule = ReportSchedule(workspace=workspace)
    elif schedule.workspace_id != workspace.pk:
        raise ValidationError("A report schedule stays in its workspace.")
    schedule.kind, schedule.send_at, schedule.timezone = kind, send_at, timezone
    schedule.recipients, schedule.active = recipients, active
    schedule.full_clean()
    schedule.save()
    return schedule


def report_schedules_due(
    *, now: datetime.datetime | None = None
) -> list[tuple[int, datetime.date]]:
    """(schedule id, period) of every active schedule whose latest due period has not been
    sent. Cheap: one query, then date arithmetic per workspace. A new schedule starts with
    the first report due after it was made, not with the days before it existed."""
    now = now or timezone.now()
    due = []
    for schedule in selectors.active_schedules():
        period = latest_due_period(schedule, now)
        if due_moment(schedule, period) < schedule.created_at:
            continue
        if schedule.last_period is None or schedule.last_period < period:
            due.append((schedule.pk, period))
    return due


def report_claim(*, workspace, kind: str, period: datetime.date, tz_name: str,
                 now: datetime.datetime | None = None, force: bool = False) -> DailyReport | None:
    """Write the period's report row if it is not there, and take it for sending. Returns None
    when it was already sent (unless `force`) or another worker is sending it now: the one
    unique row per workspace, kind and period is what makes a report go out once."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            report, _ = DailyReport.objects.get_or_create(
                workspace=workspace, kind=kind, period=period, defaults={"timezone": tz_name},
            )
    except IntegrityError:  # another worker wrote it between our read and our insert
        report = DailyReport.objects.get(workspace=workspace, kind=kind, period=period)
    takeable = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    if not force:
        takeable &= Q(sent_at__isnull=True)
    won = DailyReport.objects.filter(takeable, pk=report.pk).update(
        claimed_until=now + CLAIM_LEASE, attempts=F("attempts") + 1,
    )
    if not won:
        return None
    report.refresh_from_db()
    return report


def report_send_scheduled(*, schedule_id: int, period: datetime.date) -> DailyReport | None:
    """Send one schedule's report of `period`, once. Called by the beat fan-out."""
    schedule = ReportSchedule.objects.select_related("workspace").filter(
        pk=schedule_id, active=True
    ).first()
    if schedule is None:
        return None
    report = report_claim(workspace=schedule.workspace, kind=schedule.kind, period=period,
                          tz_name=schedule.timezone)
    if report is None:
        return None
    return report_deliver(report=report, recipients=schedule.recipient_list, schedule=schedule)


def report_send_now(*, workspace, day: datetime.date, force: bool = True) -> DailyReport | None:
    """Send `workspace`'s daily report of `day` now (the admin action, the command). With
    `force` a report already sent goes out again."""
    schedule = selectors.schedule_for_workspace(workspace=workspace)
    tz_name = schedule.timezone if schedule else workspace.timezone
    report = report_claim(workspace=workspace, kind=ReportKind.DAILY, period=day,
                          tz_name=tz_name, force=force)
    if report is None:
        return None
    return report_deliver(report=report, schedule=schedule,
                          recipients=schedule.recipient_list if schedule else [])


def report_deliver(*, report: DailyReport, recipients: list[str],
                   schedule: ReportSchedule | None) -> DailyReport:
    """Summarise, email, then mark sent and publish report.daily in one transaction. The
    summary is stored before the email leaves, so what was sent is what the row keeps."""
    workspace = report.workspace
    report.summary = selectors.daily_summary(workspace=workspace, day=report.period,
                                             tz_name=report.timezone)
    report.recipients = recipients
    report.save(update_fields=["summary", "recipients"])
    if recipients:
        try:
            report_email(report=report, recipients=recipients).send()
        except Exception:
            # The mail server said no: free the report for the next beat at once (a worker
            # that dies here instead leaves its claim to lapse).
            DailyReport.objects.filter(pk=report.pk).update(claimed_until=None)
            raise
    with transaction.atomic():
        now = timezone.now()
        DailyReport.objects.filter(pk=report.pk).update(sent_at=now, claimed_until=None)
        report.sent_at, report.claimed_until = now, None
        if schedule is not None and (schedule.last_period is None
                                     or schedule.last_period <= report.period):
            ReportSchedule.objects.filter(pk=schedule.pk).update(
                last_sent_at=now, last_period=report.period,
            )
        event_publish(workspace=workspace, type=EventType.REPORT_DAILY,
                      data=report_event_data(report=report))
    logger.info("sent the %s report of %s for %s", report.kind, workspace.public_id,
                report.period)
    return report


def report_event_data(*, report: DailyReport) -> dict:
    return {"reportId": report.public_id, **report.summary}


def report_csv(*, workspace, day: datetime.date, tz_name: str) -> str:
    """The day's conversations, one row each, as an operator opens them in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for (public_id, user_id, channel, status, started_at, ended_at, escalation_reason,
         end_reason, message_count, lowest) in selectors.conversation_rows(
            workspace=workspace, day=day, tz_name=tz_name).iterator(chunk_size=2000):
        duration = (round((ended_at - started_at).total_seconds())
                    if ended_at is not None else "")
        writer.writerow([
            public_id, user_id, channel, status, _stamp(started_at), _stamp(ended_at),
            duration, escalation_reason, end_reason, message_count,
            "" if lowest is None else round(lowest, 4),
        ])
    return out.getvalue()


def _stamp(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def report_email(*, report: DailyReport, recipients: list[str]) -> EmailMultiAlternatives:
    """The email: a plain-text part, an HTML part with the day next to the day before and
    conversations per hour as CSS bars, and the day's conversations as a CSV attachment."""
    workspace = report.workspace
    previous_day = report.period - datetime.timedelta(days=1)
    stored = selectors.report_for_day(workspace=workspace, day=previous_day)
    previous = stored.summary if stored is not None and stored.summary else (
        selectors.daily_summary(workspace=workspace, day=previous_day, tz_name=report.timezone)
    )
    context = email_context(workspace=workspace, summary=report.summary, previous=previous)
    subject = f"{workspace.name}: daily report for {report.period:%A %d %B %Y}"
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string("reports/daily_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=recipients,
    )
    message.attach_alternative(render_to_string("reports/daily_email.html", context), "text/html")
    message.attach(f"conversations-{report.period.isoformat()}.csv",
                   report_csv(workspace=workspace, day=report.period, tz_name=report.timezone),
                   "text/csv")
    return message


ROWS = [
    ("Conversations started", "conversationsStarted", "{}"),
    ("Conversations ended", "conversationsEnded", "{}"),
    ("Messages", "messages", "{}"),
    ("Distinct users", "distinctUsers", "{}"),
    ("Escalations", "escalations", "{}"),
    ("Escalation rate", "escalationRate", "{:.1%}"),
    ("Average confidence", "averageConfidence", "{:.2f}"),
    ("Lowest-decile confidence", "lowestDecileConfidence", "{:.2f}"),
    ("Answers below the threshold", "belowThresholdShare", "{:.1%}"),
    ("Median duration (seconds)", "medianDurationSeconds", "{}"),
]


def _shown(value, pattern: str) -> str:
    return "–" if value is None else pattern.format(value)


def email_context(*, workspace, summary: dict, previous: dict) -> dict:
    hours = summary["conversationsByHour"]
    peak = max(hours) or 1
    return {
        "workspace": workspace,
        "summary": summary,
        "rows": [
            {"label": label, "today": _shown(summary.get(key), pattern),
             "previous": _shown(previous.get(key), pattern)}
            for label, key, pattern in ROWS
        ],
        "hours": [{"hour": f"{hour:02d}", "count": count, "width": round(100 * count / peak)}
                  for hour, count in enumerate(hours)],
        "reasons": [{"reason": reason.replace("_", " "), "count": count}
                    for reason, count in summary["escalationsByReason"].items()],
        "failed": [{"kind": kind, "count": count}
                   for kind, count in summary["failedDeliveries"].items()],
    }
