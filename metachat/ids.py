"""Public ids: a short type prefix and random characters (`ws_…`, `conv_…`, `key_…`)."""
import functools
import secrets
import string

from django.db import models

_ALPHABET = string.ascii_lowercase + string.digits
_RANDOM_LENGTH = 20  # ~103 bits


def new_public_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_LENGTH))


class PublicIdField(models.CharField):
    """A unique, read-only `prefix_…` id generated when the row is created."""

    def __init__(self, prefix: str, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", functools.partial(new_public_id, prefix))
        kwargs.setdefault("help_text", f"Public id, used in the API ({prefix}_…).")
        super().__init__(**kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("default", None)
        # Only what differs from the defaults set in __init__ is written into migrations.
        defaults = {"max_length": 40, "unique": True, "editable": False,
                    "help_text": f"Public id, used in the API ({self.prefix}_…)."}
        for key, value in defaults.items():
            if kwargs.get(key, False if key == "unique" else None) == value:
                kwargs.pop(key, None)
            elif key == "unique" and key not in kwargs:
                kwargs["unique"] = False
        return name, path, [self.prefix], kwargs
