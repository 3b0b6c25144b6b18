"""An operator's browser on the admin: logged in through the login form, CSRF enforced."""
import re

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


def member(workspace, role: str, username: str):
    return MembershipFactory(workspace=workspace, role=role,
                             user=UserFactory(username=username)).user
