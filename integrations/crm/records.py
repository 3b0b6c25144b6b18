"""Turning an event into a CRM record through a connection's field mappings."""
import re
from dataclasses import dataclass, field
from datetime import datetime

from integrations.crm.sources import SourceField, source_values

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass
class CrmRecord:
    """One record to write: the mapped fields, and every source value (for contacts)."""

    fields: dict
    source: dict = field(default_factory=dict)
    is_test: bool = False

    @property
    def email(self) -> str:
        return self.source.get(SourceField.USER_EMAIL.value) or ""

    @property
    def user_name(self) -> str:
        return self.source.get(SourceField.USER_NAME.value) or ""


def fill_placeholders(template: str, values: dict) -> str:
    """`"Chat {conversation_id}"` → `"Chat conv_…"`; unknown names stay as written."""

    def replace(match):
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        return "" if value is None else str(value)

    return _PLACEHOLDER.sub(replace, template)


def apply_transform(value, transform: str):
    if value in (None, ""):
        return value
    if transform in ("date", "datetime", "unix_ms"):
        moment = _parse_moment(value)
        if moment is None:
            return value
        if transform == "date":
            return moment.date().isoformat()
        if transform == "datetime":
            return moment.isoformat().replace("+00:00", "Z")
        return int(moment.timestamp() * 1000)
    if transform == "percent":
        try:
            return round(float(value) * 100)
        except (TypeError, ValueError):
            return value
    if transform == "upper":
        return str(value).upper()
    if transform == "lower":
        return str(value).lower()
    if transform == "truncate_255":
        return str(value)[:255]
    return value


def _parse_moment(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def record_from_values(*, mappings, values: dict, is_test: bool = False) -> CrmRecord:
    fields = {}
    for mapping in mappings:
        if mapping.fixed_value:
            value = fill_placeholders(mapping.fixed_value, values)
        else:
            value = values.get(mapping.source_field)
        fields[mapping.target_field] = apply_transform(value, mapping.transform)
    return CrmRecord(fields=fields, source=values, is_test=is_test)


def record_build(*, connection, payload: dict) -> CrmRecord:
    """The record `connection` writes for one event payload."""
    values = source_values(workspace=connection.workspace, payload=payload)
    return record_from_values(mappings=list(connection.field_mappings.all()), values=values)
