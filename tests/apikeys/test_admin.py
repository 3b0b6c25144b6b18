"""API keys in the admin: Create new key (the secret once, in a message), the Revoke and Roll
buttons and list actions, never a hash; each workspace sees and changes only its own."""
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apikeys import keys
from apikeys.models import ApiKey
from metachat.workspaces.models import Membership
from tests.admin_browser import browser_of, buttons
from tests.factories import ApiKeyFactory, MembershipFactory

CHANGELIST = reverse("admin:apikeys_apikey_changelist")
ADD = reverse("admin:apikeys_apikey_add")


@pytest.fixture
def client_a(client, operator):
    client.force_login(operator)
    return client


def me_status(key: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api.get("/v1/me").status_code


def shown_keys(response) -> list[str]:
    """Whole keys appearing in the page's messages."""
    text = " ".join(str(m) for m in response.context["messages"])
    return re.findall(rf"mc_live_[0-9A-Za-z]{{{keys.KEY_LENGTH - len(keys.PREFIX)}}}", text)


def test_creating_a_key_shows_the_secret_once(client_a, operator, workspace):
    response = client_a.post(
        ADD, {"workspace": workspace.pk, "name": "Webhook Integration",
              "scopes": ["webhooks:read", "webhooks:write"]},
        follow=True,
    )

    api_key = ApiKey.objects.get(workspace=workspace)
    [plaintext] = shown_keys(response)
    assert me_status(plaintext) == 200
    assert api_key.scopes == ["webhooks:read", "webhooks:write"]
    assert api_key.created_by == operator
    # Never again: neither the list nor the key's own page shows it.
    assert plaintext not in client_a.get(CHANGELIST).content.decode()
    change = client_a.get(reverse("admin:apikeys_apikey_change", args=[api_key.pk]))
    assert plaintext not in change.content.decode()


def test_no_page_shows_a_hash(client_a, workspace):
    api_key = ApiKeyFactory(workspace=workspace)
    pages = [
        client_a.get(CHANGELIST),
        client_a.get(reverse("admin:apikeys_apikey_change", args=[api_key.pk])),
        client_a.get(reverse("admin:apikeys_apikey_history", args=[api_key.pk])),
        client_a.get(ADD),
    ]

    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert api_key.key_hash not in text
        assert "key_hash" not in text
        assert api_key.secret not in text


def test_revoke_action(client_a, workspace):
    api_key = ApiKeyFactory(workspace=workspace)

    client_a.post(CHANGELIST, {"action": "revoke_keys", ACTION_CHECKBOX_NAME: [api_key.pk]})

    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert me_status(api_key.secret) == 401


def test_roll_action_asks_for_a_grace_period_then_shows_the_new_key_once(client_a, workspace):
    api_key = ApiKeyFactory(workspace=workspace, name="Zapier")

    ask = client_a.post(CHANGELIST, {"action": "roll_keys", ACTION_CHECKBOX_NAME: [api_key.pk]})
    done = client_a.post(
        CHANGELIST,
        {"action": "roll_keys", ACTION_CHECKBOX_NAME: [api_key.pk], "apply": "1",
         "grace_hours": 2},
        follow=True,
    )

    assert ask.status_code == 200 and b"Grace period" in ask.content
    api_key.refresh_from_db()
    new = api_key.replaced_by
    assert new is not None and new.name == "Zapier"
    [plaintext] = shown_keys(done)
    assert me_status(plaintext) == 200
    assert me_status(api_key.secret) == 200  # still within its grace period
    left = api_key.expires_at - timezone.now()
    assert timedelta(hours=1, minutes=59) < left <= timedelta(hours=2)


def test_the_not_used_for_30_days_filter(client_a, workspace):
    now = timezone.now()
    stale = ApiKeyFactory(workspace=workspace, name="stale", last_used_at=now - timedelta(days=31))
    never = ApiKeyFactory(workspace=workspace, name="never", created_at=now - timedelta(days=40))
    ApiKeyFactory(workspace=workspace, name="recent", last_used_at=now - timedelta(days=2))
    ApiKeyFactory(workspace=workspace, name="new")

    response = client_a.get(CHANGELIST, {"usage": "unused30"})

    assert set(response.context["cl"].result_list) == {stale, never}
    assert b"Not used for 30 days" in response.content


def test_operators_see_and_touch_only_their_workspaces_keys(client_a, other_workspace):
    theirs = ApiKeyFactory(workspace=other_workspace, name="Globex key")

    listing = client_a.get(CHANGELIST)
    client_a.post(CHANGELIST, {"action": "revoke_keys", ACTION_CHECKBOX_NAME: [theirs.pk]})

    assert b"Globex" not in listing.content  # neither the key nor the workspace's name
    assert client_a.get(
        reverse("admin:apikeys_apikey_change", args=[theirs.pk])
    ).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_a_viewer_cannot_revoke(client, workspace):
    viewer = MembershipFactory(workspace=workspace, role=Membership.Role.VIEWER).user
    api_key = ApiKeyFactory(workspace=workspace)
    client.force_login(viewer)

    client.post(CHANGELIST, {"action": "revoke_keys", ACTION_CHECKBOX_NAME: [api_key.pk]})

    api_key.refresh_from_db()
    assert api_key.revoked_at is None
    assert client.get(ADD).status_code == 403


def test_operators_cannot_raise_their_own_rate_limit(client_a, workspace):
    client_a.post(ADD, {"workspace": workspace.pk, "name": "fast", "scopes": ["chat:write"],
                        "rate_limit": "100000/s"})

    assert ApiKey.objects.get(workspace=workspace).rate_limit == ""


def test_an_operator_can_rename_and_narrow_a_key(client_a, workspace):
    api_key = ApiKeyFactory(workspace=workspace, name="old")

    response = client_a.post(
        reverse("admin:apikeys_apikey_change", args=[api_key.pk]),
        {"name": "Zapier", "scopes": ["chat:write"], "expires_at_0": "", "expires_at_1": ""},
    )

    api_key.refresh_from_db()
    assert response.status_code == 302
    assert (api_key.name, api_key.scopes) == ("Zapier", ["chat:write"])
    assert me_status(api_key.secret) == 200


def test_the_admin_creates_a_publishable_key_and_shows_its_snippet(client_a, workspace):
    response = client_a.post(
        ADD, {"workspace": workspace.pk, "name": "Shop widget", "kind": "publishable",
              "allowed_origins": "https://shop.example.com\nhttp://localhost:*"},
        follow=True,
    )

    api_key = ApiKey.objects.get(workspace=workspace)
    assert api_key.kind == "publishable"
    assert api_key.allowed_origins == ["https://shop.example.com", "http://localhost:*"]
    snippet = (f'<script src="http://testserver/widget.js" data-key="{api_key.publishable_key}"'
               " async></script>")
    assert snippet in " ".join(str(m) for m in response.context["messages"])
    change = client_a.get(reverse("admin:apikeys_apikey_change", args=[api_key.pk]))
    assert snippet.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") in \
        change.content.decode()
    listing = client_a.get(CHANGELIST).content.decode()
    assert "Publishable (widget)" in listing and "https://shop.example.com" in listing


def test_the_admin_refuses_a_publishable_key_without_origins(client_a, workspace):
    response = client_a.post(ADD, {"workspace": workspace.pk, "name": "w",
                                   "kind": "publishable", "allowed_origins": ""})

    assert response.status_code == 200
    assert "at least one allowed origin" in response.content.decode()
    assert not ApiKey.objects.exists()


# --- the guide's words and buttons, as operators in a browser (CSRF checks on) ---------------
REVOKED_MESSAGE = ("This API key was revoked. Create a new one in the admin (Settings → API "
                   "keys → Create new key) or with POST /v1/api-keys.")




def change_url(api_key):
    return reverse("admin:apikeys_apikey_change", args=[api_key.pk])


def button_url(api_key, tool):
    return reverse("admin:apikeys_apikey_actions", kwargs={"pk": api_key.pk, "tool": tool})


def test_create_new_key_shows_the_key_once_and_it_works(workspace):
    browser = browser_of(workspace, Membership.Role.ADMIN, "adam")

    listing = browser.get(CHANGELIST).content.decode()
    form = browser.get(ADD).content.decode()
    created = browser.post_form(ADD, {"workspace": workspace.pk, "name": "Webhook Integration",
                                  "scopes": ["webhooks:read"]}, follow=True)

    assert f'href="{ADD}" class="addlink">Create new key</a>' in listing
    assert "<h1>Create new key</h1>" in form and "&rsaquo; Create new key" in form
    assert "Add API key" not in form
    assert '<input type="submit" value="Create" class="default" name="_save">' in form
    assert "Save and add another" not in form and 'value="Save"' not in form
    [plaintext] = shown_keys(created)
    assert me_status(plaintext) == 200
    api_key = ApiKey.objects.get(workspace=workspace)
    assert plaintext not in browser.get(CHANGELIST).content.decode()
    assert plaintext not in browser.get(change_url(api_key)).content.decode()


def test_the_revoke_button_stops_the_key_at_once(workspace):
    api_key = ApiKeyFactory(workspace=workspace, name="Zapier")
    assert me_status(api_key.secret) == 200
    browser = browser_of(workspace, Membership.Role.ADMIN, "adam")

    page = browser.get(change_url(api_key))
    [url] = buttons(page)["Revoke"]
    asked = browser.post_form(url)
    assert asked.status_code == 200 and "stops working at once" in asked.content.decode()
    assert me_status(api_key.secret) == 200  # nothing happens before the confirmation
    done = browser.post_form(url, {"apply": "Revoke"}, follow=True)

    assert url == button_url(api_key, "revoke")
    assert done.redirect_chain[-1][0] == change_url(api_key)
    assert "“Zapier” revoked" in done.content.decode()
    refused = APIClient()
    refused.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.secret}")
    response = refused.get("/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "revoked_key"
    assert response.json()["error"]["message"] == REVOKED_MESSAGE
    # A revoked key has nothing left to revoke or roll, on its page or its row.
    assert {"Revoke", "Roll"}.isdisjoint(buttons(browser.get(change_url(api_key))))
    assert {"Revoke", "Roll"}.isdisjoint(buttons(browser.get(CHANGELIST)))


def test_the_roll_button_on_a_row_asks_the_grace_period_then_shows_the_new_key_once(workspace):
    api_key = ApiKeyFactory(workspace=workspace, name="Zapier")
    browser = browser_of(workspace, Membership.Role.OWNER, "olga")

    listing = browser.get(CHANGELIST)
    [url] = buttons(listing)["Roll"]
    assert url == button_url(api_key, "roll")
    ask = browser.post_form(url, {"next": CHANGELIST})
    assert ask.status_code == 200 and "Grace period (hours)" in ask.content.decode()
    assert not ApiKey.objects.filter(replaced_by__isnull=False).exists()  # asking rolls nothing

    done = browser.post_form(url, {"next": CHANGELIST, "apply": "Roll", "grace_hours": 2},
                follow=True)

    assert done.redirect_chain[-1][0] == CHANGELIST
    [plaintext] = shown_keys(done)
    assert me_status(plaintext) == 200
    assert me_status(api_key.secret) == 200  # until the grace period ends
    api_key.refresh_from_db()
    assert timedelta(hours=1, minutes=59) < api_key.expires_at - timezone.now() <= \
        timedelta(hours=2)
    with time_machine.travel(api_key.expires_at + timedelta(seconds=1), tick=False):
        assert me_status(api_key.secret) == 401
        assert me_status(plaintext) == 200
    # Shown once: not on the next page; the rolled key has no Roll button any more.
    again = browser.get(CHANGELIST)
    assert plaintext not in again.content.decode()
    assert buttons(again)["Roll"] == [button_url(api_key.replaced_by, "roll")]


def test_a_viewer_sees_no_buttons_and_pressing_one_changes_nothing(workspace):
    api_key = ApiKeyFactory(workspace=workspace)
    browser = browser_of(workspace, Membership.Role.VIEWER, "vera")

    pages = [browser.get(CHANGELIST), browser.get(change_url(api_key))]
    revoke = browser.post_form(button_url(api_key, "revoke"))
    roll = browser.post_form(button_url(api_key, "roll"), {"apply": "Roll", "grace_hours": 0})

    for page in pages:
        assert page.status_code == 200
        assert {"Revoke", "Roll"}.isdisjoint(buttons(page))
        assert "Create new key" not in page.content.decode()
    assert (revoke.status_code, roll.status_code) == (404, 404)
    api_key.refresh_from_db()
    assert api_key.revoked_at is None and api_key.replaced_by is None
    assert ApiKey.objects.count() == 1
    assert me_status(api_key.secret) == 200


def test_another_workspaces_key_is_not_found_by_its_urls(workspace, other_workspace):
    theirs = ApiKeyFactory(workspace=other_workspace, name="Globex key")
    browser = browser_of(workspace, Membership.Role.ADMIN, "adam")

    assert browser.get(change_url(theirs)).status_code == 404
    assert browser.post_form(button_url(theirs, "revoke")).status_code == 404
    assert browser.post_form(button_url(theirs, "roll"),
                {"apply": "Roll", "grace_hours": 0}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None and theirs.replaced_by is None
    assert me_status(theirs.secret) == 200


def test_narrowing_a_keys_scopes_holds_from_its_next_request(client_a, workspace, settings):
    settings.API_KEY_CACHE_SECONDS = 3600  # this process would reuse its copy of the key
    api_key = ApiKeyFactory(workspace=workspace, scopes=["chat:write", "conversations:read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.secret}")
    assert api.get("/v1/conversations").status_code == 200

    client_a.post(change_url(api_key), {"name": api_key.name, "scopes": ["chat:write"],
                                        "expires_at_0": "", "expires_at_1": ""})

    response = api.get("/v1/conversations")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
