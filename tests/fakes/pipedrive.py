"""A Pipedrive stand-in: the v1 calls pipedrive-python-lib makes (users/me, persons, notes)."""
import itertools
from dataclasses import dataclass, field

from tests.fakes.server import FakeApi


@dataclass
class FakePipedrive(FakeApi):
    api_token: str = "pd-api-token-value"
    persons: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def setup_routes(self):
        self._ids = itertools.count(1)
        self.throttle: list[int] = []
        self.route("GET", "/v1/users/me", self.me)
        self.route("GET", "/v1/persons/search", self.search)
        self.route("POST", "/v1/persons", self.create_person)
        self.route("POST", "/v1/notes", self.create_note)

    def rate_limit_next(self, retry_after: int):
        self.throttle.append(retry_after)

    def _refused(self, request):
        if request.query.get("api_token") != self.api_token:
            return 401, {"success": False, "error": "unauthorized access", "errorCode": 401}, {}
        if self.throttle:
            return 429, {"success": False, "error": "Request over limit", "errorCode": 429}, {
                "Retry-After": str(self.throttle.pop(0))}
        return None

    def me(self, request):
        if refused := self._refused(request):
            return refused
        return 200, {"success": True, "data": {"id": 1, "name": "Owner"}}, {}

    def search(self, request):
        if refused := self._refused(request):
            return refused
        term, field_name = request.query["term"], request.query.get("fields", "email")
        items = []
        for person in self.persons.values():
            values = ([e["value"] for e in person.get("email", [])] if field_name == "email"
                      else [person.get("name")])
            if term in values:
                items.append({"result_score": 1, "item": {"id": person["id"],
                                                          "name": person["name"]}})
        return 200, {"success": True, "data": {"items": items[:1]}}, {}

    def create_person(self, request):
        if refused := self._refused(request):
            return refused
        person = {"id": next(self._ids), **request.json}
        self.persons[person["id"]] = person
        return 201, {"success": True, "data": person}, {}

    def create_note(self, request):
        if refused := self._refused(request):
            return refused
        body = request.json
        if not body.get("content"):
            return 400, {"success": False, "error": "Note content is required"}, {}
        if body.get("person_id") not in self.persons:
            return 400, {"success": False, "error": "Person not found"}, {}
        note = {"id": next(self._ids) + 5000, **body}
        self.notes.append(note)
        return 201, {"success": True, "data": note}, {}
