"""The CRM admin through real admin URLs: Connect a CRM per provider, the mapping (saved by
the API's service), the buttons and actions, secrets, and who may press what."""
import html

import pytest
from django.urls import reverse

from integrations.crm.models import CrmConnection
from integrations.crm.providers import provider_class
from integrations.crm.services import crm_connection_connect
from metachat.workspaces.models import Membership
from tests.admin_browser import browser_of, buttons

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


# --- the guide's words and buttons, as operators in a browser (CSRF checks on) ---------------


def button_url(connection, tool):
    return reverse("admin:crm_crmconnection_actions", kwargs={"pk": connection.pk, "tool": tool})


def mapping_form(connection, rows) -> dict:
    """The change page's form as saved unchanged but for the mapping `rows` (each a dict of
    source_field, target_field, fixed_value, transform), the stored rows first."""
    stored = list(connection.field_mappings.all())
    data = {"name": connection.name, "events": connection.events,
            "target_object": connection.target_object,
            "field_mappings-TOTAL_FORMS": len(stored) + len(rows),
            "field_mappings-INITIAL_FORMS": len(stored), "field_mappings-MIN_NUM_FORMS": 0,
            "field_mappings-MAX_NUM_FORMS": 1000}
    for field in provider_class(connection.provider).credential_fields:  # secrets left blank
        data[f"credential_{field.name}"] = "" if field.secret else \
            connection.credentials[field.name]
    for i, mapping in enumerate(stored):
        data.update({f"field_mappings-{i}-id": mapping.pk,
                     f"field_mappings-{i}-connection": connection.pk,
                     f"field_mappings-{i}-source_field": mapping.source_field,
                     f"field_mappings-{i}-target_field": mapping.target_field,
                     f"field_mappings-{i}-fixed_value": mapping.fixed_value,
                     f"field_mappings-{i}-transform": mapping.transform,
                     f"field_mappings-{i}-position": mapping.position})
    for j, row in enumerate(rows, start=len(stored)):
        data.update({f"field_mappings-{j}-{key}": value for key, value in row.items()})
        data[f"field_mappings-{j}-position"] = j
    return data


def stored_mapping(connection):
    return list(connection.field_mappings.values_list(
        "source_field", "target_field", "fixed_value", "transform", "position"))


def test_connect_a_crm_in_the_guides_words(workspace):
    browser = browser_of(workspace, Membership.Role.ADMIN, "adam")

    listing = browser.get(reverse(CHANGELIST)).content.decode()
    chooser = browser.get(add_url()).content.decode()
    form = browser.get(add_url("salesforce")).content.decode()

    assert f'href="{add_url()}" class="addlink">Connect a CRM</a>' in listing
    assert "<h1>Connect a CRM</h1>" in chooser
    assert "<h1>Connect Salesforce</h1>" in form and "&rsaquo; Connect Salesforce" in form
    assert "Add CRM connection" not in form
    assert '<input type="submit" value="Connect" class="default" name="_save">' in form
    assert "Save and add another" not in form and 'value="Save"' not in form


def test_each_connection_has_a_test_button_named_after_its_crm(
    workspace, salesforce, salesforce_connection, hubspot, hubspot_connection
):
    browser = browser_of(workspace, Membership.Role.ADMIN, "adam")

    rows = buttons(browser.get(reverse(CHANGELIST)))
    page = buttons(browser.get(change_url(salesforce_connection)))
    done = browser.post_form(rows["Test Salesforce connection"][0],
                {"next": reverse(CHANGELIST)}, follow=True)

    assert rows["Test Salesforce connection"] == [
        button_url(salesforce_connection, "test_connection_button")]
    assert rows["Test HubSpot connection"] == [
        button_url(hubspot_connection, "test_connection_button")]
    assert page["Test Salesforce connection"] == [
        button_url(salesforce_connection, "test_connection_button")]
    assert "Disconnect" in page and "Reconnect" not in page  # it is connected
    assert done.redirect_chain[-1][0] == reverse(CHANGELIST)
    assert f"test record created in Salesforce with id {salesforce.records[0]['id']}" in \
        done.content.decode()


def test_a_viewer_sees_no_buttons_and_pressing_one_changes_nothing(workspace, hubspot,
                                                                 hubspot_connection):
    browser = browser_of(workspace, Membership.Role.VIEWER, "vera")

    pages = [browser.get(reverse(CHANGELIST)), browser.get(change_url(hubspot_connection))]
    pressed = [browser.post_form(button_url(hubspot_connection, tool)).status_code
               for tool in ("test_connection_button", "disconnect_button", "reconnect_button")]

    for page in pages:
        assert page.status_code == 200
        assert buttons(page).keys().isdisjoint(
            {"Test HubSpot connection", "Disconnect", "Reconnect", "Connect"})
        assert "Connect a CRM" not in page.content.decode()
    assert browser.get(add_url("hubspot")).status_code == 403
    assert pressed == [404, 404, 404]
    assert not hubspot.objects.get("notes")  # no test record was created
    hubspot_connection.refresh_from_db()
    assert hubspot_connection.status == "connected"


def test_another_workspaces_connection_urls_are_not_found(workspace, other_workspace, hubspot):
    theirs = crm_connection_connect(workspace=other_workspace, provider="hubspot", name="T",
                                    credentials={"access_token": hubspot.access_token})
    browser = browser_of(workspace, Membership.Role.ADMIN, "adam")

    assert browser.get(change_url(theirs)).status_code == 404
    assert browser.post_form(change_url(theirs), mapping_form(theirs, [])).status_code == 404
    for tool in ("test_connection_button", "disconnect_button", "reconnect_button"):
        assert browser.post_form(button_url(theirs, tool)).status_code == 404
    assert not hubspot.objects.get("notes")
    theirs.refresh_from_db()
    assert (theirs.status, theirs.name) == ("connected", "T")


def test_a_zendesk_mapping_the_api_refuses_the_admin_refuses_in_the_same_words(
    workspace, zendesk, zendesk_connection, crm_api
):
    bad = {"source_field": "confidence", "target_field": "custom_field:order-number",
           "fixed_value": "", "transform": ""}
    before = stored_mapping(zendesk_connection)
    browser = browser_of(workspace, Membership.Role.ADMIN, "adam")

    api = crm_api.put(
        f"/v1/integrations/crm/{zendesk_connection.public_id}/field-mappings",
        {"fieldMappings": [{"sourceField": "confidence",
                            "targetField": "custom_field:order-number"}]}, format="json")
    page = browser.post_form(change_url(zendesk_connection),
                             mapping_form(zendesk_connection, [bad]))

    assert api.status_code == 400
    message = api.json()["error"]["message"]
    assert message == ("A Zendesk custom field is custom_field:<its numeric id>, "
                       "e.g. custom_field:360001234567.")
    assert page.status_code == 200
    assert html.escape(message) in page.content.decode()
    assert stored_mapping(zendesk_connection) == before


def test_an_admin_mapping_is_saved_as_the_api_saves_it(workspace, zendesk, zendesk_connection):
    browser = browser_of(workspace, Membership.Role.ADMIN, "adam")
    row = {"source_field": "confidence", "target_field": "custom_field:360001234567",
           "fixed_value": "", "transform": "percent"}

    saved = browser.post_form(change_url(zendesk_connection),
                              mapping_form(zendesk_connection, [row]))

    assert saved.status_code == 302
    assert stored_mapping(zendesk_connection)[-1] == (
        "confidence", "custom_field:360001234567", "", "percent", 4)
    assert [p for *_, p in stored_mapping(zendesk_connection)] == [0, 1, 2, 3, 4]


def test_a_mapping_that_does_not_fit_a_new_record_type_saves_nothing(workspace, hubspot,
                                                                     hubspot_connection):
    """The rows are checked against the stored record type on the form, then saved by the
    service against the new one, which refuses them: everything is rolled back."""
    before = stored_mapping(hubspot_connection)
    browser = browser_of(workspace, Membership.Role.ADMIN, "adam")
    data = mapping_form(hubspot_connection, [{"source_field": "", "target_field":
                                              "hubspot_owner_id", "fixed_value": "42",
                                              "transform": ""}])
    data.update(name="Renamed", target_object="contact")

    response = browser.post_form(change_url(hubspot_connection), data, follow=True)

    assert response.redirect_chain[-1][0] == change_url(hubspot_connection)
    assert "Nothing was saved: HubSpot contact has no field" in response.content.decode()
    hubspot_connection.refresh_from_db()
    assert (hubspot_connection.name, hubspot_connection.target_object) == ("Marketing", "note")
    assert stored_mapping(hubspot_connection) == before
