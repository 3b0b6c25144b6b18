"""The event catalogue in the OpenAPI schema: one component per event payload, and a section
of the API description listing them, so /v1/docs/ shows what receivers get."""
import json

from metachat.events.catalogue import (
    DATA_FIELDS,
    DATA_TYPES,
    TRIGGERED_WHEN,
    EventType,
    example_payload,
)


def _component_name(type: str) -> str:
    return "Event" + "".join(part.capitalize() for part in str(type).split(".")) + "Payload"


def _property(json_type: str, description: str) -> dict:
    prop = {"type": json_type, "description": description}
    if json_type == "array":  # OpenAPI requires the items' schema; any JSON value here
        prop["items"] = {}
    return prop


def payload_schema(type: str) -> dict:
    fields = DATA_FIELDS[type]
    data = {
        "type": "object",
        "required": list(fields),
        "properties": {
            name: _property(DATA_TYPES.get(name, "string"), description)
            for name, description in fields.items()
        },
    }
    example = example_payload(type)
    return {
        "type": "object",
        "description": TRIGGERED_WHEN[type],
        "required": ["id", "event", "timestamp", "data"],
        "properties": {
            "id": {"type": "string", "description": "evt_… id; the same on every retry."},
            "event": {"type": "string", "enum": [str(type)]},
            "timestamp": {"type": "string", "format": "date-time",
                          "description": "When it happened (UTC)."},
            "data": data,
        },
        "example": example,
    }


def events_description() -> str:
    lines = [
        "",
        "## Events",
        "",
        "Every event is delivered as `{\"id\", \"event\", \"timestamp\", \"data\"}` with "
        "camelCase fields in `data`. The schemas `Event…Payload` below describe each one.",
        "",
        "| Event | Triggered when | Data |",
        "|---|---|---|",
    ]
    for type in EventType:
        fields = ", ".join(f"`{name}`" for name in DATA_FIELDS[type])
        lines.append(f"| `{type.value}` | {TRIGGERED_WHEN[type]} | {fields} |")
    for type in EventType:
        lines += ["", f"### {type.value}", "", "```json",
                  json.dumps(example_payload(type), indent=2), "```"]
    return "\n".join(lines)


def add_event_payloads(result, generator, request, public):
    """drf-spectacular postprocessing hook."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for type in EventType:
        schemas[_component_name(type)] = payload_schema(type)
    info = result.setdefault("info", {})
    info["description"] = info.get("description", "") + "\n" + events_description()
    return result
