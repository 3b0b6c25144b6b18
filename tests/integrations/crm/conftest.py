"""Stand-in CRMs over real HTTP(S) on 127.0.0.1, and connections pointing at them."""
import pytest
import trustme

from integrations.crm.services import crm_connection_connect
from tests.fakes.hubspot import FakeHubSpot
from tests.fakes.intercom import FakeIntercom
from tests.fakes.pipedrive import FakePipedrive
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.zendesk import FakeZendesk


@pytest.fixture(scope="session")
def test_ca():
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_bundle(test_ca, tmp_path_factory):
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    test_ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def server_tls(test_ca):
    context_cert = test_ca.issue_cert("127.0.0.1", "localhost")
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context_cert.configure_cert(context)
    return context


@pytest.fixture
def trust_test_ca(settings, ca_bundle):
    """CRM calls trust the test CA (as CRM_CA_BUNDLE does in production)."""
    settings.CRM_CA_BUNDLE = ca_bundle
    return ca_bundle


@pytest.fixture
def salesforce(server_tls, trust_test_ca):
    fake = FakeSalesforce(ssl_context=server_tls).start()
    yield fake
    fake.stop()


@pytest.fixture
def salesforce_credentials(salesforce):
    return {"instance_url": salesforce.url, "client_id": salesforce.client_id,
            "client_secret": salesforce.client_secret}


@pytest.fixture
def salesforce_connection(workspace, salesforce_credentials):
    return crm_connection_connect(
        workspace=workspace, provider="salesforce", name="Sales",
        credentials=salesforce_credentials,
    )


@pytest.fixture
def hubspot(settings):
    fake = FakeHubSpot().start()
    _point_at(settings, "hubspot", fake.url)
    yield fake
    fake.stop()


@pytest.fixture
def hubspot_connection(workspace, hubspot):
    return crm_connection_connect(
        workspace=workspace, provider="hubspot", name="Marketing",
        credentials={"access_token": hubspot.access_token},
    )


def _point_at(settings, provider, url):
    settings.CRM_API_HOSTS = {**settings.CRM_API_HOSTS, provider: url}


@pytest.fixture
def zendesk(settings, server_tls, trust_test_ca):
    fake = FakeZendesk(ssl_context=server_tls).start()
    _point_at(settings, "zendesk", fake.url)
    yield fake
    fake.stop()


@pytest.fixture
def zendesk_connection(workspace, zendesk):
    return crm_connection_connect(
        workspace=workspace, provider="zendesk", name="Support",
        credentials={"subdomain": "acme", "email": zendesk.email, "api_token": zendesk.api_token},
    )


@pytest.fixture
def intercom(settings):
    fake = FakeIntercom().start()
    _point_at(settings, "intercom", fake.url)
    yield fake
    fake.stop()


@pytest.fixture
def intercom_connection(workspace, intercom):
    return crm_connection_connect(
        workspace=workspace, provider="intercom", name="Messenger",
        credentials={"access_token": intercom.access_token},
    )


@pytest.fixture
def pipedrive(settings):
    fake = FakePipedrive().start()
    _point_at(settings, "pipedrive", fake.url)
    yield fake
    fake.stop()


@pytest.fixture
def pipedrive_connection(workspace, pipedrive):
    return crm_connection_connect(
        workspace=workspace, provider="pipedrive", name="Deals",
        credentials={"api_token": pipedrive.api_token},
    )



@pytest.fixture
def crm_api(api_client):
    """An API client with an all-scopes key of `workspace`."""
    return api_client
