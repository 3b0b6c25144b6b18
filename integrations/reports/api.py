"""/v1/reports: the daily summary of any day, its conversations as CSV, and sent reports."""
import datetime

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.reports import selectors, services
from integrations.reports.models import DailyReport
from integrations.reports.periods import local_today
from metachat.api.renderers import EnvelopeBrowsableAPIRenderer, VerbatimEnvelopeJSONRenderer
from metachat.api.viewsets import WorkspaceScopedViewSet, request_workspace
from metachat.events.catalogue import EXAMPLES, EventType

# The summary's keys are camelCase already and some are data (escalation reasons):
# written as stored, so the API shows exactly what the email and report.daily carried.
RENDERERS = [VerbatimEnvelopeJSONRenderer, EnvelopeBrowsableAPIRenderer]

DATE_PARAMETER = OpenApiParameter(
    "date", OpenApiTypes.DATE, description="The local day, YYYY-MM-DD (the report schedule's "
    "time zone, else the workspace's). Default: yesterday. Today gives the day so far.",
)


def _time_zone(workspace) -> str:
    schedule = selectors.schedule_for_workspace(workspace=workspace)
    return schedule.timezone if schedule else workspace.timezone


def _requested_day(request, tz_name: str) -> datetime.date:
    today = local_today(tz_name, datetime.datetime.now(datetime.UTC))
    raw = request.query_params.get("date")
    if raw in (None, ""):
        return today - datetime.timedelta(days=1)
    try:
        day = datetime.date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError({"date": [f"{raw[:40]!r} is not a date; write it as YYYY-MM-DD."]})
    if day > today:
        raise ValidationError({"date": [f"{day} has not begun yet in {tz_name}."]})
    return day


class ReportSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    date = serializers.DateField(source="period")
    sentAt = serializers.DateTimeField(source="sent_at")  # noqa: N815 - written as shown

    class Meta:
        model = DailyReport
        fields = ["id", "kind", "date", "timezone", "sentAt", "recipients", "summary"]


def _daily_body(*, workspace, day: datetime.date, tz_name: str) -> dict:
    stored = selectors.report_for_day(workspace=workspace, day=day)
    if stored is not None and stored.sent_at is not None:
        return {"reportId": stored.public_id, "sentAt": stored.sent_at, **stored.summary}
    summary = selectors.daily_summary(workspace=workspace, day=day, tz_name=tz_name)
    return {"reportId": None, "sentAt": None, **summary}


class DailyReportView(APIView):
    """The summary of one local day: as sent when its report went out, else computed now."""

    required_scopes = "reports:read"
    renderer_classes = RENDERERS

    @extend_schema(parameters=[DATE_PARAMETER], responses={200: OpenApiTypes.OBJECT},
                   summary="The daily summary of a day",
                   examples=None, description="The same fields as the report.daily event's "
                   f"data ({', '.join(EXAMPLES[EventType.REPORT_DAILY])}), plus sentAt.")
    def get(self, request):
        workspace = request_workspace(request)
        tz_name = _time_zone(workspace)
        day = _requested_day(request, tz_name)
        return Response(_daily_body(workspace=workspace, day=day, tz_name=tz_name))


class DailyReportCsvView(APIView):
    """The day's conversations, one row each, as the email's attachment."""

    required_scopes = "reports:read"
    renderer_classes = RENDERERS

    @extend_schema(parameters=[DATE_PARAMETER], responses={(200, "text/csv"): OpenApiTypes.STR},
                   summary="The conversations of a day as CSV")
    def get(self, request):
        workspace = request_workspace(request)
        tz_name = _time_zone(workspace)
        day = _requested_day(request, tz_name)
        response = HttpResponse(services.report_csv(workspace=workspace, day=day,
                                                    tz_name=tz_name),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="conversations-{day}.csv"'
        return response


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    """Reports sent, newest day first."""

    queryset = DailyReport.objects.filter(sent_at__isnull=False)
    serializer_class = ReportSerializer
    required_scopes = "reports:read"
    renderer_classes = RENDERERS

    @extend_schema(summary="Reports sent, newest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One sent report")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)
