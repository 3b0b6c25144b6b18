"""The README's event tables, rendered from the catalogue so the README cannot drift from it."""
from metachat.events.catalogue import SPECS, EventSpec


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _row(spec: EventSpec) -> str:
    fields = ", ".join(f"`{name}`" for name in spec.fields)
    return f"| `{spec.name}` | {_cell(spec.fires_when)} | {fields} |"


def event_table(*, operational: bool) -> str:
    """The Markdown table of the product events, or of the operational ones."""
    lines = ["| event | when it fires | `data` |", "|---|---|---|"]
    lines += [_row(spec) for spec in SPECS if spec.operational == operational]
    return "\n".join(lines)


def event_tables() -> list[str]:
    """Both tables, in the order the README shows them."""
    return [event_table(operational=False), event_table(operational=True)]
