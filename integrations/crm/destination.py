"""The "crm" destination kind of the delivery pipeline (filled in below)."""


def register_with_pipeline() -> None:
    """Register the kind when the delivery pipeline is installed; without it, do nothing."""
    try:
        from integrations.delivery import destinations  # noqa: F401
    except ImportError:
        return
