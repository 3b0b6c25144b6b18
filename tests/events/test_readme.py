"""The README's event tables are the catalogue's: every event once, with when it fires."""
import re
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from metachat.events.catalogue import SPECS, EventType
from metachat.events.readme import event_tables

README = Path(__file__).resolve().parents[2] / "README.md"
_ROW = re.compile(r"^\| `([a-z]+\.[a-z]+)` \| (.+?) \| (.+) \|$")


def _rows(markdown: str) -> list[tuple[str, str, str]]:
    return [m.groups() for line in markdown.splitlines() if (m := _ROW.match(line))]


def test_the_rendered_tables_list_every_event_once_with_when_it_fires_and_its_fields():
    rows = [row for table in event_tables() for row in _rows(table)]

    assert sorted(name for name, _, _ in rows) == sorted(type.value for type in EventType)
    by_name = {spec.name: spec for spec in SPECS}
    for name, when, fields in rows:
        assert when == by_name[name].fires_when
        assert fields == ", ".join(f"`{field}`" for field in by_name[name].fields)
    product, operational = (_rows(table) for table in event_tables())
    assert {name for name, _, _ in operational} == {s.name for s in SPECS if s.operational}
    assert "message.sent" in {name for name, _, _ in product}


def test_the_readme_shows_the_catalogues_event_tables():
    readme = README.read_text()

    for table in event_tables():
        assert table in readme, (
            "README's event tables differ from the catalogue: paste the output of "
            "`python manage.py event_tables` over them"
        )


def test_the_command_prints_the_tables():
    out = StringIO()

    call_command("event_tables", stdout=out)

    assert out.getvalue().strip() == "\n\n".join(event_tables())
