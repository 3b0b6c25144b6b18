"""Fixtures shared by the whole suite."""
import pytest
from celery.contrib.testing.worker import start_worker
from rest_framework.test import APIClient

from metachat.celery import app as celery_app
from tests.factories import ApiKeyFactory, MembershipFactory, UserFactory, WorkspaceFactory


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="Acme")


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory(name="Globex")


@pytest.fixture
def make_api_client(db):
    """make_api_client(workspace, scopes=None): an APIClient sending `Authorization: Bearer`
    with a new key of that workspace (scopes=None: every scope). The key is `client.api_key`."""

    def make(workspace, scopes=None) -> APIClient:
        from apikeys.scopes import SCOPES

        api_key = ApiKeyFactory(
            workspace=workspace, scopes=list(SCOPES) if scopes is None else list(scopes)
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.secret}")
        client.api_key = api_key
        return client

    return make


@pytest.fixture
def api_client(make_api_client, workspace):
    """An APIClient with an all-scopes key of `workspace`."""
    return make_api_client(workspace)


@pytest.fixture
def operator(workspace):
    """A staff user who owns `workspace` and nothing else."""
    return MembershipFactory(workspace=workspace, user=UserFactory(username="alice")).user


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker in this process, consuming from the configured broker.

    Tests that use it see only committed data, hence the transactional database.
    """
    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker
