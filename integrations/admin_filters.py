"""The webhook form's filter editor: each condition a row (field, operator, value), stored as
the same `[{"field", "op", "value"}]` JSON the API takes, each row checked by the filter
language's own validation."""
import json
import re
from typing import NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations.webhooks.filters import OPERATORS, condition_validate
from metachat.events.catalogue import SPECS

OPERATOR_LABELS = {
    "eq": "equals", "ne": "does not equal", "lt": "is less than", "lte": "is at most",
    "gt": "is greater than", "gte": "is at least", "in": "is one of", "contains": "contains",
}


class Row(NamedTuple):
    """One condition as the operator typed it (the value still text)."""

    field: str
    op: str
    value: str


def value_parse(text: str, op: str):
    """A number, true/false, null or a JSON list as such; anything else is text. `in` also
    takes a comma-separated list (`low_confidence, user_requested`)."""
    text = text.strip()
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    if op == "in" and isinstance(value, str):
        value = [value_parse(item, "eq") for item in value.split(",") if item.strip()]
    return value


def value_text(value) -> str:
    """The inverse of `value_parse`: text that would read as something else is quoted."""
    if isinstance(value, str):
        return json.dumps(value) if value_parse(value, "eq") != value else value
    return json.dumps(value, ensure_ascii=False)


def known_fields() -> list[tuple[str, str]]:
    """Every event's data fields (objects' usual keys with dots), offered as suggestions."""
    fields: dict[str, str] = {}
    for spec in SPECS:
        for name, field in spec.fields.items():
            fields.setdefault(name, field.description)
            if field.type == "object":
                for key in spec.example.get(name) or {}:
                    fields.setdefault(f"{name}.{key}", f"{name}'s {key}")
    return sorted(fields.items())


class FilterRowsWidget(forms.Widget):
    template_name = "admin/integrations/webhook/filter_rows.html"

    class Media:
        js = ["integrations/webhook_filters.js"]

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.row_errors: dict[int, str] = {}
        self.webhook_id = None  # the webhook being changed (none while it is added)

    def value_from_datadict(self, data, files, name):
        pattern = re.compile(rf"{re.escape(name)}-(\d+)-(?:field|op|value)")
        indexes = sorted({int(m.group(1)) for key in data if (m := pattern.fullmatch(key))})
        rows = [Row(data.get(f"{name}-{i}-field", "").strip(), data.get(f"{name}-{i}-op", ""),
                    data.get(f"{name}-{i}-value", "")) for i in indexes]
        return [row for row in rows if row.field or row.value.strip()]

    def value_omitted_from_data(self, data, files, name):
        return False  # no rows posted: no conditions

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = [item if isinstance(item, Row)
                else Row(item.get("field", ""), item.get("op", ""), value_text(item.get("value")))
                for item in value or []]
        context["widget"].update({
            "rows": [(row, self.row_errors.get(i, "")) for i, row in enumerate(rows)],
            "blank": len(rows),
            "op_values": OPERATORS,
            "operators": [(op, f"{OPERATOR_LABELS[op]} ({op})") for op in OPERATORS],
            "fields": known_fields(),
            "preview_url": reverse("admin:integrations_webhook_preview"),
            "webhook_id": self.webhook_id or "",
        })
        return context


class FilterRowsField(forms.Field):
    widget = FilterRowsWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def conditions(self, rows) -> tuple[list[dict], dict[int, str]]:
        """The rows as conditions, and each bad row's problem by its position."""
        conditions, errors = [], {}
        for index, row in enumerate(rows or []):
            if not isinstance(row, Row):  # a stored condition (the form's initial value)
                row = Row(row["field"], row["op"], value_text(row["value"]))
            try:
                conditions.append(condition_validate(
                    {"field": row.field, "op": row.op, "value": value_parse(row.value, row.op)}))
            except ValueError as error:
                errors[index] = str(error)
        return conditions, errors

    def clean(self, value):
        conditions, errors = self.conditions(value)
        self.widget.row_errors = errors
        if errors:
            raise ValidationError("Some conditions need fixing; see the rows marked below.")
        return conditions

    def has_changed(self, initial, data):
        conditions, errors = self.conditions(data)
        return bool(errors) or conditions != (initial or [])
