"""An operator's browser on the admin: logged in through the login form, CSRF enforced."""
import html
import re
from html.parser import HTMLParser

from django.test import Client

from tests.factories import MembershipFactory, UserFactory

PASSWORD = "correct horse battery staple"


class Browser(Client):
    def post_form(self, url, data=None, **kwargs):
        """POST as a page's form does: with the CSRF token of the session's cookie."""
        if "csrftoken" not in self.cookies:
            self.get("/admin/")
        data = {**(data or {}), "csrfmiddlewaretoken": self.cookies["csrftoken"].value}
        return self.post(url, data, **kwargs)


def logged_in(user) -> Browser:
    user.set_password(PASSWORD)
    user.save()
    browser = Browser(enforce_csrf_checks=True)
    form = browser.get("/admin/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.content).group(1)
    response = browser.post("/admin/login/?next=/admin/", {
        "username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token.decode(),
    })
    assert response.status_code == 302 and response["Location"] == "/admin/"
    return browser


def browser_of(workspace, role: str, username: str) -> Browser:
    """A new member of `workspace` with `role`, logged in."""
    return logged_in(member(workspace, role, username))


def buttons(page) -> dict[str, list[str]]:
    """Each button's label → the URLs its forms post to."""
    found: dict[str, list[str]] = {}
    for action, body in re.findall(rb'<form method="post" action="([^"]*)"[^>]*>(.*?)</form>',
                                   page.content, re.S):
        for label in re.findall(rb"<button[^>]*>\s*([^<]+?)\s*</button>", body):
            found.setdefault(label.decode(), []).append(html.unescape(action.decode()))
    # A list row's buttons submit the list's form to their own URL (forms do not nest).
    for action, label in re.findall(rb'<button[^>]*formaction="([^"]*)"[^>]*>\s*([^<]+?)\s*'
                                    rb"</button>", page.content):
        found.setdefault(label.decode(), []).append(html.unescape(action.decode()))
    return found


def member(workspace, role: str, username: str):
    return MembershipFactory(workspace=workspace, role=role,
                             user=UserFactory(username=username)).user


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.select, self.textarea = form_id, False, None, False
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.fields.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))
        elif tag == "textarea":
            self.fields.append((attrs["name"], ""))
            self.textarea = True

    def handle_data(self, data):
        if self.textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        if tag == "textarea" and self.textarea:
            self.textarea = False
            name, value = self.fields[-1]
            self.fields[-1] = (name, value.removeprefix("\n"))  # as browsers read it
        if tag == "form":
            self.inside = False


def form_data(html: str, form_id: str) -> dict[str, list[str]]:
    """What a browser would submit from the page's form `form_id`, unchanged."""
    reader = _FormReader(form_id)
    reader.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    return data
