"""The webhook form's filter rows in a real headless Chromium: add and remove a condition,
the preview follows the rows as they are typed, and Save stores the API's JSON."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from integrations.models import Webhook
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from tests.admin_browser import PASSWORD, member

pytestmark = pytest.mark.usefixtures("transactional_db")


def wait(driver, condition, timeout=20):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda _: condition())


def marks(driver) -> dict[str, str]:
    """The preview's rows: event id → Sent / Filtered out (read in one go: the preview may
    be replaced at any moment)."""
    return driver.execute_script("""
        var marks = {};
        document.querySelectorAll(".filter-preview tr[data-event]").forEach(function (row) {
          marks[row.dataset.event] = row.cells[0].textContent.trim();
        });
        return marks;""")


def test_an_operator_edits_filter_rows_and_watches_the_preview(
    chromium, live_server, workspace, other_workspace, receiver
):
    unsure = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT,
                           data={"confidence": 0.3, "message": "shipping?"})
    sure = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT,
                         data={"confidence": 0.9, "message": "hours?"})
    theirs = event_publish(workspace=other_workspace, type=EventType.MESSAGE_SENT,
                           data={"confidence": 0.1})
    operator = member(workspace, "admin", "ada")
    operator.set_password(PASSWORD)
    operator.save()
    driver = chromium
    driver.get(f"{live_server.url}/admin/login/?next=/admin/integrations/webhook/add/")
    driver.find_element(By.NAME, "username").send_keys("ada")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait(driver, lambda: driver.find_elements(By.CSS_SELECTOR, ".filter-editor"))

    driver.find_element(By.NAME, "name").send_keys("Unsure answers")
    driver.find_element(By.NAME, "url").send_keys(receiver.url)
    driver.find_element(By.CSS_SELECTOR, 'input[name="events"][value="message.sent"]').click()
    wait(driver, lambda: marks(driver) == {unsure.public_id: "Sent", sure.public_id: "Sent"})

    driver.find_element(By.NAME, "filters-0-field").send_keys("confidence")
    Select(driver.find_element(By.NAME, "filters-0-op")).select_by_value("lt")
    driver.find_element(By.NAME, "filters-0-value").send_keys("0.5")
    driver.find_element(By.NAME, "name").click()  # leaving the field: a change event
    wait(driver, lambda: marks(driver) == {unsure.public_id: "Sent",
                                           sure.public_id: "Filtered out"})
    assert theirs.public_id not in driver.find_element(By.CSS_SELECTOR, ".filter-preview").text

    driver.find_element(By.CSS_SELECTOR, ".filter-add").click()
    rows = driver.find_elements(By.CSS_SELECTOR, ".filter-rows tr.filter-row")
    assert len(rows) == 2  # the one filled in and the one added
    driver.find_element(By.NAME, "filters-1-field").send_keys("message")
    Select(driver.find_element(By.NAME, "filters-1-op")).select_by_value("contains")
    driver.find_element(By.NAME, "filters-1-value").send_keys("refund")
    driver.find_element(By.NAME, "name").click()
    wait(driver, lambda: marks(driver) == {unsure.public_id: "Filtered out",
                                           sure.public_id: "Filtered out"})
    rows[1].find_element(By.CSS_SELECTOR, ".filter-remove").click()
    wait(driver, lambda: marks(driver) == {unsure.public_id: "Sent",
                                           sure.public_id: "Filtered out"})
    assert not driver.find_elements(By.NAME, "filters-1-field")

    driver.find_element(By.NAME, "_save").click()
    wait(driver, lambda: "was added successfully" in driver.page_source)

    webhook = Webhook.objects.get()
    assert webhook.filters == [{"field": "confidence", "op": "lt", "value": 0.5}]
    assert webhook.events == ["message.sent"] and webhook.workspace == workspace
