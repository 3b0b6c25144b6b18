"""The registry of CRM providers: every module in this package registers its class."""
import importlib
import pkgutil
from functools import cache

from integrations.crm.providers.base import CrmProvider

_REGISTRY: dict[str, type[CrmProvider]] = {}


def register(cls: type[CrmProvider]) -> type[CrmProvider]:
    """Class decorator: make a provider available under its `key`."""
    _REGISTRY[cls.key] = cls
    return cls


@cache
def _load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")


def providers() -> dict[str, type[CrmProvider]]:
    _load_all()
    return dict(sorted(_REGISTRY.items(), key=lambda item: item[1].label))


def provider_class(key: str) -> type[CrmProvider]:
    _load_all()
    try:
        return _REGISTRY[key]
    except KeyError:
        raise LookupError(f"No CRM provider {key!r}.") from None


def provider_choices() -> list[tuple[str, str]]:
    return [(key, cls.label) for key, cls in providers().items()]
