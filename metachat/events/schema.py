"""The event catalogue in the OpenAPI schema: one component per event payload, and a section
of the API description listing them, so /v1/docs/ shows what receivers get."""
import json

from metachat.events.catalogue import SPECS, Field, example_payload, spec_for


def _component_name(type: str) -> str:
    return "Event" + "".join(part.capitalize() for part in str(type).split(".")) + "Payload"


def _property(field: Field) -> dict:
    prop = {"type": field.type, "description": field.description}
    if field.type == "array":  # OpenAPI requires the items' schema; any JSON value here
        prop["items"] = {}
    return prop


def payload_schema(type: str) -> dict:
    spec = spec_for(type)
    data = {
        "type": "object",
        "required": list(spec.fields),
        "properties": {name: _property(field) for name, field in spec.fields.items()},
    }
    example = example_payload(type)
    return {
        "type": "object",
        "description": spec.fires_when,
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
    for spec in SPECS:
        fields = ", ".join(f"`{name}`" for name in spec.fields)
        lines.append(f"| `{spec.name}` | {spec.fires_when} | {fields} |")
    for spec in SPECS:
        lines += ["", f"### {spec.name}", "", "```json",
                  json.dumps(example_payload(spec.name), indent=2), "```"]
    return "\n".join(lines)


def add_event_payloads(result, generator, request, public):
    """drf-spectacular postprocessing hook."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for spec in SPECS:
        schemas[_component_name(spec.name)] = payload_schema(spec.name)
    info = result.setdefault("info", {})
    info["description"] = info.get("description", "") + "\n" + events_description()
    return result
