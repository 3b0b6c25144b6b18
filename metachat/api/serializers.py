"""DRF's serializers with strict types: a string field takes only a JSON string, a number
field only a JSON number, a boolean only true/false.

DRF coerces by default (`{"message": 123}` becomes "123", `{"active": "yes"}` True); an API
whose clients are programs should say "Not a valid string." instead. Form and query-string
input (all text by nature) is parsed as DRF does. Import it as
`from metachat.api import serializers` in place of `rest_framework.serializers`.
"""
import math

from django.db import models
from django.http import QueryDict
from rest_framework import serializers as drf
from rest_framework.serializers import *  # noqa: F403 - this module stands in for DRF's


def _from_text_input(field) -> bool:
    """Whether the data being validated came from a form or query string (text only)."""
    return isinstance(getattr(field.root, "initial_data", None), QueryDict)


class CharField(drf.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class IntegerField(drf.IntegerField):
    default_error_messages = {"invalid": "A valid integer is required."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (
            isinstance(data, int) or (isinstance(data, str) and _from_text_input(self))
        ):
            self.fail("invalid")
        return super().to_internal_value(data)


class FloatField(drf.FloatField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not (
            isinstance(data, int | float) or (isinstance(data, str) and _from_text_input(self))
        ):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class BooleanField(drf.BooleanField):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool) and not (isinstance(data, str) and _from_text_input(self)):
            self.fail("invalid")
        return super().to_internal_value(data)


class ModelSerializer(drf.ModelSerializer):
    serializer_field_mapping = {
        **drf.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: CharField,
        models.SlugField: CharField,
        models.IntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.PositiveSmallIntegerField: IntegerField,
        models.SmallIntegerField: IntegerField,
        models.BigIntegerField: IntegerField,
        models.FloatField: FloatField,
        models.BooleanField: BooleanField,
    }
    serializer_choice_field = None  # set below, once ChoiceField is defined


class ChoiceField(drf.ChoiceField):
    def to_internal_value(self, data):
        # DRF matches str(data): 1 would select "1", true "True".
        if not any(type(data) is type(choice) for choice in self.choices) and not (
            data == "" and self.allow_blank
        ):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


ModelSerializer.serializer_choice_field = ChoiceField
