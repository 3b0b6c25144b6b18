"""/v1/docs/ and /v1/redoc/ need no other host: their HTML names none, their
Content-Security-Policy lets the browser fetch from none, and in a real Chromium every
request they make goes to this server while Swagger UI and Redoc still render."""
import json
import re
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.widget.browser import quit_chromium, require_browser, start_chromium

DOCS = ["/v1/docs/", "/v1/redoc/"]
# Should the policy fail, Chromium still reaches no other host: every name but ours is unknown.
LOOPBACK_ONLY = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",)


@pytest.mark.parametrize("path", DOCS)
def test_the_docs_html_names_no_other_host(client, db, path):
    page = client.get(path)

    html = page.content.decode()
    assert page.status_code == 200
    assert not re.findall(r"(?:https?:)?//[\w.-]+", html.replace("http://www.w3.org", "")), html
    assert "fonts.googleapis.com" not in html and "<script>" not in html  # no inline script
    policy = page["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "img-src 'self' data:" in policy and "worker-src 'self' blob:" in policy


def test_swagger_uis_start_up_script_is_its_own_request_with_the_csrf_token(client, db):
    html = client.get("/v1/docs/").content.decode()
    script_url = re.search(r'<script src="(/v1/docs/\?script=)"></script>', html).group(1)

    script = client.get(script_url)

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    code = script.content.decode()
    assert 'url: "/v1/schema/"' in code
    assert re.search(r'request.headers\["X-CSRFTOKEN"\] = "\w{32,}"', code), code
    assert '"validatorUrl": null' in code  # no badge from validator.swagger.io


@pytest.fixture
def chromium():
    require_browser()
    driver = start_chromium(network_log=True, flags=LOOPBACK_ONLY)
    yield driver
    quit_chromium(driver)


def _network(driver, base: str) -> tuple[list[str], list[str]]:
    """(sent, stopped): the URLs of the requests the page at `base` (or a worker it made)
    started, from DevTools' log, split by whether its Content-Security-Policy stopped them
    before they were sent. Chromium's own pages (its start-up tab) are not the page's."""
    started, blocked = {}, set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            if params.get("documentURL", "").startswith((base, "blob:")):
                started[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFailed" and params.get("blockedReason") == "csp":
            blocked.add(params["requestId"])
    return ([url for request, url in started.items() if request not in blocked],
            [url for request, url in started.items() if request in blocked])


def _open(driver, live_server, path: str) -> str:
    """Open `path` of the live server by its loopback address, with fresh logs."""
    base = f"http://127.0.0.1:{urlsplit(live_server.url).port}"
    driver.get_log("performance")  # what the empty start-up tab did is not the page's
    driver.get_log("browser")
    driver.get(base + path)
    return base


def _elsewhere(urls, base: str) -> list[str]:
    here = urlsplit(base).netloc
    return [url for url in urls
            if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != here]


def _only_this_server(driver, base: str) -> list[str]:
    """Assert that every request the page sent went to `base`, and that its policy stopped
    only requests for other hosts; return those it stopped."""
    sent, stopped = _network(driver, base)
    timed = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert sent and timed
    assert _elsewhere(sent, base) == []
    # Chromium lists a request its policy stopped among the page's resources too.
    assert set(_elsewhere(timed, base)) <= set(stopped)
    assert _elsewhere(stopped, base) == stopped
    refused = [entry["message"] for entry in driver.get_log("browser")
               if "Content Security Policy" in entry["message"]
               and not any(url in entry["message"] for url in stopped)]
    assert refused == []  # nothing of this server's was stopped: no inline script either
    return stopped


def _wait(driver, condition, timeout=30):
    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda _: condition())


@pytest.mark.usefixtures("transactional_db")
def test_redoc_renders_from_this_server_alone(chromium, live_server):
    base = _open(chromium, live_server, "/v1/redoc/")

    title = _wait(chromium, lambda: chromium.find_elements(By.CSS_SELECTOR, "h1"))
    assert "Meta Chat API" in title[0].text
    _wait(chromium, lambda: "Webhooks" in chromium.find_element(By.TAG_NAME, "body").text)
    # Redoc's bundle shows its maker's logo from cdn.redoc.ly: the policy stops it unsent.
    assert _only_this_server(chromium, base) == ["https://cdn.redoc.ly/redoc/logo-mini.svg"]


@pytest.mark.usefixtures("transactional_db")
def test_swagger_ui_renders_its_operations_from_this_server_alone(chromium, live_server):
    base = _open(chromium, live_server, "/v1/docs/")

    operations = _wait(chromium, lambda: chromium.find_elements(By.CSS_SELECTOR, ".opblock"))
    assert len(operations) > 10
    assert any("/v1/webhooks" in op.text for op in operations)
    assert _only_this_server(chromium, base) == []
