"""Until API keys exist on this branch, an API client authenticated as a workspace's key."""
import pytest

import tests.conftest as root

if not hasattr(root, "make_api_client"):

    @pytest.fixture
    def make_api_client(db):
        from types import SimpleNamespace

        from rest_framework.test import APIClient

        def make(workspace, scopes=None):
            client = APIClient()
            key = SimpleNamespace(workspace=workspace, scopes=scopes, public_id="key_test")
            client.force_authenticate(user=SimpleNamespace(is_authenticated=True), token=key)
            return client

        return make

    @pytest.fixture
    def api_client(make_api_client, workspace):
        return make_api_client(workspace)
