"""Debian's Chromium, headless, driven through its chromedriver (Selenium), and host pages
that embed the widget's snippet, served on their own loopback origins."""
import os
import shutil
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
)
HOW_TO_RUN = (
    "The widget's browser tests need Debian's Chromium and its driver: "
    "`apt-get install -y chromium chromium-driver`, then `make test` (CI installs them)."
)
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-dev-shm-usage", "--disable-default-apps", "--disable-extensions",
    "--metrics-recording-only", "--no-default-browser-check",
]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR")
                 or Path(__file__).resolve().parents[2] / "var" / "test-artifacts")


def require_browser() -> None:
    """Skip when Chromium is missing, except in CI, where a missing browser is a failure."""
    if CHROMIUM and CHROMEDRIVER:
        return
    if os.environ.get("CI"):
        pytest.fail(f"Chromium or chromedriver is missing in CI. {HOW_TO_RUN}")
    pytest.skip(HOW_TO_RUN)


def start_chromium(*, width: int = 1280, height: int = 900, network_log: bool = False,
                   flags: tuple[str, ...] = ()):
    """A fresh headless Chromium with its own profile, and `flags` besides the usual ones;
    the caller quits it. With `network_log`, `driver.get_log("performance")` holds its
    DevTools network events."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    if network_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    profile = tempfile.mkdtemp(prefix="metachat-chromium-")
    for flag in [*CHROMIUM_FLAGS, *flags, f"--user-data-dir={profile}",
                 f"--window-size={width},{height}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.profile_dir = profile
    return driver


def quit_chromium(driver) -> None:
    try:
        driver.quit()
    finally:
        shutil.rmtree(driver.profile_dir, ignore_errors=True)


HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>/* a host page whose CSS must not leak into the widget */
button, textarea, div {{ font-family: serif !important; color: red !important; }}</style>
<script>
  window.seen = [];
  ["ready", "open", "message", "escalated", "error"].forEach(function (name) {{
    window.addEventListener("metachat:" + name, function (event) {{
      window.seen.push({{name: name, detail: event.detail}});
    }});
  }});
</script></head>
<body><h1>Demo shop</h1><p>Everything ships in 3–5 days.</p>
<script src="{script}" data-key="{key}"{attributes} async></script>
</body></html>"""


class HostPage:
    """One web page on its own origin (http://127.0.0.1:PORT) embedding the snippet of
    `page.key` (set once the key, which names this origin, exists)."""

    def __init__(self, *, script: str, key: str = "", **attributes: str):
        self.key = key
        rendered = "".join(f' data-{name.replace("_", "-")}="{value}"'
                           for name, value in attributes.items())
        host_page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                page = HOST_PAGE.format(script=script, key=host_page.key,
                                        attributes=rendered).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def url(self) -> str:
        return self.origin + "/shop"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Widget:
    """The widget as a visitor meets it: elements found by role and accessible name (as
    Chromium computes them) inside the widget's shadow root."""

    def __init__(self, driver):
        self.driver = driver

    @property
    def root(self):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, "[data-metachat]").shadow_root

    def by_role(self, role: str, name: str | None = None):
        from selenium.webdriver.common.by import By

        def find():
            for element in self.root.find_elements(By.CSS_SELECTOR, "*"):
                if element.aria_role == role and (name is None or
                                                  element.accessible_name == name):
                    return element
            return None

        return _again_if_stale(find)

    def text(self, role: str) -> str:
        """The text of every element with this role, joined."""
        from selenium.webdriver.common.by import By

        return _again_if_stale(lambda: " ".join(
            element.text for element in self.root.find_elements(By.CSS_SELECTOR, "*")
            if element.aria_role == role).strip())


def _again_if_stale(read, attempts: int = 5):
    """Run `read` again when the widget changed its elements while they were being read."""
    from selenium.common.exceptions import StaleElementReferenceException

    for attempt in range(attempts):
        try:
            return read()
        except StaleElementReferenceException:
            if attempt == attempts - 1:
                raise
    return None
