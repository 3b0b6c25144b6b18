"""What every destination's admin page shares: its delivery log table, the action that
re-sends its failures since a time, and bulk actions shown only to those who may act."""
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from integrations.delivery.services import destination_recover


class RecoverForm(forms.Form):
    since = forms.SplitDateTimeField(
        label="Failed since", widget=forms.SplitDateTimeWidget(
            date_attrs={"type": "date"}, time_attrs={"type": "time"}),
        help_text="Deliveries created from this time on that failed for good are re-sent.",
    )


@admin.action(description="Re-send failed deliveries since…")
def recover_failed_deliveries(modeladmin, request, queryset):
    """Shared by every destination's admin (webhooks, CRM connections, Zapier hooks)."""
    editable = modeladmin.changeable(request, queryset)
    if request.POST.get("confirm") == "yes":
        form = RecoverForm(request.POST)
        if form.is_valid():
            for destination in editable:
                try:
                    recovery = destination_recover(
                        destination=destination, since=form.cleaned_data["since"],
                        requested_by=str(request.user),
                    )
                except ValidationError as error:
                    modeladmin.message_user(request, "; ".join(error.messages), messages.ERROR)
                    return None
                modeladmin.message_user(
                    request, f"“{destination}”: re-sending its failures since "
                             f"{recovery.since:%Y-%m-%d %H:%M} ({recovery.public_id}).",
                    messages.SUCCESS)
            return None
    else:
        form = RecoverForm(initial={"since": timezone.now() - timedelta(days=1)})
    names = ", ".join(f"“{d}”" for d in editable) or "nothing you may change"
    return TemplateResponse(request, "admin/action_form.html", {
        **modeladmin.admin_site.each_context(request), "form": form,
        "selected": [d.pk for d in editable], "action": "recover_failed_deliveries",
        "title": "Re-send failed deliveries", "submit": "Re-send failures",
        "intro": f"Every delivery to {names} that failed for good since the time below is sent "
                 "again, with its original event id. This runs in the background; each run is "
                 "logged under Recoveries.",
    })



def deliveries_table(deliveries):
    """The admin's delivery log: event, id, status and each attempt in one line, newest first."""
    rows = []
    for delivery in deliveries:
        attempts = ", ".join(
            a.summary for a in sorted(delivery.attempts.all(), key=lambda a: a.number)
        )
        url = reverse("admin:integrations_delivery_change", args=[delivery.pk])
        rows.append((url, delivery.event.type, delivery.event.public_id, delivery.status,
                     attempts or "no attempt yet"))
    if not rows:
        return "No deliveries yet."
    return format_html(
        "<table><tr><th>Event</th><th>Id</th><th>Status</th><th>Attempts</th></tr>{}</table>",
        format_html_join("", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td>'
                             "<td>{}</td></tr>", rows),
    )
