"""A workspace's report schedule, and the reports it sent."""
import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.timezone import now

from metachat.ids import PublicIdField
from metachat.workspaces.models import Workspace, validate_timezone


class ReportKind(models.TextChoices):
    """How long a report's period is. A weekly report is one more member here and one more
    period rule in `periods.py`."""

    DAILY = "daily", "Daily"


def parse_recipients(value: str) -> list[str]:
    """Recipients as written by an operator: separated by commas, spaces or new lines."""
    return [part for part in value.replace(",", " ").split() if part]


def validate_recipients(value: str) -> None:
    bad = []
    for address in parse_recipients(value):
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise ValidationError(f"Not an email address: {', '.join(bad)}.")


class ReportSchedule(models.Model):
    """When a workspace's report of one kind is sent, in its own time zone, and to whom."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="report_schedules",
        help_text="The workspace whose conversations are summarised.",
    )
    kind = models.CharField(
        max_length=16, choices=ReportKind.choices, default=ReportKind.DAILY,
        help_text="Daily: every day, the summary of the previous day.",
    )
    send_at = models.TimeField(
        "Local send time", default=datetime.time(9, 0),
        help_text="When the report goes out, in the schedule's time zone (e.g. 09:00).",
    )
    timezone = models.CharField(
        max_length=64, default="UTC", validators=[validate_timezone],
        help_text="IANA time zone that decides the day and the send time, e.g. Europe/Berlin.",
    )
    recipients = models.TextField(
        blank=True, default="", validators=[validate_recipients],
        help_text="Email addresses that receive the report, separated by commas or new lines. "
        "Empty: no email (the report.daily event and the API still have it).",
    )
    active = models.BooleanField(default=True, help_text="Untick to stop sending reports.")
    last_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last report of this schedule was sent.",
    )
    last_period = models.DateField(
        null=True, blank=True, help_text="The day the last sent report summarised.",
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["workspace_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind"], name="reportschedule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} report of {self.workspace} at {self.send_at:%H:%M}"

    @property
    def recipient_list(self) -> list[str]:
        return parse_recipients(self.recipients)


class DailyReport(models.Model):
    """One report of one workspace, kind and period. The row is written (claimed) before
    anything is sent, and its uniqueness is what makes a report go out once."""

    public_id = PublicIdField("rpt")
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="reports",
        help_text="The workspace summarised.",
    )
    kind = models.CharField(max_length=16, choices=ReportKind.choices, default=ReportKind.DAILY)
    period = models.DateField(help_text="The local day summarised.")
    timezone = models.CharField(max_length=64, help_text="The time zone the day is in.")
    summary = models.JSONField(default=dict, help_text="The numbers as sent.")
    recipients = models.JSONField(default=list, blank=True, help_text="Who was emailed.")
    claimed_until = models.DateTimeField(
        null=True, blank=True,
        help_text="A worker is sending it until then; after that another may take it over.",
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Sends started.")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When it went out.")
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-period", "-pk"]
        verbose_name = "daily report"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "period"],
                                    name="dailyreport_unique_period"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} report {self.period} of {self.workspace}"
