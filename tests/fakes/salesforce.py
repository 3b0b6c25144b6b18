"""A Salesforce stand-in over HTTPS: the OAuth token endpoint and the sObject REST API.

It speaks what simple-salesforce sends: client-credentials token requests, sObject
describe and create, and sObject Collections (`composite/sobjects`, up to 200 records).
"""
import itertools
from dataclasses import dataclass, field

from tests.fakes.server import FakeApi

STANDARD_FIELDS = {
    "Task": {"Subject", "Description", "ActivityDate", "Status", "Priority", "WhoId", "WhatId"},
    "Case": {"Subject", "Description", "Origin", "Status", "SuppliedEmail", "SuppliedName",
             "Priority"},
}
VERSION = r"v\d+\.\d+"


@dataclass
class FakeSalesforce(FakeApi):
    client_id: str = "3MVG9-client-id"
    client_secret: str = "sf-client-secret-value"
    records: list = field(default_factory=list)
    objects: dict = field(default_factory=lambda: {k: set(v) for k, v in STANDARD_FIELDS.items()})

    def setup_routes(self):
        self._ids = itertools.count(1)
        self.valid_tokens: set[str] = set()
        self.issued_tokens: list[str] = []
        self.throttle: list[int] = []  # Retry-After values for the next record calls
        self.redirect_token_to = ""  # answer the token request with a 307 to this URL
        self.route("POST", "/services/oauth2/token", self.token)
        self.route("GET", f"/services/data/{VERSION}/sobjects/(\\w+)/describe/?", self.describe)
        self.route("POST", f"/services/data/{VERSION}/sobjects/(\\w+)/?", self.create)
        self.route("POST", f"/services/data/{VERSION}/composite/sobjects/?", self.collection)

    # --- controls for tests ------------------------------------------------------------------
    def expire_tokens(self):
        self.valid_tokens.clear()

    def rate_limit_next(self, retry_after: int):
        self.throttle.append(retry_after)

    # --- endpoints -----------------------------------------------------------------------------
    def token(self, request):
        if self.redirect_token_to:
            return 307, None, {"Location": self.redirect_token_to}
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type",
                         "error_description": "grant type not supported"}, {}
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id,
                                                                    self.client_secret):
            return 400, {"error": "invalid_client",
                         "error_description": "invalid client credentials"}, {}
        token = f"00DFAKE!token{len(self.issued_tokens) + 1}"
        self.issued_tokens.append(token)
        self.valid_tokens.add(token)
        return 200, {"access_token": token, "instance_url": self.url, "token_type": "Bearer",
                     "id": f"{self.url}/id/00D/005", "issued_at": "1700000000000"}, {}

    def _unauthorized(self, request):
        auth = request.headers.get("authorization", "")
        if auth.removeprefix("Bearer ") not in self.valid_tokens:
            return 401, [{"message": "Session expired or invalid",
                          "errorCode": "INVALID_SESSION_ID"}], {}
        if self.throttle:
            return 429, [{"message": "Too many requests", "errorCode": "REQUEST_LIMIT_EXCEEDED"}], {
                "Retry-After": str(self.throttle.pop(0))}
        return None

    def describe(self, request):
        if refused := self._unauthorized(request):
            return refused
        name = request.match.group(1)
        if name not in self.objects:
            return 404, [{"errorCode": "NOT_FOUND",
                          "message": "The requested resource does not exist"}], {}
        return 200, {"name": name, "createable": True,
                     "fields": [{"name": f} for f in sorted(self.objects[name])]}, {}

    def _store(self, name: str, fields: dict, via: str):
        if name not in self.objects:
            message = f"sObject type '{name}' is not supported."
            return {"success": False, "errors": [{"statusCode": "NOT_FOUND", "message": message}]}
        unknown = sorted(set(fields) - self.objects[name] - {"attributes"})
        if unknown:
            return {"success": False, "errors": [{
                "statusCode": "INVALID_FIELD",
                "message": f"No such column '{unknown[0]}' on sobject of type {name}",
                "fields": unknown}]}
        record_id = f"00T{next(self._ids):015d}"
        self.records.append({"id": record_id, "object": name, "via": via,
                             "fields": {k: v for k, v in fields.items() if k != "attributes"}})
        return {"id": record_id, "success": True, "errors": []}

    def create(self, request):
        if refused := self._unauthorized(request):
            return refused
        result = self._store(request.match.group(1), request.json, "single")
        if not result["success"]:
            error = result["errors"][0]
            return 400, [{"message": error["message"], "errorCode": error["statusCode"],
                          "fields": error.get("fields", [])}], {}
        return 201, result, {}

    def collection(self, request):
        if refused := self._unauthorized(request):
            return refused
        records = request.json.get("records") or []
        if len(records) > 200:
            return 400, [{"message": "Maximum of 200 records",
                          "errorCode": "EXCEEDED_ID_LIMIT"}], {}
        return 200, [self._store(r["attributes"]["type"], r, "collection") for r in records], {}
