"""The browsable API in a browser: an operator logged in to the admin, CSRF enforced, one
workspace of theirs at a time, a viewer only reads; every route with or without a slash;
the docs served offline."""
import re

import pytest
from django.test import Client

from conversations.models import Document
from tests.factories import ConversationFactory, MembershipFactory, UserFactory, WorkspaceFactory

PASSWORD = "correct horse battery staple"


def _logged_in(user) -> Client:
    """A browser: CSRF checks on, logged in through the admin's own login form."""
    user.set_password(PASSWORD)
    user.save()
    browser = Client(enforce_csrf_checks=True)
    form = browser.get("/admin/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.content).group(1)
    response = browser.post("/admin/login/?next=/admin/", {
        "username": user.username, "password": PASSWORD,
        "csrfmiddlewaretoken": token.decode(),
    })
    assert response.status_code == 302 and response["Location"] == "/admin/"
    return browser


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
