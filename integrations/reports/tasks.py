"""Celery tasks of the reports: the beat fan-out and one send per due schedule."""
import datetime

from celery import shared_task

from integrations.reports import services


@shared_task(ignore_result=True)
def send_due_reports() -> None:
    for schedule_id, period in services.report_schedules_due():
        send_scheduled_report.delay(schedule_id, period.isoformat())


@shared_task(ignore_result=True)
def send_scheduled_report(schedule_id: int, period: str) -> None:
    services.report_send_scheduled(schedule_id=schedule_id,
                                   period=datetime.date.fromisoformat(period))
