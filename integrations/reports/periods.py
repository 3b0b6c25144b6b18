"""Which local day a report covers, and when a schedule is due, in its own time zone."""
import datetime
import zoneinfo

from integrations.reports.models import ReportKind, ReportSchedule


def day_bounds(day: datetime.date, tz_name: str) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a local day as aware datetimes: 23 or 25 hours long on DST days."""
    tz = zoneinfo.ZoneInfo(tz_name)
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz)
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def latest_due_period(schedule: ReportSchedule, now: datetime.datetime) -> datetime.date:
    """The newest period whose report should have gone out by `now`: yesterday once today's
    send time has passed, else the day before. A report missed while the service was down is
    therefore still due when it comes back, until the next one replaces it."""
    local = now.astimezone(zoneinfo.ZoneInfo(schedule.timezone))
    if schedule.kind == ReportKind.DAILY:
        days_back = 1 if local.time() >= schedule.send_at else 2
        return local.date() - datetime.timedelta(days=days_back)
    raise ValueError(f"unknown report kind {schedule.kind!r}")


def due_moment(schedule: ReportSchedule, period: datetime.date) -> datetime.datetime:
    """When the report of `period` goes out: the send time of the next local day (a send
    time skipped by a DST jump resolves as zoneinfo does, an hour later)."""
    tz = zoneinfo.ZoneInfo(schedule.timezone)
    return datetime.datetime.combine(period + datetime.timedelta(days=1), schedule.send_at,
                                     tzinfo=tz)


def local_today(tz_name: str, now: datetime.datetime) -> datetime.date:
    return now.astimezone(zoneinfo.ZoneInfo(tz_name)).date()


def next_send_moment(schedule: ReportSchedule, now: datetime.datetime) -> datetime.datetime:
    """When the schedule sends its next report: today's send time if it is still ahead,
    else tomorrow's (local time, in the schedule's zone)."""
    return due_moment(schedule, latest_due_period(schedule, now) + datetime.timedelta(days=1))
