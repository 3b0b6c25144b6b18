"""The one list of API scopes; every view declares which of them it needs."""

SCOPES: tuple[str, ...] = (
    "chat:write",
    "conversations:read",
    "conversations:write",
    "documents:read",
    "documents:write",
    "webhooks:read",
    "webhooks:write",
    "integrations:read",
    "integrations:write",
    "reports:read",
    "keys:write",
)

SCOPE_DESCRIPTIONS: dict[str, str] = {
    "chat:write": "Send messages to the bot (POST /v1/chat).",
    "conversations:read": "Read conversations and their messages.",
    "conversations:write": "Change or end conversations.",
    "documents:read": "Read the workspace's documents.",
    "documents:write": "Upload, change and delete documents.",
    "webhooks:read": "Read webhook endpoints and their delivery logs.",
    "webhooks:write": "Create, change, test and delete webhook endpoints.",
    "integrations:read": "Read CRM and Zapier connections.",
    "integrations:write": "Create, change and delete CRM and Zapier connections.",
    "reports:read": "Read reports.",
    "keys:write": "List, create, revoke and roll API keys.",
}

SCOPE_CHOICES = [(scope, f"{scope} — {SCOPE_DESCRIPTIONS[scope]}") for scope in SCOPES]

# A view that any valid key may call, whatever its scopes (GET /v1/me):
# `required_scopes = AUTHENTICATED`.
AUTHENTICATED = "authenticated"

ALL = "all"


def parse_scopes(value: str) -> list[str]:
    """`"a,b"` or `"all"` to a list of scopes in catalogue order; ValueError names unknown ones."""
    names = [part.strip() for part in value.split(",") if part.strip()]
    if names == [ALL]:
        return list(SCOPES)
    unknown = [name for name in names if name not in SCOPES]
    if unknown:
        raise ValueError(
            f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(SCOPES)} (or 'all')."
        )
    return normalise_scopes(names)


def normalise_scopes(scopes) -> list[str]:
    """Deduplicated, in catalogue order."""
    wanted = set(scopes)
    return [scope for scope in SCOPES if scope in wanted]
