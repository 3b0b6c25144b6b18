"""The summary's numbers are those of the conversations of the workspace's local day."""
import datetime
import zoneinfo

from integrations.reports.selectors import daily_summary
from tests.reports.builders import berlin_day

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def test_the_summary_counts_exactly_the_local_days_conversations(workspace, other_workspace):
    berlin_day(workspace, BERLIN)
    berlin_day(other_workspace, BERLIN)  # never mixed in

    summary = daily_summary(workspace=workspace, day=datetime.date(2026, 3, 10),
                            tz_name="Europe/Berlin")

    assert summary["date"] == "2026-03-10"
    assert summary["conversationsStarted"] == 4
    assert summary["conversationsEnded"] == 3
    assert summary["messages"] == 12  # 6 questions, 6 answers
    assert summary["distinctUsers"] == 3
    assert summary["escalations"] == 2
    assert summary["escalationRate"] == 0.5
    assert summary["escalationsByReason"] == {"low_confidence": 1, "user_requested": 1}
    assert summary["answers"] == 6
    # confidences 0.9, 0.8, 0.7, 0.6, 0.2, 0.4
    assert summary["averageConfidence"] == round((0.9 + 0.8 + 0.7 + 0.6 + 0.2 + 0.4) / 6, 4)
    assert summary["lowestDecileConfidence"] == 0.2
    assert summary["belowThresholdShare"] == round(2 / 6, 4)  # 0.2 and 0.4 below 0.5
    assert summary["medianDurationSeconds"] == 300  # 120, 300, 600
    assert summary["busiestHour"] == 14
    assert summary["conversationsByHour"][14] == 3
    assert summary["conversationsByHour"][9] == 1
    assert sum(summary["conversationsByHour"]) == 4
    assert summary["topQuestions"][0] == {"question": "how long is shipping", "count": 3}
    assert {"question": "can i pay with crypto", "count": 1} in summary["topQuestions"]
    assert summary["unansweredQuestions"] == [{"question": "can i pay with crypto", "count": 1}]
    assert summary["failedDeliveries"] == {"webhook": 1, "crm": 0, "zapier": 0}


def test_the_same_moments_fall_on_other_days_in_another_time_zone(workspace):
    berlin_day(workspace, BERLIN)

    # 14:00-14:45 Berlin is 13:00-13:45 UTC; 09:15 Berlin is 08:15 UTC
    summary = daily_summary(workspace=workspace, day=datetime.date(2026, 3, 10), tz_name="UTC")

    assert summary["conversationsByHour"][13] == 3
    assert summary["conversationsByHour"][8] == 1
    # 23:59 Berlin of the 9th is 22:59 UTC of the 9th; 00:00 of the 11th is 23:00 UTC the 10th
    assert summary["conversationsStarted"] == 5


def test_an_empty_day_has_zeros_and_no_averages(workspace):
    summary = daily_summary(workspace=workspace, day=datetime.date(2026, 3, 10),
                            tz_name="Europe/Berlin")

    assert summary["conversationsStarted"] == 0
    assert summary["escalationRate"] == 0.0
    assert summary["averageConfidence"] is None
    assert summary["medianDurationSeconds"] is None
    assert summary["busiestHour"] is None
    assert summary["topQuestions"] == []
