"""API keys, scopes, and the API's authentication, permissions and throttles."""
