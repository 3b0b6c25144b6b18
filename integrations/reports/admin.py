"""Report schedules (owners and admins edit them, with a preview and "Send now") and the
reports sent (read-only, with their numbers)."""
import datetime

from django import forms
from django.contrib import admin, messages
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from integrations.reports import selectors, services
from integrations.reports.models import DailyReport, ReportSchedule
from integrations.reports.periods import local_today
from metachat.workspaces.models import Workspace
from metachat.workspaces.scoping import WorkspaceScopedAdminMixin, editable_workspace_ids


class SendNowForm(forms.Form):
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}),
                          help_text="The local day to summarise (in the schedule's time zone).")


def _yesterday(tz_name: str) -> datetime.date:
    return local_today(tz_name, datetime.datetime.now(datetime.UTC)) - datetime.timedelta(days=1)


@admin.register(ReportSchedule)
class ReportScheduleAdmin(WorkspaceScopedAdminMixin, admin.ModelAdmin):
    list_display = ("workspace", "kind", "send_at", "timezone", "recipients", "active",
                    "last_period", "last_sent_at")
    list_filter = ("kind", "active")
    list_select_related = ("workspace",)
    fields = ("workspace", "kind", "send_at", "timezone", "recipients", "active",
              "last_period", "last_sent_at", "email_preview")
    readonly_fields = ("last_period", "last_sent_at", "email_preview")
    actions = ["send_now"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return ("workspace", *self.readonly_fields)  # a schedule never moves to another tenant

    def save_model(self, request, obj, form, change):
        workspace = obj.workspace if change else Workspace.objects.get(
            pk=self.workspace_to_create_in(request, obj.workspace_id))
        saved = services.report_schedule_save(
            workspace=workspace, schedule=obj if change else None, kind=obj.kind,
            send_at=obj.send_at, timezone=obj.timezone, recipients=obj.recipients,
            active=obj.active,
        )
        obj.pk, obj.created_at, obj._state.adding = saved.pk, saved.created_at, False

    def get_changeform_initial_data(self, request):
        # A new schedule starts in the time zone of the operator's workspace (a read of the
        # scoping rule's editable workspaces, not a second copy of it).
        initial = super().get_changeform_initial_data(request)
        ids = editable_workspace_ids(request)
        if len(ids) == 1:
            initial.setdefault("timezone", Workspace.objects.get(pk=next(iter(ids))).timezone)
        return initial

    @admin.display(description="Email preview (yesterday)")
    def email_preview(self, obj):
        if obj is None or obj.pk is None:
            return "Save the schedule to see its email."
        day = _yesterday(obj.timezone)
        summary = selectors.daily_summary(workspace=obj.workspace, day=day, tz_name=obj.timezone)
        previous = selectors.daily_summary(workspace=obj.workspace,
                                           day=day - datetime.timedelta(days=1),
                                           tz_name=obj.timezone)
        html = render_to_string("reports/daily_email.html", services.email_context(
            workspace=obj.workspace, summary=summary, previous=previous))
        return format_html('<iframe title="Email preview" srcdoc="{}" style="width: 640px; '
                           'height: 720px; border: 1px solid #ccc;"></iframe>', html)

    @admin.action(description="Send now (a chosen day)…")
    def send_now(self, request, queryset):
        editable = self.changeable(request, queryset.select_related("workspace"))
        if request.POST.get("confirm") == "yes":
            form = SendNowForm(request.POST)
            if form.is_valid():
                day = form.cleaned_data["day"]
                for schedule in editable:
                    try:
                        report = services.report_send_now(workspace=schedule.workspace, day=day)
                    except Exception as error:  # the mail server refused or is down
                        self.message_user(request, f"“{schedule.workspace}”: the report of "
                                          f"{day} was not sent: {error}", messages.ERROR)
                        continue
                    if report is None:
                        self.message_user(request, f"“{schedule.workspace}”: the report of "
                                          f"{day} is being sent right now.", messages.WARNING)
                    else:
                        self.message_user(request, f"“{schedule.workspace}”: sent the report "
                                          f"of {day} ({report.public_id}).", messages.SUCCESS)
                return None
        else:
            tz_name = editable[0].timezone if editable else "UTC"
            form = SendNowForm(initial={"day": _yesterday(tz_name)})
        names = ", ".join(f"“{s.workspace}”" for s in editable) or "nothing you may change"
        return TemplateResponse(request, "admin/action_form.html", {
            **self.admin_site.each_context(request), "form": form,
            "selected": [s.pk for s in editable], "action": "send_now",
            "title": "Send a daily report now", "submit": "Send now",
            "intro": format_html(
                "The daily report of the day below is sent now for {}: emailed to the "
                "schedule's recipients and published as <code>report.daily</code> to webhooks "
                "and Zapier. A day already sent is sent again.", names),
        })


@admin.register(DailyReport)
class DailyReportAdmin(WorkspaceScopedAdminMixin, admin.ModelAdmin):
    """What was sent: read-only."""

    list_display = ("period", "workspace", "kind", "started", "escalations", "sent_at")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    list_select_related = ("workspace",)
    date_hierarchy = "period"
    fields = ("public_id", "workspace", "kind", "period", "timezone", "recipients", "sent_at",
              "attempts", "numbers")
    readonly_fields = fields

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Conversations")
    def started(self, obj):
        return obj.summary.get("conversationsStarted")

    @admin.display(description="Escalations")
    def escalations(self, obj):
        return obj.summary.get("escalations")

    @admin.display(description="Numbers")
    def numbers(self, obj):
        rows = [(key, value) for key, value in obj.summary.items()]
        return format_html("<table>{}</table>", format_html_join(
            "", "<tr><th>{}</th><td>{}</td></tr>", rows))
