"""Who `request.user` is for a request made with a key rather than by a person."""
from apikeys.models import ApiKey


class ApiKeyUser:
    """`request.user` for a request made with an API key: authenticated, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.workspace = api_key.workspace

    def __str__(self) -> str:
        return f"API key {self.api_key.public_id}"
