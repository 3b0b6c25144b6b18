"""The only writers of CRM connection state: connect, map fields, test, disconnect, sync."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from integrations.crm.models import CrmConnection, FieldMapping
from integrations.crm.providers import provider_class, providers
from integrations.crm.providers.base import (
    CrmAuthError,
    CrmConfigError,
    CrmError,
    CrmProvider,
    PushResult,
)
from integrations.crm.records import CrmRecord, record_build, record_from_values
from integrations.crm.selectors import DESTINATION_KIND
from integrations.crm.sources import SourceField
from integrations.delivery import health, operational
from integrations.delivery.services import deliveries_cancel, deliveries_resume
from metachat.events.catalogue import OPERATIONAL_EVENTS, EventType

logger = logging.getLogger(__name__)

TEST_VALUES = {
    SourceField.CONVERSATION_ID: "conv_test",
    SourceField.USER_ID: "user_test",
    SourceField.USER_NAME: "Meta Chat test contact",
    SourceField.USER_EMAIL: "metachat-test@example.com",
    SourceField.USER_MESSAGE: "This is a test record from Meta Chat.",
    SourceField.BOT_RESPONSE: "If you can read this, the connection works.",
    SourceField.TRANSCRIPT: "User: This is a test record from Meta Chat.\n"
    "Bot: If you can read this, the connection works.",
    SourceField.DURATION: 0,
    SourceField.MESSAGE_COUNT: 2,
    SourceField.CONFIDENCE: 1.0,
    SourceField.ESCALATION_REASON: "",
    SourceField.END_REASON: "test",
    SourceField.EVENT_TYPE: "test",
    SourceField.EVENT_ID: "evt_test",
}


class CrmInputError(Exception):
    """The request cannot be carried out as given; `fields` names what to fix."""

    def __init__(self, message: str, *, code: str = "validation_error", fields=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}


@dataclass
class MappingSpec:
    target_field: str
    source_field: str = ""
    fixed_value: str = ""
    transform: str = ""


# --- checks shared by the admin and the API ------------------------------------------------
def crm_provider_get(*, provider: str) -> type[CrmProvider]:
    try:
        return provider_class(provider)
    except LookupError:
        known = ", ".join(providers())
        raise CrmInputError(
            f"Unknown CRM {provider!r}; choose one of {known}.", fields={"provider": [
                f"Choose one of {known}."]},
        ) from None


def crm_credentials_clean(*, provider_cls: type[CrmProvider], credentials: dict) -> dict:
    if not isinstance(credentials, dict):
        raise CrmInputError("credentials must be an object.",
                            fields={"credentials": ["Must be an object."]})
    try:
        return provider_cls.clean_credentials(credentials)
    except ValueError as error:
        message, field = error.args[0], error.args[1] if len(error.args) > 1 else "credentials"
        raise CrmInputError(message, fields={f"credentials.{field}": [message]}) from None


def crm_target_object_clean(*, provider_cls: type[CrmProvider], target_object: str) -> str:
    target_object = (target_object or "").strip() or provider_cls.default_target_object
    if target_object in provider_cls.target_objects:
        return target_object
    clean = getattr(provider_cls, "clean_target_object", None)
    if provider_cls.any_target_object and clean is not None:
        try:
            return clean(target_object)
        except ValueError as error:
            raise CrmInputError(str(error), fields={"target_object": [str(error)]}) from None
    choices = ", ".join(provider_cls.target_objects)
    message = f"{provider_cls.label} records can be: {choices}."
    raise CrmInputError(message, fields={"target_object": [message]})


def crm_events_clean(*, events) -> list[str]:
    if events is None:
        return [EventType.CONVERSATION_ENDED.value]
    if not isinstance(events, list) or not events:
        message = "Choose at least one event."
        raise CrmInputError(message, fields={"events": [message]})
    unknown = [e for e in events if e not in EventType.values]
    if unknown:
        message = f"Unknown event {unknown[0]!r}; choose from {', '.join(EventType.values)}."
        raise CrmInputError(message, fields={"events": [message]})
    return list(dict.fromkeys(events))


def field_mappings_clean(*, mappings, provider_cls=None) -> list[MappingSpec]:
    if not isinstance(mappings, list):
        raise CrmInputError("fieldMappings must be a list.",
                            fields={"field_mappings": ["Must be a list."]})
    specs, seen, errors = [], set(), {}
    for index, raw in enumerate(mappings):
        raw = raw if isinstance(raw, dict) else {}
        spec = MappingSpec(
            target_field=str(raw.get("target_field") or "").strip(),
            source_field=str(raw.get("source_field") or "").strip(),
            fixed_value=str(raw.get("fixed_value") or ""),
            transform=str(raw.get("transform") or "").strip(),
        )
        problem = None
        if not spec.target_field:
            problem = "Give the CRM field to write (targetField)."
        elif len(spec.target_field) > 120 or len(spec.fixed_value) > 1000:
            problem = "targetField is at most 120 characters, fixedValue at most 1000."
        elif spec.target_field in seen:
            problem = f"{spec.target_field} is mapped twice."
        elif not spec.fixed_value and spec.source_field not in SourceField.values:
            problem = ("Choose a sourceField (" + ", ".join(SourceField.values) +
                       ") or give a fixedValue.")
        elif provider_cls is not None and provider_cls.target_field_problem(spec.target_field):
            problem = provider_cls.target_field_problem(spec.target_field)
        elif spec.transform not in FieldMapping.Transform.values:
            problem = "transform is one of: " + ", ".join(
                t for t in FieldMapping.Transform.values if t) + " (or empty)."
        if problem:
            errors[f"field_mappings.{index}"] = [problem]
        seen.add(spec.target_field)
        specs.append(spec)
    if errors:
        raise CrmInputError(next(iter(errors.values()))[0], fields=errors)
    return specs


def _validate_with_crm(provider: CrmProvider) -> None:
    """Ask the CRM whether these credentials work; a refusal is the operator's input error."""
    try:
        provider.validate_credentials()
    except CrmAuthError as error:
        raise CrmInputError(error.message, code="crm_credentials_rejected",
                            fields={"credentials": [error.message]}) from None
    except CrmConfigError as error:
        field = error.field or "credentials"
        raise CrmInputError(error.message, code="crm_rejected",
                            fields={field: [error.message]}) from None
    except CrmError as error:
        raise CrmInputError(error.message, code="crm_unavailable") from None


VALID_NAMES_SHOWN = 300  # a Salesforce object can have hundreds of fields: all fit in a message


def crm_target_fields_check(*, provider: CrmProvider, target_fields: list[str]) -> None:
    """Refuse target fields the CRM's own field list does not have (naming the valid ones).

    Providers whose targets are free text (note labels) have no list and accept anything."""
    try:
        names = provider.target_field_names()
    except CrmAuthError as error:
        raise CrmInputError(error.message, code="crm_credentials_rejected",
                            fields={"credentials": [error.message]}) from None
    except CrmConfigError as error:
        raise CrmInputError(error.message, code="crm_rejected",
                            fields={error.field or "target_object": [error.message]}) from None
    except CrmError as error:
        raise CrmInputError(f"Could not check the fields with the CRM: {error.message}",
                            code="crm_unavailable") from None
    if names is None:
        return
    known = set(names)
    valid = ", ".join(names[:VALID_NAMES_SHOWN]) + ("…" if len(names) > VALID_NAMES_SHOWN else "")
    errors = {
        f"field_mappings.{index}": [
            f"{provider.label} {provider.target_object} has no field {target!r}. "
            f"Valid fields: {valid}."]
        for index, target in enumerate(target_fields) if target not in known
    }
    if errors:
        raise CrmInputError(next(iter(errors.values()))[0], fields=errors)


# --- services ---------------------------------------------------------------------------------
def crm_connection_connect(
    *, workspace, provider: str, name: str, credentials: dict, target_object: str = "",
    events: list[str] | None = None, field_mappings: list | None = None,
    verified: bool = False,
) -> CrmConnection:
    """Check the credentials with the CRM, then save the connection with its mapping
    (the provider's default unless one is given). Nothing is saved when the CRM refuses.
    `verified` skips the check when `crm_connection_check` just did it (the admin form)."""
    provider_cls = crm_provider_get(provider=provider)
    name = (name or "").strip() or provider_cls.label
    cleaned = crm_credentials_clean(provider_cls=provider_cls, credentials=credentials)
    target = crm_target_object_clean(provider_cls=provider_cls, target_object=target_object)
    events = crm_events_clean(events=events)
    specs = (
        field_mappings_clean(mappings=field_mappings, provider_cls=provider_cls)
        if field_mappings is not None
        else [MappingSpec(**vars(m)) for m in provider_cls.default_mapping(target)]
    )
    if not verified:
        _validate_with_crm(provider_cls(credentials=cleaned, target_object=target))
    if field_mappings is not None:
        crm_target_fields_check(provider=provider_cls(credentials=cleaned, target_object=target),
                                target_fields=[spec.target_field for spec in specs])
    with transaction.atomic():
        connection = CrmConnection.objects.create(
            workspace=workspace, provider=provider_cls.key, name=name[:200],
            credentials=cleaned, target_object=target, events=events,
            status=CrmConnection.Status.CONNECTED,
        )
        _mappings_write(connection=connection, specs=specs)
    logger.info("crm connection %s (%s) connected", connection.public_id, provider_cls.key)
    return connection


def crm_connection_check(
    *, provider: str, credentials: dict, target_object: str = "", stored: dict | None = None,
    stored_target: str | None = None,
) -> tuple[dict, str]:
    """Clean the credentials (blank values take `stored` ones) and the target object, and
    ask the CRM whether they work — unless both are what is stored already. Returns them
    cleaned; raises CrmInputError."""
    provider_cls = crm_provider_get(provider=provider)
    merged = dict(stored or {})
    merged.update({k: v for k, v in (credentials or {}).items() if str(v or "").strip()})
    cleaned = crm_credentials_clean(provider_cls=provider_cls, credentials=merged)
    target = crm_target_object_clean(provider_cls=provider_cls, target_object=target_object)
    if (cleaned, target) != (stored, stored_target):
        _validate_with_crm(provider_cls(credentials=cleaned, target_object=target))
    return cleaned, target


def crm_connection_update(
    *, connection: CrmConnection, name: str | None = None, credentials: dict | None = None,
    target_object: str | None = None, events: list[str] | None = None,
    verified: bool = False,
) -> CrmConnection:
    """Change a connection's settings; new credentials (blank values keep the stored ones)
    are checked with the CRM first."""
    provider_cls = crm_provider_get(provider=connection.provider)
    target = connection.target_object
    if target_object is not None:
        target = crm_target_object_clean(provider_cls=provider_cls, target_object=target_object)
    merged = dict(connection.credentials or {})
    if credentials:
        merged.update({k: v for k, v in credentials.items() if str(v or "").strip()})
    cleaned = crm_credentials_clean(provider_cls=provider_cls, credentials=merged)
    if cleaned != connection.credentials or target != connection.target_object:
        if not verified:
            _validate_with_crm(provider_cls(credentials=cleaned, target_object=target))
        if connection.status == CrmConnection.Status.ERROR:
            connection.status = CrmConnection.Status.CONNECTED
            connection.last_error = ""
    connection.credentials = cleaned
    connection.target_object = target
    if name is not None and name.strip():
        connection.name = name.strip()[:200]
    if events is not None:
        connection.events = crm_events_clean(events=events)
    connection.save()
    return connection


def field_mappings_check(*, connection: CrmConnection, mappings: list) -> list[MappingSpec]:
    """The rules a new mapping must meet: each row's (with the provider's own), then the
    CRM's field list. Raises CrmInputError naming the first bad row; writes nothing."""
    specs = field_mappings_clean(
        mappings=mappings, provider_cls=crm_provider_get(provider=connection.provider)
    )
    crm_target_fields_check(provider=crm_provider_for(connection=connection),
                            target_fields=[spec.target_field for spec in specs])
    return specs


def field_mappings_replace(*, connection: CrmConnection, mappings: list) -> list[FieldMapping]:
    """Replace the mapping, after `field_mappings_check`."""
    specs = field_mappings_check(connection=connection, mappings=mappings)
    with transaction.atomic():
        connection.field_mappings.all().delete()
        return _mappings_write(connection=connection, specs=specs)


def _mappings_write(*, connection, specs: list[MappingSpec]) -> list[FieldMapping]:
    return FieldMapping.objects.bulk_create(
        FieldMapping(
            connection=connection, target_field=spec.target_field,
            source_field="" if spec.fixed_value else spec.source_field,
            fixed_value=spec.fixed_value, transform=spec.transform, position=index,
        )
        for index, spec in enumerate(specs)
    )


def crm_provider_for(*, connection: CrmConnection) -> CrmProvider:
    cls = provider_class(connection.provider)
    return cls(credentials=connection.credentials, target_object=connection.target_object)


def crm_connection_test(*, connection: CrmConnection) -> str:
    """Create a clearly labelled test record in the CRM and return its id.

    A refusal puts the connection in `error` with the CRM's reason, and is raised."""
    record = record_from_values(
        mappings=list(connection.field_mappings.all()),
        values={str(k): v for k, v in TEST_VALUES.items()} | {
            SourceField.TIMESTAMP.value: timezone.now().isoformat().replace("+00:00", "Z")},
        is_test=True,
    )
    try:
        record_id = crm_provider_for(connection=connection).create_test_record(record)
    except CrmError as error:
        crm_connection_mark_refused(connection_id=connection.pk, error=error)
        connection.refresh_from_db()
        raise
    crm_connection_record_success(connection_id=connection.pk)
    connection.refresh_from_db()
    return record_id


def crm_connection_disconnect(*, connection: CrmConnection) -> CrmConnection:
    """Stop syncing. The credentials stay (encrypted) so Reconnect needs no re-typing."""
    connection.status = CrmConnection.Status.DISCONNECTED
    connection.save(update_fields=["status", "updated_at"])
    return connection


def crm_connection_delete(*, connection: CrmConnection) -> None:
    """Remove the connection and its stored credentials; its waiting records are dropped."""
    with transaction.atomic():
        deliveries_cancel(destination_kind=DESTINATION_KIND, destination_id=connection.pk)
        connection.delete()


def crm_connection_reconnect(
    *, connection: CrmConnection, credentials: dict | None = None
) -> CrmConnection:
    """Check the (optionally fresh) credentials with the CRM and start syncing again."""
    provider_cls = crm_provider_get(provider=connection.provider)
    merged = dict(connection.credentials or {})
    merged.update({k: v for k, v in (credentials or {}).items() if str(v or "").strip()})
    cleaned = crm_credentials_clean(provider_cls=provider_cls, credentials=merged)
    _validate_with_crm(provider_cls(credentials=cleaned, target_object=connection.target_object))
    connection.credentials = cleaned
    connection.status = CrmConnection.Status.CONNECTED
    connection.last_error = ""
    # A connection the pipeline switched off after days of failures starts afresh.
    connection.active = True
    connection.disabled_reason = ""
    connection.failing_since = None
    connection.save()
    # Deliveries that waited while it was disconnected or switched off go out now.
    deliveries_resume(destination_kind=DESTINATION_KIND, destination_id=connection.pk)
    return connection


# --- health, called by the delivery pipeline ---------------------------------------------------
def crm_connection_mark_refused(*, connection_id: int, error: CrmError,
                                publish: bool = True) -> None:
    """The CRM refused the call: remember why. A permanent refusal (credentials, an unknown
    field or object, no permission) puts the connection in `error` and alerts, once, until
    an operator fixes it; a transient one is only noted."""
    rows = CrmConnection.objects.filter(pk=connection_id)
    rows.update(last_error=error.message[:2000], last_error_at=timezone.now())
    if not error.permanent:
        return
    # The delivery is not retried, so the pipeline's failure bookkeeping does not run: the
    # connection shows as failing from now on all the same.
    rows.filter(failing_since__isnull=True).update(failing_since=timezone.now())
    # Conditional, so of several workers refused at once exactly one alerts.
    turned = rows.exclude(status__in=[CrmConnection.Status.DISCONNECTED,
                                      CrmConnection.Status.ERROR]).update(
        status=CrmConnection.Status.ERROR)
    if turned:
        _alert_error(connection_id=connection_id, reason=error.message, publish=publish)


def crm_record_rejected(*, connection: CrmConnection, result: PushResult,
                        event_type: str = "") -> str:
    """The CRM rejected one record for good: name the mapping row that caused it (by the
    fields the CRM named, else by a target field its message quotes), put the connection in
    `error`, and return the message the delivery log keeps."""
    mappings = list(connection.field_mappings.all())
    culprit = next((m for m in mappings if m.target_field in result.fields), None) or next(
        (m for m in mappings if m.target_field and m.target_field in result.error), None)
    message = result.error
    if culprit is not None:
        row = mappings.index(culprit) + 1
        source = culprit.source_field or f"fixed value {culprit.fixed_value[:40]!r}"
        message = (f"{message} Caused by field mapping row {row} ({source} → "
                   f"{culprit.target_field}): fix or remove that row, then press Test.")
    crm_connection_mark_refused(connection_id=connection.pk,
                                error=CrmConfigError(message, status=result.status),
                                publish=event_type not in OPERATIONAL_EVENTS)
    return message


def _alert_error(*, connection_id: int, reason: str, publish: bool) -> None:
    """Mail the workspace's owners and admins, as for a failing webhook, and publish
    `crm.error` (unless what failed was itself an operational event)."""
    from django.core.mail import send_mail

    from metachat.workspaces.selectors import workspace_emails_for_alerts

    connection = CrmConnection.objects.select_related("workspace").get(pk=connection_id)
    logger.warning("crm connection %s in error: %s", connection.public_id, reason[:300])
    if publish:
        operational.crm_error_publish(connection=connection, reason=reason)
    recipients = workspace_emails_for_alerts(workspace=connection.workspace)
    if not recipients:
        return
    subject = f"[Meta Chat] CRM connection “{connection.name}” needs attention"
    body = (f"The CRM connection “{connection.name}” ({connection.provider}) of workspace "
            f"{connection.workspace} stopped syncing: the CRM refused a record, and trying "
            f"again cannot help.\n\nThe CRM's reason: {reason}\n\nFix it in the admin "
            "(credentials or field mapping), press Test, then redeliver the failed records.\n")
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))


def crm_connection_record_failure(*, connection_id: int, error: str) -> None:
    """A delivery failed: the pipeline's health bookkeeping (alert when failing starts,
    switch off after days of failures)."""
    health.health_record_failure(
        model=CrmConnection, destination_id=connection_id, error=error, label="CRM connection"
    )
    CrmConnection.objects.filter(pk=connection_id).update(last_error_at=timezone.now())


def crm_connection_record_success(*, connection_id: int) -> None:
    health.health_record_success(model=CrmConnection, destination_id=connection_id)
    CrmConnection.objects.filter(pk=connection_id, status=CrmConnection.Status.ERROR).update(
        status=CrmConnection.Status.CONNECTED)


# --- sync ---------------------------------------------------------------------------------------
def crm_records_push(*, connection: CrmConnection, payloads: list[dict]) -> list[PushResult]:
    """Write one record per event payload, in batches of the provider's size.

    Raises CrmError when a whole call fails (credentials, rate limit, outage); a permanent
    refusal also puts the connection in `error`."""
    provider = crm_provider_for(connection=connection)
    records: list[CrmRecord] = [record_build(connection=connection, payload=p) for p in payloads]
    results: list[PushResult] = []
    for start in range(0, len(records), provider.max_batch):
        batch = records[start:start + provider.max_batch]
        try:
            results.extend(provider.push(batch))
        except CrmError as error:
            if error.permanent:
                crm_connection_mark_refused(
                    connection_id=connection.pk, error=error,
                    publish=not any(p.get("event") in OPERATIONAL_EVENTS for p in payloads))
            raise
    return results
