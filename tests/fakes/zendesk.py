"""A Zendesk stand-in over HTTPS: the Support API calls zenpy makes (users/me, tickets)."""
import base64
import itertools
from dataclasses import dataclass, field

from tests.fakes.server import FakeApi


@dataclass
class FakeZendesk(FakeApi):
    email: str = "agent@acme.example"
    api_token: str = "zd-api-token-value"
    tickets: list = field(default_factory=list)
    custom_fields: dict = field(default_factory=lambda: {360001234567: "Order number"})

    def setup_routes(self):
        self._ids = itertools.count(101)
        self.throttle: list[int] = []
        self.route("GET", "/api/v2/users/me.json", self.me)
        self.route("POST", "/api/v2/tickets.json", self.create_ticket)
        self.route("GET", "/api/v2/ticket_fields.json", self.ticket_fields)

    def rate_limit_next(self, retry_after: int):
        self.throttle.append(retry_after)

    def _refused(self, request):
        expected = base64.b64encode(f"{self.email}/token:{self.api_token}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return 401, {"error": "Couldn't authenticate you"}, {}
        if self.throttle:
            return 429, {"error": "APIRateLimitExceeded"}, {
                "Retry-After": str(self.throttle.pop(0))}
        return None

    def ticket_fields(self, request):
        """GET /api/v2/ticket_fields.json: system fields (not removable) and custom ones."""
        if refused := self._refused(request):
            return refused
        system = [{"id": 10 + i, "type": kind, "title": kind.title(), "removable": False}
                  for i, kind in enumerate(("subject", "description", "status", "tickettype",
                                            "priority", "group", "assignee"))]
        custom = [{"id": field_id, "type": "text", "title": title, "removable": True}
                  for field_id, title in self.custom_fields.items()]
        fields = system + custom
        return 200, {"ticket_fields": fields, "next_page": None, "previous_page": None,
                     "count": len(fields)}, {}

    def me(self, request):
        if refused := self._refused(request):
            return refused
        return 200, {"user": {"id": 1, "name": "Agent", "email": self.email, "role": "admin"}}, {}

    def create_ticket(self, request):
        if refused := self._refused(request):
            return refused
        ticket = request.json["ticket"]
        if not ticket.get("comment", {}).get("body"):
            return 422, {"error": "RecordInvalid", "description": "Record validation errors",
                         "details": {"base": [{"description": "Description: cannot be blank"}]}}, {}
        ticket_id = next(self._ids)
        self.tickets.append({"id": ticket_id, **ticket})
        stored = {"id": ticket_id, "subject": ticket.get("subject"), "status": "new"}
        return 201, {"ticket": stored, "audit": {"id": ticket_id * 10, "ticket_id": ticket_id,
                                                 "events": []}}, {}
