"""The browsable API in a browser: an operator logged in to the admin, CSRF enforced, one
workspace of theirs at a time, a viewer only reads; a developer's pasted API key; every
route with or without a slash; the docs served offline."""
import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from apikeys.services import api_key_revoke, api_key_roll
from conversations.models import Document
from integrations.models import Webhook
from metachat.api.session import SESSION_KEY
from tests.admin_browser import logged_in
from tests.factories import (
    ApiKeyFactory,
    ConversationFactory,
    MembershipFactory,
    PublishableKeyFactory,
    UserFactory,
    WorkspaceFactory,
)

# A browser: CSRF checks on, logged in through the admin's own login form.
_logged_in = logged_in


def _csrf(browser: Client) -> str:
    browser.get("/admin/")  # sets the csrftoken cookie
    return browser.cookies["csrftoken"].value


def _member(workspace, role, username):
    return MembershipFactory(workspace=workspace, role=role,
                             user=UserFactory(username=username)).user


DOCUMENT = {"title": "Opening hours", "content": "We are open 9 to 5.", "sourceType": "text"}


def test_an_operator_browses_their_workspace_in_html(workspace, other_workspace):
    mine = ConversationFactory(workspace=workspace)
    theirs = ConversationFactory(workspace=other_workspace)
    browser = _logged_in(_member(workspace, "viewer", "vera"))

    page = browser.get("/v1/conversations", HTTP_ACCEPT="text/html")
    data = browser.get("/v1/conversations").json()

    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert mine.public_id in page.content.decode()
    assert theirs.public_id not in page.content.decode()
    assert [item["id"] for item in data["data"]] == [mine.public_id]
    assert browser.get(f"/v1/conversations/{theirs.public_id}").status_code == 404
    root = browser.get("/v1/").json()["data"]
    assert root["workspace"] == workspace.public_id
    assert root["conversations"].endswith("/v1/conversations")
    for name, path in {"hooks": "/v1/hooks", "crmConnections": "/v1/integrations/crm",
                       "reports": "/v1/reports", "apiKeys": "/v1/api-keys", "me": "/v1/me"}.items():
        assert root[name].endswith(path), name  # every collection is a link from the root


def test_without_a_session_the_api_still_asks_for_a_key(db):
    response = Client().get("/v1/conversations")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "missing_credentials"


def test_a_viewer_only_reads(workspace):
    browser = _logged_in(_member(workspace, "viewer", "vera"))

    response = browser.post("/v1/documents", DOCUMENT, content_type="application/json",
                            HTTP_X_CSRFTOKEN=_csrf(browser))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_role"
    assert not Document.objects.exists()


def test_an_admin_writes_with_the_csrf_token_and_not_without(workspace):
    browser = _logged_in(_member(workspace, "admin", "adam"))

    forged = browser.post("/v1/documents", DOCUMENT, content_type="application/json")
    assert forged.status_code == 403 and "CSRF" in forged.json()["error"]["message"]
    assert not Document.objects.exists()

    made = browser.post("/v1/documents", DOCUMENT, content_type="application/json",
                        HTTP_X_CSRFTOKEN=_csrf(browser))
    assert made.status_code == 201
    assert Document.objects.get().workspace == workspace


def test_an_operator_of_several_workspaces_chooses_one_and_it_is_remembered(workspace,
                                                                          other_workspace):
    user = _member(workspace, "owner", "olga")
    MembershipFactory(workspace=other_workspace, user=user, role="viewer")
    ConversationFactory(workspace=other_workspace)
    stranger = WorkspaceFactory(name="Initech")
    ConversationFactory(workspace=stranger)
    browser = _logged_in(user)

    unchosen = browser.get("/v1/conversations")
    assert unchosen.status_code == 400
    assert unchosen.json()["error"]["code"] == "workspace_required"
    assert other_workspace.public_id in unchosen.json()["error"]["message"]

    chosen = browser.get(f"/v1/conversations?workspace={other_workspace.public_id}")
    assert chosen.status_code == 200 and len(chosen.json()["data"]) == 1
    assert browser.get("/v1/").json()["data"]["workspace"] == other_workspace.public_id
    # The role is that workspace's: viewer there.
    refused = browser.post("/v1/documents", DOCUMENT, content_type="application/json",
                           HTTP_X_CSRFTOKEN=_csrf(browser))
    assert refused.status_code == 403

    not_mine = browser.get(f"/v1/conversations?workspace={stranger.public_id}")
    assert not_mine.status_code == 404 and stranger.public_id in not_mine.content.decode()
    assert "Initech" not in not_mine.content.decode()


def test_a_session_cannot_act_as_an_api_key(workspace):
    browser = _logged_in(_member(workspace, "owner", "olga"))

    assert browser.get("/v1/me").status_code == 403
    assert browser.get("/v1/api-keys").json()["error"]["code"] == "api_key_required"


def test_a_staff_user_of_no_workspace_is_refused(db):
    browser = _logged_in(UserFactory(username="nobody"))

    response = browser.get("/v1/conversations")

    assert response.status_code == 403 and "not a member" in response.json()["error"]["message"]


def test_a_key_still_wins_over_a_session(workspace, other_workspace, make_api_client):
    key = make_api_client(other_workspace).api_key
    browser = _logged_in(_member(workspace, "viewer", "vera"))

    response = browser.post("/v1/documents", DOCUMENT, content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {key.secret}")

    assert response.status_code == 201  # the key's scopes, no CSRF: not ambient credentials
    assert Document.objects.get().workspace == other_workspace


@pytest.mark.parametrize("path", [
    "/v1/conversations", "/v1/conversations/", "/v1/documents/", "/v1/webhooks/",
    "/v1/events/", "/v1/integrations/crm/", "/v1/me/", "/v1/schema", "/v1/schema/",
])
def test_every_route_answers_with_and_without_a_trailing_slash(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 200, response.content


def test_a_post_with_a_trailing_slash_is_not_redirected(api_client):
    response = api_client.post("/v1/documents/", DOCUMENT, format="json")

    assert response.status_code == 201
    assert api_client.get("/v1/nothing-here/").status_code == 404


@pytest.mark.parametrize("path", ["/v1/docs/", "/v1/docs", "/v1/redoc/", "/v1/redoc"])
def test_the_docs_are_served_by_the_product(client, path, db):
    page = client.get(path)

    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset
        assert client.get(asset).status_code == 200, asset


# --- A developer's API key pasted on the page ---------------------------------------------

def _browser() -> Client:
    """A browser of someone with no admin account: CSRF checks on, only what the page gives."""
    return Client(enforce_csrf_checks=True)


def _page_token(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def _paste(browser: Client, secret: str, page: str = "/v1/conversations"):
    """Open `page` in HTML, paste `secret` into "Use an API key", follow back to the page."""
    shown = browser.get(page, HTTP_ACCEPT="text/html")
    assert 'action="/api-auth/key"' in shown.content.decode()
    return browser.post("/api-auth/key", {
        "key": secret, "next": page, "csrfmiddlewaretoken": _page_token(shown),
    }, follow=True, HTTP_ACCEPT="text/html")


def _forget(browser: Client):
    shown = browser.get("/v1/", HTTP_ACCEPT="text/html")
    assert "Forget key" in shown.content.decode()
    return browser.post("/api-auth/key/forget", {
        "next": "/v1/", "csrfmiddlewaretoken": _page_token(shown),
    }, follow=True, HTTP_ACCEPT="text/html")


def _sessions_decoded() -> str:
    return " ".join(str(session.get_decoded()) + session.session_data
                    for session in Session.objects.all())


def test_a_developer_without_an_account_is_asked_for_a_key_on_the_page(db):
    page = _browser().get("/v1/", HTTP_ACCEPT="text/html")

    assert page.status_code == 401
    html = page.content.decode()
    assert "Use an API key" in html and 'name="key"' in html and "csrfmiddlewaretoken" in html
    assert "Forget key" not in html


def test_a_pasted_key_lists_its_workspaces_conversations_only(workspace, other_workspace):
    mine = ConversationFactory(workspace=workspace)
    theirs = ConversationFactory(workspace=other_workspace)
    api_key = ApiKeyFactory(workspace=workspace, name="Dev laptop",
                            scopes=["conversations:read"])
    browser = _browser()

    page = _paste(browser, api_key.secret)

    assert page.status_code == 200, page.content
    html = page.content.decode()
    assert mine.public_id in html and theirs.public_id not in html
    assert api_key.prefix in html and "Dev laptop" in html
    assert api_key.secret not in html
    assert [c["id"] for c in browser.get("/v1/conversations").json()["data"]] == [mine.public_id]
    assert browser.get(f"/v1/conversations/{theirs.public_id}").status_code == 404
    assert browser.get("/v1/me").json()["data"]["keyId"] == api_key.public_id
    # The key's scopes, not more: it may not read documents.
    refused = browser.get("/v1/documents")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"


def test_a_key_of_workspace_a_never_sees_workspace_b(workspace, other_workspace):
    theirs = ConversationFactory(workspace=other_workspace)
    browser = _browser()
    _paste(browser, ApiKeyFactory(workspace=workspace).secret)

    assert browser.get("/v1/conversations").json()["data"] == []
    assert browser.get(f"/v1/conversations/{theirs.public_id}").status_code == 404
    assert browser.get(f"/v1/conversations?tenantId={other_workspace.public_id}"
                       ).json()["error"]["code"] == "tenant_mismatch"
    # Choosing a workspace is for operators: the key's stays the key's.
    chosen = browser.get(f"/v1/?workspace={other_workspace.public_id}").json()["data"]
    assert chosen["workspace"] == workspace.public_id


def test_writes_need_the_csrf_token_including_the_paste_form(workspace):
    api_key = ApiKeyFactory(workspace=workspace)
    browser = _browser()

    unpasted = browser.post("/api-auth/key", {"key": api_key.secret, "next": "/v1/"})
    assert unpasted.status_code == 403
    assert browser.get("/v1/conversations").status_code == 401

    _paste(browser, api_key.secret)
    forged = browser.post("/v1/documents", DOCUMENT, content_type="application/json")
    assert forged.status_code == 403 and "CSRF" in forged.json()["error"]["message"]
    assert not Document.objects.exists()

    token = browser.cookies["csrftoken"].value
    made = browser.post("/v1/documents", DOCUMENT, content_type="application/json",
                        HTTP_X_CSRFTOKEN=token)
    assert made.status_code == 201
    assert Document.objects.get().workspace == workspace

    unforgotten = browser.post("/api-auth/key/forget", {"next": "/v1/"})
    assert unforgotten.status_code == 403
    assert browser.get("/v1/conversations").status_code == 200


def test_a_revoked_key_is_refused_on_the_next_page_with_the_apis_error(workspace):
    api_key = ApiKeyFactory(workspace=workspace)
    browser = _browser()
    _paste(browser, api_key.secret)
    assert browser.get("/v1/conversations").status_code == 200

    api_key_revoke(api_key=api_key)

    response = browser.get("/v1/conversations")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "revoked_key"
    page = browser.get("/v1/conversations", HTTP_ACCEPT="text/html")
    assert page.status_code == 401 and "This API key was revoked" in page.content.decode()
    assert "Forget key" in page.content.decode()


def test_a_rolled_key_expires_for_the_browser_too(workspace):
    api_key = ApiKeyFactory(workspace=workspace)
    browser = _browser()
    _paste(browser, api_key.secret)

    api_key_roll(api_key=api_key, grace_period=timedelta(0))

    assert browser.get("/v1/conversations").json()["error"]["code"] == "expired_key"


@pytest.mark.parametrize("make, code, words", [
    (lambda ws: PublishableKeyFactory(workspace=ws, allowed_origins=["https://shop.example.com"]
                                      ).secret, "publishable_key", "publishable key"),
    (lambda ws: _mistyped(ApiKeyFactory(workspace=ws).secret), "malformed_key", "copied whole"),
    (lambda ws: _revoked(ws).secret, "revoked_key", "This API key was revoked"),
    (lambda ws: "not a key", "malformed_key", "well-formed"),
])
def test_a_key_that_cannot_call_the_api_is_refused_with_a_clear_message(workspace, make, code,
                                                                        words):
    browser = _browser()

    page = _paste(browser, make(workspace))

    html = page.content.decode()
    assert words in html and f"({code})" in html
    assert "Forget key" not in html
    assert browser.get("/v1/conversations").json()["error"]["code"] == "missing_credentials"


def _mistyped(secret: str) -> str:
    return secret[:-1] + ("1" if secret.endswith("0") else "0")


def _revoked(workspace):
    api_key = ApiKeyFactory(workspace=workspace)
    api_key_revoke(api_key=api_key)
    return api_key


def test_the_session_table_never_holds_the_key(workspace):
    api_key = ApiKeyFactory(workspace=workspace)
    browser = _browser()

    _paste(browser, api_key.secret)

    stored = _sessions_decoded()
    assert api_key.identifier in stored  # the pasted key is in the session…
    assert api_key.secret not in stored and api_key.secret[len("mc_live_"):] not in stored
    assert api_key.key_hash not in stored  # …as neither the key nor its stored hash


def test_forget_key_ends_it(workspace):
    browser = _browser()
    _paste(browser, ApiKeyFactory(workspace=workspace).secret)

    page = _forget(browser)

    assert "no longer use it" in page.content.decode()
    response = browser.get("/v1/conversations")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "missing_credentials"


def test_a_header_still_wins_over_a_pasted_key(workspace, other_workspace):
    browser = _browser()
    _paste(browser, ApiKeyFactory(workspace=workspace).secret)
    other = ApiKeyFactory(workspace=other_workspace)

    response = browser.get("/v1/me", HTTP_AUTHORIZATION=f"Bearer {other.secret}")

    assert response.json()["data"]["workspaceId"] == other_workspace.public_id


def test_a_pasted_key_has_the_keys_rate_limit(workspace):
    api_key = ApiKeyFactory(workspace=workspace, rate_limit="2/min")
    browser = _browser()
    _paste(browser, api_key.secret)  # the page it returns to counts once

    browser.get("/v1/conversations")
    over = browser.get("/v1/conversations")

    assert over.status_code == 429 and over.json()["error"]["code"] == "rate_limited"


def test_the_schema_names_the_pasted_key_scheme(client, db):
    schemes = client.get("/v1/schema/?format=json").json()["components"]["securitySchemes"]

    assert schemes["BrowserApiKey"]["in"] == "cookie"
    assert "Use an API key" in schemes["BrowserApiKey"]["description"]


# --- Finding one's way: the Workspace menu, breadcrumbs, the site's address -----------------

def _switcher(html: str) -> list[tuple[str, str]]:
    """(value, name) of each workspace in the page's Workspace menu; [] without one."""
    form = re.search(r'<form method="get"[^>]*id="workspace-switcher".*?</form>', html, re.S)
    if form is None:
        return []
    assert 'name="workspace"' in form.group(0)
    return re.findall(r'<option value="(ws_[^"]+)"[^>]*>([^<]+)</option>', form.group(0))


def test_an_operator_of_several_workspaces_is_offered_them_by_name(workspace, other_workspace):
    user = _member(workspace, "owner", "olga")
    MembershipFactory(workspace=other_workspace, user=user, role="viewer")
    WorkspaceFactory(name="Initech")  # not theirs
    browser = _logged_in(user)

    page = browser.get("/v1/conversations", HTTP_ACCEPT="text/html")

    html = page.content.decode()
    assert page.status_code == 400
    assert _switcher(html) == [(workspace.public_id, "Acme"),
                               (other_workspace.public_id, "Globex")]
    assert "olga" in html  # still signed in, as the top bar says
    message = browser.get("/v1/conversations").json()["error"]["message"]
    assert f"Acme ({workspace.public_id}), Globex ({other_workspace.public_id})" in message
    assert "Initech" not in html and "Initech" not in message

    chosen = browser.get(f"/v1/conversations?workspace={other_workspace.public_id}",
                         HTTP_ACCEPT="text/html").content.decode()
    assert re.search(rf'<option value="{other_workspace.public_id}" selected>', chosen)
    # Remembered in the session, under the key the admin's dashboard reads too.
    assert browser.session[SESSION_KEY] == other_workspace.public_id
    assert _switcher(browser.get("/v1/", HTTP_ACCEPT="text/html").content.decode())


def test_the_menu_is_for_operators_of_several_workspaces_only(workspace, other_workspace):
    one = _logged_in(_member(workspace, "owner", "solo"))
    assert _switcher(one.get("/v1/conversations", HTTP_ACCEPT="text/html").content.decode()) == []

    user = _member(workspace, "owner", "olga")
    MembershipFactory(workspace=other_workspace, user=user)
    browser = _logged_in(user)
    key = ApiKeyFactory(workspace=workspace)
    sent = browser.get("/v1/conversations", HTTP_ACCEPT="text/html",
                       HTTP_AUTHORIZATION=f"Bearer {key.secret}")
    assert sent.status_code == 200 and _switcher(sent.content.decode()) == []
    _paste(browser, key.secret)
    pasted = browser.get("/v1/conversations", HTTP_ACCEPT="text/html")
    assert pasted.status_code == 200 and _switcher(pasted.content.decode()) == []


def test_a_superuser_is_offered_every_workspace_and_the_error_names_ten(db):
    workspaces = [WorkspaceFactory(name=f"Shop {n:02}") for n in range(12)]
    browser = _logged_in(UserFactory(username="root", is_superuser=True))

    page = browser.get("/v1/conversations", HTTP_ACCEPT="text/html").content.decode()
    message = browser.get("/v1/conversations").json()["error"]["message"]

    assert [name for _, name in _switcher(page)] == [ws.name for ws in workspaces]
    assert f"Shop 09 ({workspaces[9].public_id})" in message
    assert "Shop 10" not in message and message.endswith("and 2 more.")


def _breadcrumbs(html: str) -> list[str]:
    trail = re.search(r'<ul class="breadcrumb">(.*?)</ul>', html, re.S).group(1)
    names = [name.strip() for name in re.findall(r"<a [^>]*>([^<]+)</a>", trail)]
    assert len(names) == trail.count("<li"), trail
    return names


@pytest.mark.parametrize("path, trail", [
    ("/v1/", ["Meta Chat API"]),
    ("/v1", ["Meta Chat API"]),
    ("/v1/conversations", ["Meta Chat API", "Conversations"]),
    ("/v1/conversations/", ["Meta Chat API", "Conversations"]),
    ("/v1/webhooks/", ["Meta Chat API", "Webhooks"]),
    ("/v1/integrations/crm", ["Meta Chat API", "CRM connections"]),
    ("/v1/nothing-here/", ["Meta Chat API"]),
])
def test_breadcrumbs_name_only_real_pages(workspace, path, trail):
    browser = _logged_in(_member(workspace, "owner", "olga"))

    html = browser.get(path, HTTP_ACCEPT="text/html").content.decode()

    assert _breadcrumbs(html) == trail


def test_an_objects_page_is_titled_with_its_kind(workspace):
    conversation = ConversationFactory(workspace=workspace)
    browser = _logged_in(_member(workspace, "owner", "olga"))

    html = browser.get(f"/v1/conversations/{conversation.public_id}/",
                       HTTP_ACCEPT="text/html").content.decode()
    root = browser.get("/v1/", HTTP_ACCEPT="text/html").content.decode()

    assert _breadcrumbs(html) == ["Meta Chat API", "Conversations", "Conversation"]
    assert "<title>Conversation – Meta Chat API</title>" in html
    assert "<title>Meta Chat API</title>" in root and "Api Root" not in root


def test_the_sites_address_opens_the_integrations_dashboard_after_logging_in(workspace):
    response = Client().get("/")

    assert response.status_code == 302 and response["Location"] == "/admin/integrations/"
    login = Client().get("/", follow=True)
    assert login.redirect_chain[-1][0] == "/admin/login/?next=/admin/integrations/"
    browser = _logged_in(_member(workspace, "owner", "olga"))
    dashboard = browser.get("/", follow=True)
    assert dashboard.status_code == 200 and dashboard.request["PATH_INFO"] == "/admin/integrations/"


def test_signed_out_the_page_names_both_ways_in_and_a_program_gets_the_short_message(db):
    page = _browser().get("/v1/", HTTP_ACCEPT="text/html")
    program = Client().get("/v1/")

    html = page.content.decode()
    assert page.status_code == 401 and "missing_credentials" in html
    assert "Paste a secret key into \\&quot;Use an API key\\&quot; on this page" in html
    assert "or log in to the admin (/admin/) as an operator" in html
    assert 'href="/admin/login/?next=/v1/"' in html  # the top bar's "Log in"
    assert program.status_code == 401
    assert program.json()["error"] == {
        "code": "missing_credentials", "fields": {},
        "message": "Send your API key as `Authorization: Bearer <key>`.",
    }


def test_a_webhooks_form_is_the_json_one_since_html_forms_take_no_lists(workspace):
    browser = _logged_in(_member(workspace, "owner", "olga"))

    html = browser.get("/v1/webhooks", HTTP_ACCEPT="text/html").content.decode()

    assert "not currently supported in HTML input" not in html
    assert 'id="post-generic-content-form"' in html
    raw = re.search(r'<textarea name="_content"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert "&quot;events&quot;: []" in raw and "&quot;filters&quot;: []" in raw
    # Where every field fits a form, the HTML form stays.
    documents = browser.get("/v1/documents", HTTP_ACCEPT="text/html").content.decode()
    assert 'id="post-object-form"' in documents


def test_a_webhook_made_from_the_raw_data_tab_is_made(workspace, receiver):
    browser = _logged_in(_member(workspace, "owner", "olga"))
    page = browser.get("/v1/webhooks", HTTP_ACCEPT="text/html").content.decode()
    token = re.search(r'"csrfToken": "([^"]+)"', page).group(1)
    body = {"name": "Orders", "url": receiver.url, "events": ["user.started"],
            "filters": [{"field": "channel", "op": "eq", "value": "web"}]}

    # What the tab's POST button sends: its JSON, with the page's CSRF token in a header.
    made = browser.post("/v1/webhooks", body, content_type="application/json",
                        HTTP_X_CSRFTOKEN=token)

    assert made.status_code == 201, made.content
    made = Webhook.objects.get(workspace=workspace)
    assert made.events == ["user.started"] and made.filters[0]["value"] == "web"
