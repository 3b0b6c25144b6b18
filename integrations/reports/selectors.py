"""The numbers of a report, read with aggregate queries: one query per figure, none per row."""
import datetime
import zoneinfo

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import ExtractHour, Lower, Replace, Trim

from conversations.models import Conversation, Message
from integrations.models import Delivery
from integrations.reports.models import DailyReport, ReportKind, ReportSchedule
from integrations.reports.periods import day_bounds
from metachat.events.catalogue import EventType
from metachat.events.models import Event

TOP_QUESTIONS = 10


def normalised(expression):
    """A question as people mean it: case, surrounding spaces and end punctuation ignored."""
    text = Lower(Trim(expression, output_field=TextField()), output_field=TextField())
    for mark in ("?", "!", "."):
        text = Replace(text, Value(mark, output_field=TextField()),
                       Value("", output_field=TextField()), output_field=TextField())
    return Trim(text, output_field=TextField())


def _nth(queryset: QuerySet, field: str, fraction: float):
    """The value at `fraction` of the rows ordered by `field` (one indexed, sliced query)."""
    count = queryset.count()
    if not count:
        return None
    index = min(count - 1, int(count * fraction))
    return queryset.order_by(field).values_list(field, flat=True)[index]


def _ranked(queryset: QuerySet, expression, limit: int) -> list[dict]:
    rows = (
        queryset.annotate(question=expression).values("question")
        .annotate(count=Count("pk")).exclude(question="").order_by("-count", "question")[:limit]
    )
    return [{"question": row["question"], "count": row["count"]} for row in rows]


def _round(value, digits=4):
    return None if value is None else round(value, digits)


def daily_summary(*, workspace, day: datetime.date, tz_name: str) -> dict:
    """The summary of `workspace`'s local `day` in `tz_name`, with camelCase keys, as the
    email, the report.daily event and the API show it."""
    start, end = day_bounds(day, tz_name)
    tz = zoneinfo.ZoneInfo(tz_name)
    conversations = Conversation.objects.filter(workspace=workspace)
    started = conversations.filter(started_at__gte=start, started_at__lt=end)
    ended = conversations.filter(ended_at__gte=start, ended_at__lt=end)
    messages = Message.objects.filter(workspace=workspace, created_at__gte=start,
                                      created_at__lt=end)
    answers = messages.filter(role=Message.Role.BOT, confidence__isnull=False)
    threshold = workspace.escalation_threshold

    counts = started.aggregate(started=Count("pk"))
    message_counts = messages.aggregate(
        messages=Count("pk"),
        users=Count("conversation__end_user", distinct=True, filter=Q(role=Message.Role.USER)),
    )
    confidence = answers.aggregate(
        average=Avg("confidence"), answers=Count("pk"),
        below=Count("pk", filter=Q(confidence__lt=threshold)),
    )
    escalated = conversations.filter(escalated_at__gte=start, escalated_at__lt=end)
    by_reason = {row["escalation_reason"]: row["n"] for row in
                 escalated.values("escalation_reason").annotate(n=Count("pk"))}
    escalations = sum(by_reason.values())
    durations = ended.annotate(
        duration=ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    )
    median = _nth(durations, "duration", 0.5)
    hours = [0] * 24
    for row in (started.annotate(hour=ExtractHour("started_at", tzinfo=tz))
                .values("hour").annotate(n=Count("pk"))):
        hours[row["hour"]] += row["n"]
    busiest = max(range(24), key=lambda hour: hours[hour]) if any(hours) else None
    unanswered = Event.objects.filter(
        workspace=workspace, type=EventType.ESCALATION_TRIGGERED,
        created_at__gte=start, created_at__lt=end, payload__data__reason="low_confidence",
    )
    failed = {row["destination_kind"]: row["n"] for row in Delivery.objects.filter(
        workspace=workspace, status=Delivery.Status.FAILED,
        created_at__gte=start, created_at__lt=end,
    ).values("destination_kind").annotate(n=Count("pk"))}

    return {
        "workspaceId": workspace.public_id,
        "date": day.isoformat(),
        "timezone": tz_name,
        "conversationsStarted": counts["started"],
        "conversationsEnded": ended.count(),
        "messages": message_counts["messages"],
        "distinctUsers": message_counts["users"],
        "escalations": escalations,
        "escalationRate": _round(escalations / counts["started"]) if counts["started"] else 0.0,
        "escalationsByReason": {
            reason: by_reason.get(reason, 0) for reason in Conversation.EscalationReason.values
        },
        "answers": confidence["answers"],
        "averageConfidence": _round(confidence["average"]),
        "lowestDecileConfidence": _round(_nth(answers, "confidence", 0.1)),
        "escalationThreshold": threshold,
        "belowThresholdShare": (
            _round(confidence["below"] / confidence["answers"]) if confidence["answers"] else 0.0
        ),
        "medianDurationSeconds": None if median is None else round(median.total_seconds()),
        "busiestHour": busiest,
        "conversationsByHour": hours,
        "topQuestions": _ranked(messages.filter(role=Message.Role.USER), normalised(F("text")),
                                TOP_QUESTIONS),
        "unansweredQuestions": _ranked(unanswered, normalised(KT("payload__data__message")),
                                       TOP_QUESTIONS),
        "failedDeliveries": {kind: failed.get(kind, 0) for kind in ("webhook", "crm", "zapier")},
    }


def conversation_rows(*, workspace, day: datetime.date, tz_name: str):
    """One row per conversation started that day, for the CSV (streamed by the caller)."""
    start, end = day_bounds(day, tz_name)
    return (
        Conversation.objects.filter(workspace=workspace, started_at__gte=start,
                                    started_at__lt=end)
        .annotate(message_count=Count("messages"), min_confidence=Min("messages__confidence"))
        .values_list("public_id", "end_user__user_id", "channel", "status", "started_at",
                     "ended_at", "escalation_reason", "end_reason", "message_count",
                     "min_confidence")
        .order_by("started_at", "pk")
    )


def report_for_day(*, workspace, day: datetime.date, kind=ReportKind.DAILY) -> DailyReport | None:
    return DailyReport.objects.filter(workspace=workspace, kind=kind, period=day).first()


def schedule_for_workspace(*, workspace, kind=ReportKind.DAILY) -> ReportSchedule | None:
    return ReportSchedule.objects.filter(workspace=workspace, kind=kind).first()


def active_schedules() -> QuerySet:
    return ReportSchedule.objects.filter(active=True).select_related("workspace")
