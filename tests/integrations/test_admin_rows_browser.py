"""List rows' buttons in a real headless Chromium: the rows sit inside the list's own form,
so each row's button must submit to its own URL (a form nested in that form is dropped by
the browser, and its button would submit the bulk-action form instead)."""
import json

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from apikeys.models import ApiKey
from tests.admin_browser import PASSWORD, member
from tests.factories import ApiKeyFactory, WebhookFactory

pytestmark = pytest.mark.usefixtures("transactional_db")


def log_in(driver, live_server, workspace, next_url):
    operator = member(workspace, "admin", "ada")
    operator.set_password(PASSWORD)
    operator.save()
    driver.get(f"{live_server.url}/admin/login/?next={next_url}")
    driver.find_element(By.NAME, "username").send_keys("ada")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()


def row_button(driver, row_text, label):
    for row in driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr"):
        if row_text in row.text:
            return row.find_element(By.XPATH, f".//button[normalize-space()='{label}']")
    raise AssertionError(f"no row with {row_text!r}")


def test_the_first_rows_test_button_sends_the_test(chromium, live_server, workspace, receiver):
    WebhookFactory(workspace=workspace, name="Alpha", url=receiver.url)
    WebhookFactory(workspace=workspace, name="Beta", url=receiver.url)
    log_in(chromium, live_server, workspace, "/admin/integrations/webhook/?o=1")
    WebDriverWait(chromium, 20).until(lambda d: d.find_elements(By.ID, "result_list"))
    first = chromium.find_element(By.CSS_SELECTOR, "#result_list tbody tr")
    assert "Alpha" in first.text

    row_button(chromium, "Alpha", "Test").click()

    WebDriverWait(chromium, 20).until(
        lambda d: "HTTP 200" in d.find_element(By.CSS_SELECTOR, "ul.messagelist").text)
    (sent,) = receiver.requests
    assert json.loads(sent.body)["event"] == "webhook.test"
    assert "/admin/integrations/webhook/" in chromium.current_url  # back on the list


def test_the_first_rows_revoke_button_revokes_that_key(chromium, live_server, workspace):
    first = ApiKeyFactory(workspace=workspace, name="Alpha key")
    second = ApiKeyFactory(workspace=workspace, name="Beta key")
    log_in(chromium, live_server, workspace, "/admin/apikeys/apikey/?o=1")
    WebDriverWait(chromium, 20).until(lambda d: d.find_elements(By.ID, "result_list"))

    row_button(chromium, "Alpha key", "Revoke").click()
    WebDriverWait(chromium, 20).until(lambda d: "Revoke “Alpha key”?" in d.title)
    assert ApiKey.objects.get(pk=first.pk).revoked_at is None  # asked first
    chromium.find_element(By.CSS_SELECTOR, "input[type=submit][value=Revoke]").click()

    WebDriverWait(chromium, 20).until(
        lambda d: "“Alpha key” revoked" in d.find_element(By.CSS_SELECTOR, "ul.messagelist").text)
    assert ApiKey.objects.get(pk=first.pk).revoked_at is not None
    assert ApiKey.objects.get(pk=second.pk).revoked_at is None
    assert "/admin/apikeys/apikey/" in chromium.current_url  # back on the list
