"""The Integrations dashboard (/admin/integrations/) as operators see it, logged in through
the admin's own login form: every card's status, its buttons, the last 24 hours of
deliveries, the workspace switcher, and nothing of another workspace."""
import datetime
import html
import re
import zoneinfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apikeys.services import api_key_revoke
from integrations.dashboard import crm_connection_status
from integrations.models import Delivery
from integrations.reports.models import ReportSchedule
from integrations.zapier.models import HookSubscription
from metachat.api.session import SESSION_KEY
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from tests.admin_browser import member
from tests.factories import (
    ApiKeyFactory,
    CrmConnectionFactory,
    MembershipFactory,
    PublishableKeyFactory,
    UserFactory,
    WebhookFactory,
    WorkspaceFactory,
)
from tests.integrations.crm.conftest import (  # noqa: F401  (the fake Salesforce's fixtures)
    ca_bundle,
    salesforce,
    salesforce_connection,
    salesforce_credentials,
    server_tls,
    test_ca,
    trust_test_ca,
)
from tests.metachat.test_browsable_api import _logged_in

DASHBOARD = "/admin/integrations/"
CARDS = ("Webhooks", "Zapier", "Salesforce", "HubSpot", "Pipedrive", "Zendesk", "Intercom",
         "Daily report", "Chat widget", "API keys")


@pytest.fixture
def admin_browser(workspace):
    return _logged_in(member(workspace, "admin", "adam"))


@pytest.fixture
def viewer_browser(workspace):
    return _logged_in(member(workspace, "viewer", "vera"))


def _page(browser, url=DASHBOARD) -> str:
    response = browser.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _main(page: str) -> str:
    """The page without the admin's own header and footer."""
    return page[page.index('<div id="content-main">'):page.index('<footer id="footer">')]


def _card(page: str, title: str) -> str:
    match = re.search(rf'<section class="integration-card" aria-label="{re.escape(title)}">'
                      r"(.*?)</section>", page, re.S)
    assert match, f"no card {title!r}"
    return match.group(1)


def _status(page: str, title: str) -> str:
    return re.search(r'<div class="status tone-\w+">(.*?)</div>', _card(page, title)).group(1)


def _counts(page: str, title: str) -> tuple[int, int, int]:
    card = _card(page, title)
    return tuple(int(re.search(rf'<span class="{name}">(\d+) {name}</span>', card).group(1))
                 for name in ("sent", "failed", "pending"))


def _delivery(workspace, kind, destination_id, status, age=datetime.timedelta(0)):
    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={})
    return Delivery.objects.create(workspace=workspace, event=event, destination_kind=kind,
                                   destination_id=destination_id, status=status,
                                   created_at=timezone.now() - age)


def _hours(n):
    return datetime.timedelta(hours=n)


# --- who may open it ---------------------------------------------------------------------------
def test_anonymous_is_sent_to_the_login_page(db):
    response = Client().get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={DASHBOARD}"


def test_the_admin_index_links_to_the_dashboard_and_the_section_opens_it(admin_browser):
    index = _page(admin_browser, "/admin/")

    assert f'<a href="{DASHBOARD}"><strong>Integrations dashboard</strong></a>' in index
    assert reverse("admin:app_list", args=["integrations"]) == DASHBOARD
    assert "<h1>Integrations</h1>" in _page(admin_browser)


def test_a_staff_user_without_a_workspace_is_told_how_to_get_one(db):
    page = _page(_logged_in(UserFactory(username="newcomer")))

    assert "You are not a member of any workspace yet" in page
    assert 'class="integration-card"' not in page


# --- every card, every state -----------------------------------------------------------------
def test_a_new_workspace_lists_every_card_with_its_connect_button(admin_browser, workspace):
    page = _page(admin_browser)

    for title in CARDS:
        _card(page, title)
    assert _status(page, "Webhooks") == "Not connected"
    assert _status(page, "Zapier") == "Not connected"
    for crm, key in (("Salesforce", "salesforce"), ("HubSpot", "hubspot"),
                     ("Pipedrive", "pipedrive"), ("Zendesk", "zendesk"),
                     ("Intercom", "intercom")):
        assert _status(page, crm) == "Not connected"
        connect = html.escape(f"{reverse('admin:crm_crmconnection_add')}?provider={key}"
                              f"&workspace={workspace.pk}")
        assert f'href="{connect}">Connect</a>' in _card(page, crm)
    assert _status(page, "Daily report") == "Not set up"
    assert _status(page, "Chat widget") == "Not set up"
    assert _status(page, "API keys") == "No active keys"
    assert f'href="{reverse("admin:integrations_webhook_add")}?workspace={workspace.pk}"' \
        in _card(page, "Webhooks")
    assert reverse("admin:apikeys_apikey_add") in _card(page, "API keys")
    assert ">Create new key</a>" in _card(page, "API keys")


@pytest.mark.parametrize("state, expected", [
    ({}, "Active"),
    ({"failing_since": timezone.now()}, "Failing"),
    ({"active": False, "disabled_reason": "Failed for 5 days"}, "Disabled"),
])
def test_a_webhook_shows_as_active_failing_or_disabled(admin_browser, workspace, state,
                                                       expected):
    webhook = WebhookFactory(workspace=workspace, name="Order sync", **state)

    card = _card(_page(admin_browser), "Webhooks")

    assert re.search(r'<div class="status tone-\w+">(.*?)</div>', card).group(1) == expected
    change = reverse("admin:integrations_webhook_change", args=[webhook.pk])
    assert re.search(rf'<a href="{change}">Order sync</a> <span class="status tone-\w+">'
                     rf"{expected}</span>", card)


def test_several_webhooks_are_counted_per_status(admin_browser, workspace):
    WebhookFactory(workspace=workspace, name="A")
    WebhookFactory(workspace=workspace, name="B")
    WebhookFactory(workspace=workspace, name="C", failing_since=timezone.now())
    WebhookFactory(workspace=workspace, name="D", active=False)

    assert _status(_page(admin_browser), "Webhooks") == "2 Active · 1 Failing · 1 Disabled"


@pytest.mark.parametrize("state, expected", [
    ({}, "Connected"),
    ({"failing_since": timezone.now()}, "Failing"),
    ({"status": "error", "last_error": "Salesforce refused the token"}, "Error"),
    ({"status": "disconnected"}, "Disconnected"),
    ({"active": False}, "Disabled"),
])
def test_a_crm_connection_shows_its_state(admin_browser, workspace, state, expected):
    crm = CrmConnectionFactory(workspace=workspace, name="Sales", **state)

    page = _page(admin_browser)

    assert crm_connection_status(crm) == expected
    assert _status(page, "Salesforce") == expected
    assert _status(page, "HubSpot") == "Not connected"
    card = _card(page, "Salesforce")
    assert f'href="{reverse("admin:crm_crmconnection_change", args=[crm.pk])}">Configure' in card
    assert ">Connect</a>" not in card
    assert ("Test Salesforce connection" in card) is (expected != "Disconnected")


def test_zapier_is_connected_while_a_hook_is_subscribed(admin_browser, workspace):
    key = ApiKeyFactory(workspace=workspace, name="Zapier")
    hook = HookSubscription.objects.create(workspace=workspace, api_key=key,
                                           event="message.sent",
                                           target_url="https://hooks.zapier.com/h/1")
    HookSubscription.objects.create(workspace=workspace, api_key=key, event="message.sent",
                                    target_url="https://hooks.zapier.com/h/2",
                                    failing_since=timezone.now())

    page = _page(admin_browser)
    assert _status(page, "Zapier") == "Connected"
    assert "2 hook subscriptions (zaps) · 1 Failing" in _card(page, "Zapier")

    HookSubscription.objects.update(unsubscribed_at=timezone.now())
    assert _status(_page(admin_browser), "Zapier") == "Not connected"
    assert hook.pk  # the rows stay, for the delivery log


def test_the_daily_report_shows_its_next_send_time(admin_browser, workspace):
    schedule = ReportSchedule.objects.create(workspace=workspace, timezone="Europe/Berlin",
                                             send_at=datetime.time(9, 0),
                                             recipients="boss@example.com")

    card = _card(_page(admin_browser), "Daily report")

    local = timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/Berlin"))
    day = local.date() if local.time() < datetime.time(9, 0) else (
        local.date() + datetime.timedelta(days=1))
    assert '<div class="status tone-ok">Active</div>' in card
    assert f"Next report {day:%a} {day.day} {day:%b %Y}, 09:00 Europe/Berlin to 1 recipient." \
        in card

    schedule.active = False
    schedule.save()
    assert _status(_page(admin_browser), "Daily report") == "Disabled"


def test_the_chat_widget_is_active_with_a_live_publishable_key(admin_browser, workspace):
    widget_key = PublishableKeyFactory(workspace=workspace)
    ApiKeyFactory(workspace=workspace)
    expired = ApiKeyFactory(workspace=workspace)
    expired.expires_at = timezone.now() - _hours(1)
    expired.save(update_fields=["expires_at"])

    page = _page(admin_browser)
    assert _status(page, "Chat widget") == "Active"
    assert _status(page, "API keys") == "1 active key"

    api_key_revoke(api_key=widget_key)
    assert _status(_page(admin_browser), "Chat widget") == "Not set up"


# --- the last 24 hours -------------------------------------------------------------------------
def test_the_24_hour_counts_are_the_deliveries_of_each_destination(
    admin_browser, workspace, other_workspace
):
    webhook = WebhookFactory(workspace=workspace)
    sales = CrmConnectionFactory(workspace=workspace, provider="salesforce")
    marketing = CrmConnectionFactory(workspace=workspace, provider="hubspot")
    hook = HookSubscription.objects.create(workspace=workspace, event="message.sent",
                                           target_url="https://hooks.zapier.com/h/1")
    recent = _delivery(workspace, "webhook", webhook.pk, "succeeded", _hours(1))
    _delivery(workspace, "webhook", webhook.pk, "succeeded", _hours(1))
    _delivery(workspace, "webhook", webhook.pk, "failed", _hours(3))
    _delivery(workspace, "webhook", webhook.pk, "pending")
    _delivery(workspace, "webhook", webhook.pk, "succeeded", _hours(22))
    _delivery(workspace, "webhook", webhook.pk, "cancelled", _hours(2))
    _delivery(workspace, "webhook", webhook.pk, "succeeded", _hours(25))  # too old
    theirs = WebhookFactory(workspace=other_workspace)
    _delivery(other_workspace, "webhook", theirs.pk, "succeeded", _hours(1))  # not ours
    _delivery(workspace, "zapier", hook.pk, "succeeded", _hours(2))
    _delivery(workspace, "crm", sales.pk, "failed", _hours(5))
    _delivery(workspace, "crm", marketing.pk, "pending", _hours(5))
    _delivery(workspace, "crm", marketing.pk, "succeeded", _hours(6))

    page = _page(admin_browser)

    assert _counts(page, "Webhooks") == (3, 1, 1)
    assert _counts(page, "Zapier") == (1, 0, 0)
    assert _counts(page, "Salesforce") == (0, 1, 0)
    assert _counts(page, "HubSpot") == (1, 0, 1)
    start = recent.created_at.astimezone(datetime.UTC).replace(minute=0, second=0,
                                                               microsecond=0)
    end = start + _hours(1)
    chart = _card(page, "Webhooks")
    assert (f"<title>{start:%H:%M}–{end:%H:%M} UTC: 2 sent, 0 failed, 0 pending</title>"
            in chart)
    assert chart.count("<g><title>") == 24
    assert "<script" not in _main(page) and "http" not in _main(page)


def test_the_page_costs_the_same_queries_however_much_there_is(admin_browser, workspace):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            _page(admin_browser)
        return len(captured)

    webhook = WebhookFactory(workspace=workspace)
    _delivery(workspace, "webhook", webhook.pk, "succeeded")
    few = queries()
    for n in range(6):
        more = WebhookFactory(workspace=workspace)
        crm = CrmConnectionFactory(workspace=workspace,
                                   provider=("salesforce", "hubspot", "zendesk")[n % 3])
        for hours in range(0, 20, 3):
            _delivery(workspace, "webhook", more.pk, "failed", _hours(hours))
            _delivery(workspace, "crm", crm.pk, "succeeded", _hours(hours))
    ApiKeyFactory(workspace=workspace)
    ReportSchedule.objects.create(workspace=workspace)

    assert queries() == few <= 15


# --- roles ---------------------------------------------------------------------------------------
def test_a_viewer_sees_the_status_but_no_changing_button(viewer_browser, workspace):
    crm = CrmConnectionFactory(workspace=workspace, name="Sales")
    WebhookFactory(workspace=workspace, name="Order sync")

    page = _main(_page(viewer_browser))

    assert _status(page, "Salesforce") == "Connected"
    assert _status(page, "Webhooks") == "Active"
    for word in ("Test Salesforce connection", ">Connect</a>", "Add webhook",
                 "Create new key", ">Set up</a>", "csrfmiddlewaretoken", ">Configure</a>"):
        assert word not in page
    assert f'href="{reverse("admin:crm_crmconnection_change", args=[crm.pk])}">View</a>' in page
    test = reverse("admin:crm_crmconnection_actions",
                   kwargs={"pk": crm.pk, "tool": "test_connection_button"})
    token = viewer_browser.cookies["csrftoken"].value
    assert viewer_browser.post(test, {"csrfmiddlewaretoken": token}).status_code == 404


def test_the_test_salesforce_connection_button_creates_a_record_and_comes_back(
    admin_browser, salesforce, salesforce_connection  # noqa: F811  (the imported fixtures)
):
    page = _page(admin_browser)
    card = _card(page, "Salesforce")
    action = reverse("admin:crm_crmconnection_actions",
                     kwargs={"pk": salesforce_connection.pk, "tool": "test_connection_button"})
    form = re.search(rf'<form method="post" action="{action}">(.*?)</form>', card, re.S).group(1)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert "Test Salesforce connection" in form and fields["next"] == DASHBOARD

    response = admin_browser.post(action, fields, follow=True)

    (record,) = salesforce.records
    assert record["fields"]["Subject"] == "[Test] Meta Chat conversation conv_test"
    assert response.redirect_chain[-1][0] == DASHBOARD
    back = response.content.decode()
    assert f"Sales: test record created in Salesforce with id {record['id']}." in back
    assert _status(back, "Salesforce") == "Connected"


# --- workspaces ----------------------------------------------------------------------------------
def test_the_switcher_lists_only_the_operators_workspaces_and_changes_the_figures(
    workspace, other_workspace
):
    initech = WorkspaceFactory(name="Initech")
    operator = member(workspace, "admin", "olga")
    MembershipFactory(workspace=other_workspace, user=operator, role="viewer")
    WebhookFactory(workspace=workspace, name="Acme hook")
    globex_hook = WebhookFactory(workspace=other_workspace, name="Globex hook",
                                 failing_since=timezone.now())
    _delivery(other_workspace, "webhook", globex_hook.pk, "failed", _hours(2))
    WebhookFactory(workspace=initech, name="Initech hook")
    browser = _logged_in(operator)

    first = _page(browser)
    options = re.findall(r'<option value="(ws_\w+)"[^>]*>([^<]+)</option>', first)
    assert options == [(workspace.public_id, "Acme"), (other_workspace.public_id, "Globex")]
    assert "Acme hook" in first and "Globex hook" not in first and "Initech" not in first
    assert _status(first, "Webhooks") == "Active" and _counts(first, "Webhooks") == (0, 0, 0)

    switched = _page(browser, f"{DASHBOARD}?workspace={other_workspace.public_id}")
    assert _status(switched, "Webhooks") == "Failing"
    assert _counts(switched, "Webhooks") == (0, 1, 0)
    assert "Globex hook" in switched and "Acme hook" not in switched
    assert "Add webhook" not in switched  # a viewer there
    assert browser.session[SESSION_KEY] == other_workspace.public_id
    assert "Globex hook" in _page(browser)  # remembered
    assert browser.get("/v1/").json()["data"]["workspace"] == other_workspace.public_id

    assert browser.get(f"{DASHBOARD}?workspace={initech.public_id}").status_code == 404
    assert browser.get(f"{DASHBOARD}?workspace=ws_nonsense").status_code == 404
    assert browser.session[SESSION_KEY] == other_workspace.public_id
    assert "Initech" not in _page(browser)


def test_one_workspace_no_switcher_and_nothing_of_another_workspace(
    admin_browser, workspace, other_workspace
):
    WebhookFactory(workspace=other_workspace, name="Globex orders")
    CrmConnectionFactory(workspace=other_workspace, name="Globex sales")
    ApiKeyFactory(workspace=other_workspace, name="Globex key")
    PublishableKeyFactory(workspace=other_workspace)
    ReportSchedule.objects.create(workspace=other_workspace)

    page = _page(admin_browser)

    assert 'id="workspace-switcher"' not in page
    assert "Globex" not in page
    assert _status(page, "Webhooks") == "Not connected"
    assert _status(page, "Salesforce") == "Not connected"
    assert _status(page, "Chat widget") == "Not set up"
    assert _status(page, "Daily report") == "Not set up"


def test_a_superuser_may_switch_to_any_workspace(workspace, other_workspace):
    root = UserFactory(username="root", is_superuser=True)
    browser = _logged_in(root)

    page = _page(browser)

    assert re.findall(r'<option value="(ws_\w+)"', page) == [workspace.public_id,
                                                             other_workspace.public_id]
    assert "Add webhook" in _page(browser, f"{DASHBOARD}?workspace={other_workspace.public_id}")


def test_every_link_opens_and_the_sections_lists_are_kept(admin_browser, workspace):
    CrmConnectionFactory(workspace=workspace)
    WebhookFactory(workspace=workspace)
    ReportSchedule.objects.create(workspace=workspace)
    page = _page(admin_browser)

    for name in ("integrations_webhook", "integrations_delivery", "integrations_attempt",
                 "integrations_recovery", "crm_crmconnection", "zapier_hooksubscription",
                 "reports_reportschedule", "reports_dailyreport", "apikeys_apikey"):
        assert f'href="{reverse(f"admin:{name}_changelist")}"' in page
    links = {html.unescape(href) for href in re.findall(r'href="(/admin/[^"]+)"', _main(page))}
    assert len(links) > 20
    for link in sorted(links):
        assert admin_browser.get(link).status_code == 200, link
