"""The "crm" destination kind as the pipeline sees it: subscribers, send, state, health."""
import json
from types import SimpleNamespace

from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from integrations.crm.models import CrmConnection
from integrations.crm.services import crm_connection_connect, crm_connection_disconnect
from integrations.delivery import destinations
from metachat.events.services import event_publish
from tests.integrations.crm.payloads import ended

KIND = destinations.get("crm")


def delivery(connection, payload):
    """The fields of a pipeline Delivery that the kind reads."""
    return SimpleNamespace(destination_id=connection.pk, workspace_id=connection.workspace_id,
                           event=SimpleNamespace(payload=payload))


def test_subscribers_are_the_workspaces_connections_that_sync_the_event(
    workspace, other_workspace, hubspot, hubspot_connection
):
    token = {"access_token": hubspot.access_token}
    escalations = crm_connection_connect(workspace=workspace, provider="hubspot", name="E",
                                         credentials=token, events=["escalation.triggered"])
    crm_connection_connect(workspace=other_workspace, provider="hubspot", name="Theirs",
                           credentials=token)
    off = crm_connection_connect(workspace=workspace, provider="hubspot", name="Off",
                                 credentials=token)
    crm_connection_disconnect(connection=off)

    ended_event = event_publish(workspace=workspace, type="conversation.ended", data={})
    escalated = event_publish(workspace=workspace, type="escalation.triggered", data={})

    def wanting(event):
        return [s.id for s in KIND.subscribers(workspace_id=event.workspace_id)
                if s.wants(event.type, event.payload["data"])]

    assert wanting(ended_event) == [hubspot_connection.pk]
    assert wanting(escalated) == [escalations.pk]


def test_send_pushes_one_batch_per_connection_and_answers_in_order(
    salesforce, salesforce_connection, hubspot, hubspot_connection
):
    deliveries = [
        delivery(salesforce_connection, ended("conv_1")),
        delivery(hubspot_connection, ended("conv_2")),
        delivery(salesforce_connection, ended("conv_3")),
    ]

    results = KIND.send(deliveries)

    assert [r.ok for r in results] == [True, True, True]
    assert [json.loads(r.body)["id"] for r in (results[0], results[2])] == [
        r["id"] for r in salesforce.records]
    assert [r["via"] for r in salesforce.records] == ["collection", "collection"]
    assert json.loads(results[1].body)["id"] in hubspot.objects["notes"]
    assert all(r.duration_ms >= 0 and r.retry_after is None for r in results)


def test_a_batch_reads_the_connection_and_its_mapping_once(salesforce, salesforce_connection):
    deliveries = [delivery(salesforce_connection, ended(f"conv_{n}")) for n in range(5)]

    with CaptureQueriesContext(db) as queries:
        results = KIND.send(deliveries)

    assert [r.ok for r in results] == [True] * 5
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('FROM "crm_fieldmapping"' in q for q in sql) == 1


def test_a_rate_limit_is_returned_with_its_retry_hint(salesforce, salesforce_connection):
    salesforce.rate_limit_next(retry_after=9)

    (result,) = KIND.send([delivery(salesforce_connection, ended())])

    assert not result.ok and result.status == 429 and result.retry_after == 9
    assert "Salesforce asked to slow down" in result.error


def test_bad_credentials_fail_the_delivery_and_flag_the_connection(salesforce,
                                                                   salesforce_connection):
    salesforce.client_secret = "rotated"
    salesforce.expire_tokens()

    (result,) = KIND.send([delivery(salesforce_connection, ended())])
    KIND.on_failure(salesforce_connection.pk, result.error)

    salesforce_connection.refresh_from_db()
    assert not result.ok and "Salesforce refused the credentials" in result.error
    assert salesforce_connection.status == CrmConnection.Status.ERROR
    assert salesforce_connection.last_error == result.error


def test_success_clears_the_error_state(salesforce, salesforce_connection):
    CrmConnection.objects.filter(pk=salesforce_connection.pk).update(status="error")

    KIND.on_success(salesforce_connection.pk)

    salesforce_connection.refresh_from_db()
    assert salesforce_connection.status == CrmConnection.Status.CONNECTED
    assert salesforce_connection.last_success_at is not None


def test_a_disconnected_connection_is_not_pushed(hubspot, hubspot_connection):
    crm_connection_disconnect(connection=hubspot_connection)

    (result,) = KIND.send([delivery(hubspot_connection, ended())])

    assert not result.ok and "disconnected" in result.error
    assert hubspot.objects["notes"] == {}


def test_state_follows_the_connection(hubspot, hubspot_connection):
    assert KIND.state(hubspot_connection.pk) == "active"

    crm_connection_disconnect(connection=hubspot_connection)
    assert KIND.state(hubspot_connection.pk) == "paused"

    pk = hubspot_connection.pk
    hubspot_connection.delete()
    assert KIND.state(pk) == "gone"


def test_failures_start_a_failing_period_that_a_success_ends(hubspot, hubspot_connection):
    KIND.on_failure(hubspot_connection.pk, "HubSpot failed (503)")
    hubspot_connection.refresh_from_db()
    assert hubspot_connection.failing_since is not None
    assert hubspot_connection.last_error == "HubSpot failed (503)"
    assert hubspot_connection.status == "connected"  # an outage is not a credentials problem

    KIND.on_success(hubspot_connection.pk)
    hubspot_connection.refresh_from_db()
    assert hubspot_connection.failing_since is None


def test_deliveries_of_another_workspace_are_never_pushed_with_this_connection(
    salesforce, salesforce_connection, other_workspace
):
    stray = SimpleNamespace(destination_id=salesforce_connection.pk,
                            workspace_id=other_workspace.pk,
                            event=SimpleNamespace(payload=ended("conv_theirs")))

    results = KIND.send([stray])

    assert results[0].ok is False and results[0].refused is True
    assert "another workspace" in results[0].error
    assert salesforce.records == []
