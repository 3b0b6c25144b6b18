"""Every CRM call has a timeout: a CRM that does not answer is an outage, not a hang."""
import socket

import pytest

from integrations.crm.providers.base import CrmUnavailable
from integrations.crm.services import crm_records_push
from tests.integrations.crm.payloads import ended

CONNECTIONS = ["salesforce_connection", "hubspot_connection", "zendesk_connection",
               "intercom_connection", "pipedrive_connection"]


@pytest.mark.parametrize("connection_fixture", CONNECTIONS)
def test_a_crm_that_does_not_answer_times_out(request, settings, connection_fixture):
    connection = request.getfixturevalue(connection_fixture)
    fake = request.getfixturevalue(connection.provider)
    settings.CRM_HTTP_TIMEOUT = 0.5
    fake.hang = True

    with pytest.raises(CrmUnavailable) as unavailable:
        crm_records_push(connection=connection, payloads=[ended()])

    assert "Could not reach" in unavailable.value.message
    assert "Timeout" in unavailable.value.message or "timed out" in unavailable.value.message


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connecting_to_an_unreachable_crm_is_a_502_saying_so(crm_api, trust_test_ca):
    response = crm_api.post("/v1/integrations/crm", {
        "provider": "salesforce", "name": "Sales",
        "credentials": {"instanceUrl": f"https://127.0.0.1:{closed_port()}", "clientId": "a",
                        "clientSecret": "b"}}, format="json")

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "crm_unavailable"
    assert "Could not reach Salesforce at https://127.0.0.1:" in (
        response.json()["error"]["message"])
