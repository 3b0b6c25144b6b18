"""The CRM admin through real admin URLs: connect per provider, mapping, actions, secrets."""
import pytest
from django.urls import reverse

from integrations.crm.models import CrmConnection
from integrations.crm.services import crm_connection_connect

CHANGELIST = "admin:crm_crmconnection_changelist"


@pytest.fixture
def admin_client(client, operator):
    client.force_login(operator)
    return client


def add_url(provider=""):
    url = reverse("admin:crm_crmconnection_add")
    return f"{url}?provider={provider}" if provider else url


def change_url(connection):
    return reverse("admin:crm_crmconnection_change", args=[connection.pk])


def test_add_asks_which_crm_first(admin_client):
    page = admin_client.get(add_url()).content.decode()

    for label in ("Salesforce", "HubSpot", "Pipedrive", "Zendesk", "Intercom"):
        assert f"<strong>{label}</strong>" in page
    assert "?provider=salesforce" in page


def test_the_salesforce_form_has_the_guides_fields(admin_client):
    page = admin_client.get(add_url("salesforce")).content.decode()

    assert "Instance URL" in page and "Client ID" in page and "Client Secret" in page
    assert 'type="password" name="credential_client_secret"' in page


def test_connecting_salesforce_checks_credentials_and_adds_the_default_mapping(
    admin_client, workspace, salesforce
):
    response = admin_client.post(add_url("salesforce"), {
        "workspace": workspace.pk, "name": "Sales", "credential_instance_url": salesforce.url,
        "credential_client_id": salesforce.client_id,
        "credential_client_secret": salesforce.client_secret,
        "events": ["conversation.ended"], "target_object": "Case",
    })

    connection = CrmConnection.objects.get()
    assert response.status_code == 302 and response.url == change_url(connection)
    assert connection.status == "connected" and connection.target_object == "Case"
    assert connection.credentials["client_secret"] == salesforce.client_secret
    assert "Subject" in set(connection.field_mappings.values_list("target_field", flat=True))


def test_refused_credentials_show_the_crms_reason_and_save_nothing(
    admin_client, workspace, hubspot
):
    response = admin_client.post(add_url("hubspot"), {
        "workspace": workspace.pk, "name": "M", "credential_access_token": "pat-wrong",
        "events": ["conversation.ended"], "target_object": "note",
    })

    assert response.status_code == 200
    assert "HubSpot refused the access token" in response.content.decode()
    assert "pat-wrong" not in response.content.decode()
    assert not CrmConnection.objects.exists()


def test_the_change_page_never_shows_the_secret(admin_client, hubspot, hubspot_connection):
    page = admin_client.get(change_url(hubspot_connection)).content.decode()

    assert hubspot.access_token not in page
    assert "leave blank to keep it" in page
    assert "hs_note_body" in page  # the mapping inline
    assert "Full transcript" in page  # source field choices


def test_saving_with_a_blank_secret_keeps_it_and_edits_the_mapping(
    admin_client, hubspot, hubspot_connection
):
    hubspot.custom_properties.add("metachat_confidence")  # created in HubSpot first
    mappings = list(hubspot_connection.field_mappings.all())
    data = {
        "name": "Renamed", "credential_access_token": "", "events": ["message.sent"],
        "target_object": "note",
        "field_mappings-TOTAL_FORMS": len(mappings) + 1,
        "field_mappings-INITIAL_FORMS": len(mappings),
        "field_mappings-MIN_NUM_FORMS": 0, "field_mappings-MAX_NUM_FORMS": 1000,
    }
    for i, mapping in enumerate(mappings):
        data.update({
            f"field_mappings-{i}-id": mapping.pk, f"field_mappings-{i}-connection":
            hubspot_connection.pk, f"field_mappings-{i}-source_field": mapping.source_field,
            f"field_mappings-{i}-target_field": mapping.target_field,
            f"field_mappings-{i}-fixed_value": mapping.fixed_value,
            f"field_mappings-{i}-transform": mapping.transform,
            f"field_mappings-{i}-position": mapping.position,
        })
    n = len(mappings)
    data.update({f"field_mappings-{n}-source_field": "confidence",
                 f"field_mappings-{n}-target_field": "metachat_confidence",
                 f"field_mappings-{n}-transform": "percent", f"field_mappings-{n}-position": 9})

    response = admin_client.post(change_url(hubspot_connection), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    hubspot_connection.refresh_from_db()
    assert hubspot_connection.name == "Renamed"
    assert hubspot_connection.events == ["message.sent"]
    assert hubspot_connection.credentials == {"access_token": hubspot.access_token}
    assert hubspot_connection.field_mappings.filter(
        target_field="metachat_confidence", transform="percent").exists()


def test_test_connection_action_shows_the_record_id(admin_client, hubspot, hubspot_connection):
    response = admin_client.post(reverse(CHANGELIST), {
        "action": "test_connection", "_selected_action": [hubspot_connection.pk]}, follow=True)

    (record_id,) = hubspot.objects["notes"]
    assert f"test record created in HubSpot with id {record_id}" in response.content.decode()


def test_disconnect_and_reconnect_actions(admin_client, hubspot, hubspot_connection):
    admin_client.post(reverse(CHANGELIST), {
        "action": "disconnect", "_selected_action": [hubspot_connection.pk]})
    hubspot_connection.refresh_from_db()
    assert hubspot_connection.status == "disconnected"

    hubspot.access_token = "pat-rotated"
    refused = admin_client.post(reverse(CHANGELIST), {
        "action": "reconnect", "_selected_action": [hubspot_connection.pk]}, follow=True)
    assert "HubSpot refused the access token" in refused.content.decode()
    assert "Enter fresh credentials" in refused.content.decode()

    hubspot_connection.credentials = {"access_token": "pat-rotated"}
    hubspot_connection.save()
    admin_client.post(reverse(CHANGELIST), {
        "action": "reconnect", "_selected_action": [hubspot_connection.pk]})
    hubspot_connection.refresh_from_db()
    assert hubspot_connection.status == "connected"


def test_another_workspaces_connection_is_not_found_nor_acted_on(
    admin_client, other_workspace, hubspot
):
    theirs = crm_connection_connect(workspace=other_workspace, provider="hubspot", name="T",
                                    credentials={"access_token": hubspot.access_token})

    assert admin_client.get(change_url(theirs)).status_code == 404
    listing = admin_client.get(reverse(CHANGELIST)).content.decode()
    admin_client.post(reverse(CHANGELIST), {
        "action": "disconnect", "_selected_action": [theirs.pk]})

    assert ">T<" not in listing
    theirs.refresh_from_db()
    assert theirs.status == "connected"


def test_the_change_page_has_a_test_connection_button(admin_client, hubspot, hubspot_connection):
    page = admin_client.get(change_url(hubspot_connection)).content.decode()
    button = reverse("admin:crm_crmconnection_actions",
                     kwargs={"pk": hubspot_connection.pk, "tool": "test_connection_button"})
    assert f'action="{button}"' in page
    assert "Test HubSpot connection" in page

    response = admin_client.post(button, follow=True)

    (record_id,) = hubspot.objects["notes"]
    assert response.redirect_chain[-1][0] == change_url(hubspot_connection)
    assert f"with id {record_id}" in response.content.decode()


def test_buttons_refuse_get_and_another_workspaces_connection(admin_client, other_workspace,
                                                              hubspot):
    theirs = crm_connection_connect(workspace=other_workspace, provider="hubspot", name="T",
                                    credentials={"access_token": hubspot.access_token})
    url = reverse("admin:crm_crmconnection_actions",
                  kwargs={"pk": theirs.pk, "tool": "disconnect_button"})

    assert admin_client.get(url).status_code in (404, 405)
    assert admin_client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "connected"


def test_editing_only_the_mapping_does_not_call_the_crm(admin_client, hubspot,
                                                        hubspot_connection):
    calls_before = len(hubspot.requests)
    hubspot.access_token = "pat-crm-down"  # the CRM would refuse any call now

    response = admin_client.post(change_url(hubspot_connection), {
        "name": "Marketing", "credential_access_token": "", "events": ["conversation.ended"],
        "target_object": "note", "field_mappings-TOTAL_FORMS": 0,
        "field_mappings-INITIAL_FORMS": 0, "field_mappings-MIN_NUM_FORMS": 0,
        "field_mappings-MAX_NUM_FORMS": 1000,
    })

    assert response.status_code == 302
    assert len(hubspot.requests) == calls_before


def test_a_target_field_mapped_twice_is_a_form_error_not_a_crash(admin_client,
                                                                 hubspot_connection):
    row = {"source_field": "confidence", "target_field": "score", "fixed_value": "",
           "transform": "", "position": 1}
    data = {"name": "Marketing", "credential_access_token": "", "events": ["conversation.ended"],
            "target_object": "note", "field_mappings-TOTAL_FORMS": 2,
            "field_mappings-INITIAL_FORMS": 0, "field_mappings-MIN_NUM_FORMS": 0,
            "field_mappings-MAX_NUM_FORMS": 1000}
    for i in range(2):
        data.update({f"field_mappings-{i}-{k}": v for k, v in row.items()})

    response = admin_client.post(change_url(hubspot_connection), data)

    assert response.status_code == 200
    assert "score is mapped twice." in response.content.decode()  # the service's words
    assert not hubspot_connection.field_mappings.filter(target_field="score").exists()
