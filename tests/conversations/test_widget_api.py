"""The widget's endpoints: visitors, identity verification, a visitor's own conversation,
messages through the chat service with channel widget, and the script itself."""
import gzip
import re

import pytest
from rest_framework.test import APIClient

from conversations.models import Conversation, EndUser
from conversations.services import demo_knowledge_base_load
from metachat.events.models import Event
from metachat.workspaces.identity import identity_hash
from metachat.workspaces.services import workspace_identity_secret_rotate
from tests.factories import PublishableKeyFactory, WorkspaceFactory

SHOP = "https://shop.example.com"
VISITOR = "v_" + "A1b2C3d4" * 4
OTHER_VISITOR = "v_" + "Z9y8X7w6" * 4


class Visitor:
    """What widget.js sends for one visitor."""

    def __init__(self, api_key, visitor_id=VISITOR, user_id="", user_hash=""):
        self.base = f"/v1/widget/{api_key.secret}"
        self.client = APIClient()
        self.headers = {"HTTP_ORIGIN": SHOP, "HTTP_X_VISITOR_ID": visitor_id}
        if user_id:
            self.headers["HTTP_X_USER_ID"] = user_id
        if user_hash:
            self.headers["HTTP_X_USER_HASH"] = user_hash

    def post(self, path, body):
        return self.client.post(self.base + path, body, format="json", **self.headers)

    def get(self, path):
        return self.client.get(self.base + path, **self.headers)


@pytest.fixture
def widget_key(workspace):
    demo_knowledge_base_load(workspace=workspace)
    return PublishableKeyFactory(workspace=workspace, allowed_origins=[SHOP])


def types(workspace):
    return list(Event.objects.filter(workspace=workspace).order_by("pk")
                .values_list("type", flat=True))


def test_the_config_shows_the_workspaces_widget_settings(workspace, widget_key):
    workspace.widget_name, workspace.widget_greeting = "Acme Help", "Hi there!"
    workspace.widget_colour = "#aa0044"
    workspace.save()

    data = Visitor(widget_key).get("/config").json()["data"]

    assert data == {"name": "Acme Help", "greeting": "Hi there!", "colour": "#aa0044",
                    "identityVerificationRequired": False}


def test_an_anonymous_visitor_starts_a_session_and_chats_on_the_widget_channel(
    workspace, widget_key,
):
    visitor = Visitor(widget_key)

    started = visitor.post("/sessions", {"page": "https://shop.example.com/cart"})
    reply = visitor.post("/messages", {"message": "How long is shipping?"}).json()["data"]
    again = visitor.post("/messages", {"message": "Can I return an item?",
                                       "conversationId": reply["conversationId"]})

    assert started.status_code == 201
    assert started.json()["data"] == {"userId": VISITOR, "verified": False}
    assert "Shipping takes 3" in reply["message"]
    assert reply["sources"][0]["title"]
    assert again.status_code == 200
    conversation = Conversation.objects.get(public_id=reply["conversationId"])
    assert conversation.channel == "widget"
    assert conversation.end_user.user_id == VISITOR
    assert conversation.end_user.last_page == "https://shop.example.com/cart"
    assert types(workspace) == ["user.started", "conversation.created", "message.sent",
                                "message.sent"]


def test_a_hand_off_publishes_escalation_triggered(workspace, widget_key):
    reply = Visitor(widget_key).post("/messages", {"message": "Can I talk to a human?"})

    assert reply.json()["data"]["escalated"] is True
    assert "escalation.triggered" in types(workspace)


def test_a_visitor_reads_its_own_conversation_and_no_one_elses(workspace, widget_key):
    mine = Visitor(widget_key)
    reply = mine.post("/messages", {"message": "How long is shipping?"}).json()["data"]
    path = f"/conversations/{reply['conversationId']}"

    own = mine.get(path)
    stranger = Visitor(widget_key, visitor_id=OTHER_VISITOR).get(path)
    stranger_posts = Visitor(widget_key, visitor_id=OTHER_VISITOR).post(
        "/messages", {"message": "hi", "conversationId": reply["conversationId"]})

    assert own.status_code == 200
    assert [m["role"] for m in own.json()["data"]["messages"]] == ["user", "bot"]
    assert own.json()["data"]["status"] == "open"
    assert stranger.status_code == 404 and stranger_posts.status_code == 404
    assert stranger.json()["error"]["code"] == "not_found"
    assert Conversation.objects.get().messages.count() == 2


def test_another_workspaces_key_never_reaches_this_conversation(workspace, widget_key):
    reply = Visitor(widget_key).post("/messages", {"message": "Hello"}).json()["data"]
    other_key = PublishableKeyFactory(workspace=WorkspaceFactory(), allowed_origins=[SHOP])

    response = Visitor(other_key).get(f"/conversations/{reply['conversationId']}")

    assert response.status_code == 404


def test_an_api_conversation_is_not_readable_through_the_widget(workspace, widget_key,
                                                                 api_client):
    reply = api_client.post("/v1/chat", {"message": "Hello", "userId": VISITOR},
                            format="json").json()["data"]

    assert Visitor(widget_key).get(f"/conversations/{reply['conversationId']}").status_code == 404


@pytest.mark.parametrize("visitor_id", ["", "user_1", "v_short", "v_" + "x" * 41, "v_" + "é" * 30])
def test_a_missing_or_malformed_visitor_id_is_a_400(workspace, widget_key, visitor_id):
    response = Visitor(widget_key, visitor_id=visitor_id).post("/sessions", {})

    assert response.status_code == 400
    assert "visitorId" in response.json()["error"]["fields"]
    assert EndUser.objects.count() == 0


# --- identity verification -------------------------------------------------------------------
@pytest.fixture
def secret(workspace):
    return workspace_identity_secret_rotate(workspace=workspace)


def test_a_signed_identity_is_verified(workspace, widget_key, secret):
    visitor = Visitor(widget_key, user_id="cust-42",
                      user_hash=identity_hash(secret=secret, user_id="cust-42"))

    response = visitor.post("/sessions", {"user": {"name": "Ada", "email": "ada@example.com"}})

    assert response.status_code == 201
    assert response.json()["data"] == {"userId": "cust-42", "verified": True}
    assert EndUser.objects.get().email == "ada@example.com"


def test_a_wrongly_signed_identity_is_refused_even_when_not_required(workspace, widget_key,
                                                                     secret):
    forged = Visitor(widget_key, user_id="cust-42",
                     user_hash=identity_hash(secret="guess", user_id="cust-42"))
    other_user = Visitor(widget_key, user_id="cust-43",
                         user_hash=identity_hash(secret=secret, user_id="cust-42"))

    for visitor in (forged, other_user):
        response = visitor.post("/sessions", {})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "identity_refused"
    assert EndUser.objects.count() == 0 and types(workspace) == []


def test_when_verification_is_required_an_unsigned_identity_is_refused(workspace, widget_key,
                                                                        secret):
    workspace.identity_verification_required = True
    workspace.save()
    unsigned = Visitor(widget_key, user_id="cust-42")

    session = unsigned.post("/sessions", {})
    message = unsigned.post("/messages", {"message": "Hello"})
    anonymous = Visitor(widget_key).post("/sessions", {})

    assert session.status_code == message.status_code == 403
    assert session.json()["error"]["code"] == "identity_refused"
    assert "userHash" in session.json()["error"]["message"]
    assert anonymous.status_code == 201  # visitors who claim no identity still chat
    assert list(EndUser.objects.values_list("user_id", flat=True)) == [VISITOR]


def test_unsigned_identities_are_accepted_when_verification_is_off(workspace, widget_key):
    response = Visitor(widget_key, user_id="cust-42").post("/sessions", {})

    assert response.status_code == 201
    assert response.json()["data"] == {"userId": "cust-42", "verified": False}


def test_a_user_id_that_looks_like_a_visitor_id_is_refused(workspace, widget_key):
    response = Visitor(widget_key, user_id=OTHER_VISITOR).post("/sessions", {})

    assert response.status_code == 400


def test_rotating_the_identity_secret_stops_old_hashes(workspace, widget_key, secret):
    old_hash = identity_hash(secret=secret, user_id="cust-42")
    workspace_identity_secret_rotate(workspace=workspace)

    response = Visitor(widget_key, user_id="cust-42", user_hash=old_hash).post("/sessions", {})

    assert response.status_code == 403


def test_the_identity_secret_is_stored_encrypted(workspace, secret):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT identity_secret FROM workspaces_workspace WHERE id = %s",
                       [workspace.pk])
        [stored] = cursor.fetchone()
    assert secret not in stored and stored.startswith("fernet:")


# --- the script -------------------------------------------------------------------------------
def test_widget_js_is_a_cacheable_redirect_to_the_small_static_script(client):
    response = client.get("/widget.js")

    assert response.status_code == 302
    assert "max-age=300" in response["Cache-Control"]
    script = client.get(response["Location"])
    body = b"".join(script.streaming_content) if script.streaming else script.content
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    assert len(gzip.compress(body)) < 30 * 1024
    # Nothing is loaded from anywhere else: no URLs in the script but its own server's.
    assert re.findall(rb"https?://[^\s\"']+", body) == [b"https://HOST/widget.js"]
    assert b'version: VERSION' in body and b"attachShadow" in body


def test_a_same_origin_get_without_an_origin_header_is_judged_by_sec_fetch_site(
    workspace, settings,
):
    api_key = PublishableKeyFactory(workspace=workspace, allowed_origins=["http://testserver"])
    client = APIClient()

    same_origin = client.get(f"/v1/widget/{api_key.secret}/config",
                             HTTP_SEC_FETCH_SITE="same-origin")
    cross_site = client.get(f"/v1/widget/{api_key.secret}/config",
                            HTTP_SEC_FETCH_SITE="cross-site")

    assert same_origin.status_code == 200
    assert cross_site.status_code == 403


def test_the_demo_page_embeds_the_widget_in_development_only(client, settings):
    settings.DEBUG = False
    assert client.get("/widget/demo?key=mc_pub_x").status_code == 404

    settings.DEBUG = True
    page = client.get('/widget/demo?key=mc_pub_x"><script>alert(1)</script>').content.decode()

    assert 'src="http://testserver/widget.js" data-key="mc_pub_x&quot;&gt;' in page
    assert "<script>alert(1)" not in page
    assert '&lt;script src=&quot;http://testserver/widget.js&quot;' in page  # shown to copy
