"""GET /v1/reports/daily, /v1/reports/daily.csv and /v1/reports."""
import datetime
import zoneinfo

import pytest

from integrations.reports import services
from integrations.reports.models import ReportSchedule
from tests.reports.builders import berlin_day

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def berlin(workspace):
    ReportSchedule.objects.create(workspace=workspace, timezone="Europe/Berlin")
    berlin_day(workspace, BERLIN)
    return workspace


def test_the_daily_summary_of_a_day_not_sent_is_computed_on_demand(api_client, berlin):
    response = api_client.get("/v1/reports/daily", {"date": "2026-03-10"})

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["reportId"] is None and data["sentAt"] is None
    assert data["conversationsStarted"] == 4
    assert data["escalationsByReason"] == {"low_confidence": 1, "user_requested": 1}
    assert data["medianDurationSeconds"] == 300
    assert data["topQuestions"][0] == {"question": "how long is shipping", "count": 3}


def test_a_sent_report_is_returned_as_sent_with_the_same_numbers(api_client, berlin):
    report = services.report_send_now(workspace=berlin, day=datetime.date(2026, 3, 10))

    data = api_client.get("/v1/reports/daily", {"date": "2026-03-10"}).json()["data"]
    listed = api_client.get("/v1/reports").json()
    one = api_client.get(f"/v1/reports/{report.public_id}").json()["data"]

    assert data["reportId"] == report.public_id
    assert {k: v for k, v in data.items() if k not in ("reportId", "sentAt")} == report.summary
    assert listed["pagination"]["total"] == 1
    assert listed["data"][0]["id"] == report.public_id
    assert listed["data"][0]["date"] == "2026-03-10"
    assert one["summary"]["escalations"] == 2
    assert one["sentAt"]


def test_the_csv_has_one_row_per_conversation(api_client, berlin):
    response = api_client.get("/v1/reports/daily.csv", {"date": "2026-03-10"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="conversations-2026-03-10.csv"' in response["Content-Disposition"]
    lines = response.content.decode().strip().splitlines()
    assert lines[0].startswith("conversationId,userId,channel,status,startedAt")
    assert len(lines) == 5


@pytest.mark.parametrize("url", ["/v1/reports/daily", "/v1/reports/daily.csv"])
@pytest.mark.parametrize("date", ["yesterday", "2026-02-30", "2026-3-1", "20260310", "\x00",
                                  "2999-01-01"])
def test_a_bad_or_future_date_is_a_400_in_the_envelope(api_client, berlin, url, date):
    response = api_client.get(url, {"date": date})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "date" in error["fields"]


def test_reports_need_the_reports_read_scope(make_api_client, workspace):
    client = make_api_client(workspace, scopes=["chat:write"])

    for url in ("/v1/reports/daily", "/v1/reports/daily.csv", "/v1/reports"):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "insufficient_scope"


def test_without_a_date_it_is_yesterday_in_the_schedules_time_zone(api_client, berlin):
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 3, 11, 0, 30, tzinfo=BERLIN), tick=False):
        data = api_client.get("/v1/reports/daily").json()["data"]

    assert data["date"] == "2026-03-10"
    assert data["conversationsStarted"] == 4
