"""`manage.py send_daily_reports [--workspace ws_…] [--date YYYY-MM-DD] [--force]`."""
import datetime

from django.core.management.base import BaseCommand, CommandError

from integrations.reports import selectors, services
from integrations.reports.models import ReportSchedule
from metachat.workspaces.models import Workspace


class Command(BaseCommand):
    help = ("Send the daily reports that are due now (what beat does), or with --date that "
            "day's report. Each report goes out once; --force sends an already-sent day again.")

    def add_arguments(self, parser):
        parser.add_argument("--workspace", help="Only this workspace (ws_…).")
        parser.add_argument("--date", help="The local day to send (YYYY-MM-DD) instead of "
                            "the due ones; needs no schedule (then the workspace's time zone).")
        parser.add_argument("--force", action="store_true",
                            help="With --date: send it even if it was sent already.")

    def handle(self, *args, workspace=None, date=None, force=False, **options):
        ws = None
        if workspace:
            ws = Workspace.objects.filter(public_id=workspace).first()
            if ws is None:
                raise CommandError(f"No workspace with id {workspace!r}.")
        if date:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"{date!r} is not a date; write it as YYYY-MM-DD.") from None
            if ws is not None:
                workspaces = [ws]
            else:
                workspaces = [s.workspace for s in selectors.active_schedules()]
            for target in workspaces:
                report = services.report_send_now(workspace=target, day=day, force=force)
                self._say(target, day, report)
            return
        due = services.report_schedules_due()
        schedules = ReportSchedule.objects.select_related("workspace").in_bulk(
            [schedule_id for schedule_id, _ in due])
        for schedule_id, period in due:
            schedule = schedules[schedule_id]
            if ws is not None and schedule.workspace_id != ws.pk:
                continue
            report = services.report_send_scheduled(schedule_id=schedule_id, period=period)
            self._say(schedule.workspace, period, report)

    def _say(self, workspace, day, report) -> None:
        if report is None:
            self.stdout.write(f"{workspace.public_id} {day}: already sent or being sent")
        else:
            self.stdout.write(f"{workspace.public_id} {day}: sent {report.public_id} to "
                              f"{len(report.recipients)} recipient(s)")
