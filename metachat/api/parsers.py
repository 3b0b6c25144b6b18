"""Request parsers: camelCase in, snake_case out; text no database can store is a 400.

A NUL character or an unpaired UTF-16 surrogate (`"\\ud800"` in JSON) cannot be stored by
PostgreSQL and breaks JSON encoding later, so a body holding one is refused here, once,
for every endpoint, before any view sees it.
"""
import json

from django.conf import settings
from django.http import QueryDict
from djangorestframework_camel_case.parser import (
    CamelCaseFormParser,
    CamelCaseJSONParser,
    CamelCaseMultiPartParser,
)
from djangorestframework_camel_case.util import underscoreize
from rest_framework.exceptions import ParseError, ValidationError


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_storable(data) -> None:
    """Raise a 400 naming the top-level field that holds unstorable text."""
    if isinstance(data, QueryDict):
        data = {key: data.getlist(key) for key in data}
    if not isinstance(data, dict):
        if _holds_unstorable(data):
            raise ParseError("The body contains a NUL character or an unpaired surrogate.")
        return
    for key, value in data.items():
        if _holds_unstorable(key) or _holds_unstorable(value):
            raise ValidationError(
                {key if isinstance(key, str) and not _unstorable(key) else "body": [
                    "Contains a NUL character or an unpaired surrogate, which cannot be stored."
                ]}
            )


def _holds_unstorable(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _unstorable(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _refuse_constant(name: str):
    # Python's json reads NaN, Infinity and -Infinity, which JSON (RFC 8259) does not have.
    raise ValueError(f"{name} is not a JSON value")


class JSONParser(CamelCaseJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(stream.read().decode(encoding), parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError("The JSON body is nested too deeply.")
        except ValueError as error:  # also UnicodeDecodeError
            raise ParseError(f"JSON parse error - {error}")
        data = underscoreize(data, **self.json_underscoreize)
        check_storable(data)
        return data


class FormParser(CamelCaseFormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        check_storable(data)
        return data


class MultiPartParser(CamelCaseMultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        check_storable(result.data)
        return result
