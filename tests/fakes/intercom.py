"""An Intercom stand-in: the REST calls the official Python SDK makes for contact notes."""
import itertools
from dataclasses import dataclass, field

from tests.fakes.server import FakeApi


@dataclass
class FakeIntercom(FakeApi):
    access_token: str = "dG9rOmZha2UtaW50ZXJjb20="
    contacts: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def setup_routes(self):
        self._ids = itertools.count(1)
        self.throttle: list[int] = []
        self.route("GET", "/me", self.me)
        self.route("POST", "/contacts/search", self.search)
        self.route("POST", "/contacts", self.create_contact)
        self.route("POST", "/contacts/(\\w+)/notes", self.create_note)

    def rate_limit_next(self, retry_after: int):
        self.throttle.append(retry_after)

    def _refused(self, request):
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return 401, {"type": "error.list", "errors": [
                {"code": "unauthorized", "message": "Access Token Invalid"}]}, {}
        if self.throttle:
            return 429, {"type": "error.list", "errors": [
                {"code": "rate_limit_exceeded", "message": "Rate Limit Exceeded"}]}, {
                "Retry-After": str(self.throttle.pop(0))}
        return None

    def me(self, request):
        if refused := self._refused(request):
            return refused
        return 200, {"type": "admin", "id": "991", "name": "Ops", "email": "ops@acme.example",
                     "app": {"type": "app", "id_code": "abc123", "name": "Acme"}}, {}

    def search(self, request):
        if refused := self._refused(request):
            return refused
        query = request.json["query"]
        found = [c for c in self.contacts.values() if c.get(query["field"]) == query["value"]]
        return 200, {"type": "list", "data": found, "total_count": len(found),
                     "pages": {"type": "pages", "page": 1, "per_page": 50, "total_pages": 1}}, {}

    def create_contact(self, request):
        if refused := self._refused(request):
            return refused
        contact = {"type": "contact", "id": f"c{next(self._ids)}", **request.json}
        self.contacts[contact["id"]] = contact
        return 200, contact, {}

    def create_note(self, request):
        if refused := self._refused(request):
            return refused
        contact_id = request.match.group(1)
        if contact_id not in self.contacts:
            return 404, {"type": "error.list", "errors": [
                {"code": "not_found", "message": "User Not Found"}]}, {}
        note = {"type": "note", "id": f"n{next(self._ids)}", "created_at": 1736937000,
                "body": request.json["body"], "contact": {"type": "contact", "id": contact_id}}
        self.notes.append(note)
        return 200, note, {}
