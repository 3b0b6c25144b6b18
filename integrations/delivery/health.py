"""Destination health, for every kind: alert when failing starts, disable after days of failure.

Health changes of webhooks are also published as operational events (operational.py).
Works on any model with the `DestinationHealth` fields, so CRM connections and Zapier hooks
get the same alerts and auto-disable by calling these from their `on_success`/`on_failure`.
"""
import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.delivery import operational
from metachat.workspaces.selectors import workspace_emails_for_alerts

logger = logging.getLogger(__name__)


def health_record_success(*, model, destination_id: int) -> None:
    now = timezone.now()
    # Written when it changes something an operator sees (recovery, or a stamp older than a
    # minute): busy webhooks do not queue up on their own row for every delivery.
    rows = model.objects.filter(pk=destination_id)
    # A recovery is a conditional update of its own, so exactly one worker reports it.
    if rows.filter(failing_since__isnull=False).update(
            failing_since=None, last_success_at=now, last_error=""):
        operational.webhook_health_publish(model=model, destination_id=destination_id,
                                           what="recovered")
        return
    rows.filter(
        Q(last_success_at__isnull=True) | Q(last_success_at__lt=now - timedelta(minutes=1)),
    ).update(last_success_at=now, last_error="")


def health_record_failure(*, model, destination_id: int, error: str, label: str) -> None:
    """Count a failure: the first after a success starts the failing period (and alerts);
    one more than WEBHOOK_DISABLE_AFTER seconds into it disables the destination (and alerts)."""
    now = timezone.now()
    error = error[:500]
    rows = model.objects.filter(pk=destination_id)
    # Conditional updates, so of several workers failing at once exactly one sends the alert.
    started = rows.filter(failing_since__isnull=True).update(failing_since=now, last_error=error)
    if started:
        _alert(model, destination_id, label=label, what="failing", error=error)
        operational.webhook_health_publish(model=model, destination_id=destination_id,
                                           what="failing", error=error)
        return
    rows.update(last_error=error)
    cutoff = now - timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER)
    days = settings.WEBHOOK_DISABLE_AFTER / 86400
    reason = f"Disabled automatically: every delivery failed for {days:g} days. Last error: {error}"
    disabled = rows.filter(active=True, failing_since__lte=cutoff).update(
        active=False, disabled_reason=reason[:300]
    )
    if disabled:
        logger.warning("%s %s disabled: failing since before %s", label, destination_id, cutoff)
        _alert(model, destination_id, label=label, what="disabled", error=error)
        operational.webhook_health_publish(model=model, destination_id=destination_id,
                                           what="disabled", error=error)


def health_enable(*, destination) -> None:
    """Switch a destination back on with a clean slate (the caller resumes its deliveries)."""
    type(destination).objects.filter(pk=destination.pk).update(
        active=True, disabled_reason="", failing_since=None
    )
    destination.refresh_from_db()


def _alert(model, destination_id: int, *, label: str, what: str, error: str) -> None:
    destination = model.objects.select_related("workspace").get(pk=destination_id)
    recipients = workspace_emails_for_alerts(workspace=destination.workspace)
    if not recipients:
        return
    name = getattr(destination, "name", str(destination))
    if what == "failing":
        subject = f"[Meta Chat] {label} “{name}” is failing"
        body = (
            f"Deliveries to the {label.lower()} “{name}” of workspace {destination.workspace} "
            f"have started failing.\n\nLast error: {error}\n\nWe keep retrying. If it keeps "
            f"failing for {settings.WEBHOOK_DISABLE_AFTER / 86400:g} days it is disabled.\n"
        )
    else:
        subject = f"[Meta Chat] {label} “{name}” was disabled"
        body = (
            f"The {label.lower()} “{name}” of workspace {destination.workspace} was disabled "
            f"because every delivery failed for {settings.WEBHOOK_DISABLE_AFTER / 86400:g} days."
            f"\n\nLast error: {error}\n\nFix the receiver, then enable it again in the admin or "
            "the API: deliveries waiting for it resume.\n"
        )
    transaction.on_commit(
        lambda: send_mail(subject, body, None, recipients, fail_silently=True)
    )
