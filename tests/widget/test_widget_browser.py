"""The chat widget in a real headless Chromium: a shop's page embeds the snippet, a visitor
opens it, asks, reloads; other origins and forged identities are refused."""
import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conversations.models import Conversation, EndUser
from conversations.services import document_create
from metachat.events.models import Event
from metachat.workspaces.identity import identity_hash
from metachat.workspaces.services import workspace_identity_secret_rotate
from tests.factories import PublishableKeyFactory, WebhookFactory
from tests.helpers import wait_until
from tests.widget.browser import (
    ARTIFACTS,
    HostPage,
    Widget,
    quit_chromium,
    require_browser,
    start_chromium,
)

pytestmark = pytest.mark.usefixtures("transactional_db")

SHIPPING = "## How long is shipping?\nShipping takes 3–5 business days within the country."


@pytest.fixture
def browser():
    require_browser()
    driver = start_chromium()
    yield driver
    quit_chromium(driver)


@pytest.fixture
def pages():
    started = []

    def make(**kwargs) -> HostPage:
        started.append(HostPage(**kwargs))
        return started[-1]

    yield make
    for page in started:
        page.stop()


@pytest.fixture
def shop(workspace):
    workspace.widget_name = "Acme Support"
    workspace.widget_greeting = "Hello! How can we help?"
    workspace.save()
    document_create(workspace=workspace, title="Shipping FAQ", source_type="markdown",
                    content=SHIPPING)
    return workspace


def wait(driver, condition, timeout=20):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda _: condition())


def events_of(workspace, type_):
    return list(Event.objects.filter(workspace=workspace, type=type_).order_by("pk"))


def test_a_visitor_opens_the_widget_asks_and_keeps_the_conversation_after_a_reload(
    browser, pages, shop, live_server, celery_worker, receiver,
):
    page = pages(script=f"{live_server.url}/widget.js")
    page.key = PublishableKeyFactory(workspace=shop, allowed_origins=[page.origin]).secret
    WebhookFactory(workspace=shop, url=receiver.url, events=["user.started"])

    browser.get(page.url)
    widget = Widget(browser)
    wait(browser, lambda: any(e["name"] == "ready" for e in browser.execute_script(
        "return window.seen")))
    launcher = widget.by_role("button", "Open chat")
    assert launcher is not None

    launcher.click()

    # The webhook receiver hears that the visitor opened the widget.
    wait_until(lambda: receiver.requests, timeout=20)
    assert b'"event":"user.started"' in receiver.requests[0].body.replace(b" ", b"")
    assert widget.by_role("dialog").accessible_name == "Acme Support"
    assert "Hello! How can we help?" in widget.text("log")

    box = widget.by_role("textbox", "Message")
    assert box is not None and widget.by_role("button", "Send") is not None
    # Opening puts the cursor in the box.
    assert browser.execute_script(
        "return document.querySelector('[data-metachat]').shadowRoot.activeElement") == box
    box.send_keys("How long is shipping?", Keys.ENTER)

    wait(browser, lambda: "3–5 business days" in widget.text("log"))
    assert "Sources: Shipping FAQ" in widget.text("log")
    assert widget.text("status") == ""  # the typing indicator is gone
    conversation = Conversation.objects.get(workspace=shop)
    assert conversation.channel == "widget"
    assert [e["name"] for e in browser.execute_script("return window.seen")] == [
        "ready", "open", "message"]

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "widget-open.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000

    browser.refresh()

    wait(browser, lambda: "3–5 business days" in widget.text("log"))
    assert "How long is shipping?" in widget.text("log")
    assert widget.by_role("button", "Close chat") is not None  # it stayed open
    # Same visit: no second user.started; the same visitor, the same conversation.
    assert len(events_of(shop, "user.started")) == 1
    assert EndUser.objects.filter(workspace=shop).count() == 1

    widget.by_role("textbox", "Message").send_keys("Can I talk to a human?", Keys.ENTER)

    wait(browser, lambda: "handed to a person" in widget.text("status"))
    assert Conversation.objects.get(pk=conversation.pk).status == "escalated"
    assert "escalated" in [e["name"] for e in browser.execute_script("return window.seen")]


def test_a_page_on_an_origin_that_is_not_allowed_is_refused(browser, pages, shop, live_server):
    key = PublishableKeyFactory(workspace=shop, allowed_origins=["https://shop.example.com"])
    page = pages(script=f"{live_server.url}/widget.js", key=key.secret)

    browser.get(page.url)
    widget = Widget(browser)
    wait(browser, lambda: widget.by_role("button", "Open chat") is not None)
    widget.by_role("button", "Open chat").click()

    wait(browser, lambda: "not enabled for this website" in widget.text("alert"))
    assert page.origin in widget.text("alert")
    assert events_of(shop, "user.started") == []
    key.refresh_from_db()
    assert key.last_used_at is None  # no request of that page was let through


def test_a_wrong_user_hash_is_refused_when_verification_is_required(
    browser, pages, shop, live_server,
):
    secret = workspace_identity_secret_rotate(workspace=shop)
    shop.identity_verification_required = True
    shop.save(update_fields=["identity_verification_required"])
    script = f"{live_server.url}/widget.js"
    forged = pages(script=script, user_id="cust-42", user_name="Ada",
                   user_hash=identity_hash(secret="guessed", user_id="cust-42"))
    signed = pages(script=script, user_id="cust-42", user_name="Ada",
                   user_hash=identity_hash(secret=secret, user_id="cust-42"))
    key = PublishableKeyFactory(workspace=shop, allowed_origins=[forged.origin, signed.origin])
    forged.key = signed.key = key.secret
    widget = Widget(browser)

    browser.get(forged.url)
    wait(browser, lambda: widget.by_role("button", "Open chat") is not None)
    widget.by_role("button", "Open chat").click()

    wait(browser, lambda: "could not be verified" in widget.text("alert"))
    assert events_of(shop, "user.started") == []

    # The host page fixes the identity through the JavaScript API.
    browser.execute_script("return MetaChat.identify(arguments[0])", {
        "userId": "cust-7", "name": "Grace",
        "userHash": identity_hash(secret=secret, user_id="cust-7")})

    wait_until(lambda: events_of(shop, "user.started"), timeout=20)
    assert events_of(shop, "user.started")[0].payload["data"]["userId"] == "cust-7"
    wait(browser, lambda: widget.text("alert") == "")

    browser.get(signed.url)
    wait(browser, lambda: widget.by_role("button", "Open chat") is not None)
    widget.by_role("button", "Open chat").click()

    wait_until(lambda: len(events_of(shop, "user.started")) == 2, timeout=20)
    started = events_of(shop, "user.started")[1]
    assert started.payload["data"]["userId"] == "cust-42"
    assert started.payload["data"]["user"]["name"] == "Ada"
    assert widget.text("alert") == ""


def test_on_a_phone_the_panel_fills_the_screen_and_works_from_the_keyboard(
    pages, shop, live_server,
):
    require_browser()
    phone = start_chromium(width=390, height=844)
    try:
        # A phone's screen (desktop windows have a minimum width).
        phone.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
        page = pages(script=f"{live_server.url}/widget.js")
        page.key = PublishableKeyFactory(workspace=shop, allowed_origins=[page.origin]).secret
        phone.get(page.url)
        widget = Widget(phone)
        wait(phone, lambda: any(e["name"] == "ready" for e in phone.execute_script(
            "return window.seen")))
        launcher = widget.by_role("button", "Open chat")
        launcher.send_keys(Keys.ENTER)  # a keyboard user opens it

        wait(phone, lambda: "Hello! How can we help?" in widget.text("log"))
        dialog = widget.by_role("dialog")
        viewport = phone.execute_script("return window.innerWidth")
        assert dialog.size["width"] == viewport
        box = widget.by_role("textbox", "Message")
        assert box.value_of_css_property("font-size") == "16px"  # no zoom-in on phones
        # The host page's `color: red !important; font-family: serif` stays out.
        assert box.value_of_css_property("color") == "rgba(17, 24, 39, 1)"
        assert box.value_of_css_property("font-family").startswith("system-ui")
        box.send_keys("How long is shipping?", Keys.ENTER)
        wait(phone, lambda: "3–5 business days" in widget.text("log"))
        phone.save_screenshot(str(ARTIFACTS / "widget-phone.png"))

        box.send_keys(Keys.ESCAPE)

        wait(phone, lambda: widget.by_role("button", "Open chat") is not None)
        assert widget.by_role("dialog") is None or not widget.by_role("dialog").is_displayed()
        assert phone.execute_script(
            "return document.querySelector('[data-metachat]').shadowRoot.activeElement"
        ) == widget.by_role("button", "Open chat")
    finally:
        quit_chromium(phone)


def test_offline_and_rate_limited_are_said_in_words_and_the_text_is_kept(
    browser, pages, shop, live_server, settings,
):
    # config, session, and one message fit; the second message is over the rate.
    settings.WIDGET_VISITOR_THROTTLE_RATE = "3/hour"
    page = pages(script=f"{live_server.url}/widget.js")
    page.key = PublishableKeyFactory(workspace=shop, allowed_origins=[page.origin]).secret
    browser.get(page.url)
    widget = Widget(browser)
    wait(browser, lambda: widget.by_role("button", "Open chat") is not None)
    widget.by_role("button", "Open chat").click()
    wait(browser, lambda: "Hello! How can we help?" in widget.text("log"))
    box = widget.by_role("textbox", "Message")

    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    box.send_keys("How long is shipping?", Keys.ENTER)

    wait(browser, lambda: "offline" in widget.text("alert"))
    assert box.get_property("value") == "How long is shipping?"  # nothing lost
    assert "How long is shipping?" not in widget.text("log")

    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    widget.by_role("button", "Send").click()

    wait(browser, lambda: "3–5 business days" in widget.text("log"))
    assert widget.text("alert") == ""

    box.send_keys("Can I return an item?", Keys.ENTER)

    wait(browser, lambda: "too quickly" in widget.text("alert"))
    assert "seconds" in widget.text("alert")
    assert box.get_property("value") == "Can I return an item?"
    assert widget.by_role("button", "Send").is_enabled()  # never a dead panel
