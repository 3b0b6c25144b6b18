"""API routes of the reports, included under /v1/."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from integrations.reports.api import DailyReportCsvView, DailyReportView, ReportViewSet

router = SimpleRouter(trailing_slash=False)
router.register("reports", ReportViewSet, basename="report")

urlpatterns = [
    path("reports/daily", DailyReportView.as_view(), name="report-daily"),
    path("reports/daily.csv", DailyReportCsvView.as_view(), name="report-daily-csv"),
    path("", include(router.urls)),
]
