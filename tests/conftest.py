"""Fixtures shared by the whole suite."""
import pytest
from celery.contrib.testing.worker import start_worker

from metachat.celery import app as celery_app
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="Acme")


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory(name="Globex")


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
