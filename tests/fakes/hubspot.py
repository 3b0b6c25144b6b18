"""A HubSpot stand-in: the CRM v3 objects API that hubspot-api-client calls."""
import itertools
from dataclasses import dataclass, field

from tests.fakes.server import FakeApi

STAMP = "2025-01-15T10:30:00.000Z"
# A few of each object's built-in properties (HubSpot has hundreds).
PROPERTIES = {
    "contacts": {"email", "firstname", "lastname", "phone", "company", "lifecyclestage"},
    "notes": {"hs_note_body", "hs_timestamp", "hubspot_owner_id", "hs_attachment_ids"},
    "tickets": {"subject", "content", "hs_pipeline", "hs_pipeline_stage",
                "hs_ticket_priority", "hs_ticket_category", "source_type"},
}


@dataclass
class FakeHubSpot(FakeApi):
    access_token: str = "pat-na1-fake-token"
    objects: dict = field(default_factory=lambda: {"contacts": {}, "notes": {}, "tickets": {}})
    batches: list = field(default_factory=list)
    custom_properties: set = field(default_factory=set)  # created in the portal by the user

    def setup_routes(self):
        self._ids = itertools.count(1001)
        self.throttle: list[int] = []
        base = "/crm/v3/objects/(contacts|notes|tickets)"
        self.route("GET", base, self.page)
        self.route("POST", f"{base}/search", self.search)
        self.route("POST", f"{base}/batch/create", self.batch_create)
        self.route("POST", f"{base}/batch/read", self.batch_read)
        self.route("POST", base, self.create)
        self.route("PATCH", f"{base}/(\\d+)", self.update)
        self.route("GET", "/crm/v3/properties/(contacts|notes|tickets)", self.properties)

    def properties(self, request):
        """GET /crm/v3/properties/{objectType}: the object's property definitions."""
        if refused := self._refused(request):
            return refused
        names = PROPERTIES[request.match.group(1)] | self.custom_properties
        return 200, {"results": [
            {"name": name, "label": name, "type": "string", "fieldType": "text",
             "groupName": "metachat", "calculated": False, "hasUniqueValue": False,
             "hidden": False, "formField": True, "options": []}
            for name in sorted(names)]}, {}

    def rate_limit_next(self, retry_after: int):
        self.throttle.append(retry_after)

    def _refused(self, request):
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return 401, {"status": "error", "category": "INVALID_AUTHENTICATION",
                         "message": "Authentication credentials not found."}, {}
        if self.throttle:
            return 429, {"status": "error", "category": "RATE_LIMITS",
                         "message": "You have reached your secondly limit."}, {
                "Retry-After": str(self.throttle.pop(0))}
        return None

    def _object(self, object_type, properties, associations=None):
        object_id = str(next(self._ids))
        self.objects[object_type][object_id] = {
            "properties": dict(properties), "associations": associations or []}
        return {"id": object_id, "properties": properties, "createdAt": STAMP,
                "updatedAt": STAMP, "archived": False}

    def page(self, request):
        if refused := self._refused(request):
            return refused
        return 200, {"results": []}, {}

    def search(self, request):
        if refused := self._refused(request):
            return refused
        (condition,) = request.json["filterGroups"][0]["filters"]
        matches = [
            {"id": object_id, "properties": obj["properties"], "createdAt": STAMP,
             "updatedAt": STAMP, "archived": False}
            for object_id, obj in self.objects[request.match.group(1)].items()
            if obj["properties"].get(condition["propertyName"]) == condition["value"]
        ]
        return 200, {"total": len(matches), "results": matches[:1]}, {}

    def create(self, request):
        if refused := self._refused(request):
            return refused
        body = request.json
        return 201, self._object(request.match.group(1), body.get("properties", {}),
                                 body.get("associations")), {}

    def batch_create(self, request):
        if refused := self._refused(request):
            return refused
        inputs = request.json["inputs"]
        if len(inputs) > 100:
            return 400, {"status": "error", "category": "VALIDATION_ERROR",
                         "message": "Batch size limit is 100."}, {}
        self.batches.append(len(inputs))
        results = [self._object(request.match.group(1), item.get("properties", {}),
                                item.get("associations")) for item in inputs]
        return 201, {"status": "COMPLETE", "results": results, "startedAt": STAMP,
                     "completedAt": STAMP}, {}

    def batch_read(self, request):
        if refused := self._refused(request):
            return refused
        body = request.json
        id_property = body.get("idProperty") or "hs_object_id"
        wanted = [item["id"] for item in body["inputs"]]
        objects = self.objects[request.match.group(1)]
        results, missing = [], []
        for value in wanted:
            match = next((object_id for object_id, obj in objects.items()
                          if str(obj["properties"].get(id_property, "")).lower()
                          == value.lower()), None)
            if match is None:
                missing.append(value)
                continue
            results.append({"id": match, "properties": objects[match]["properties"],
                            "createdAt": STAMP, "updatedAt": STAMP, "archived": False})
        answer = {"status": "COMPLETE", "results": results, "startedAt": STAMP,
                  "completedAt": STAMP}
        if missing:
            answer.update(numErrors=1, errors=[{
                "status": "error", "category": "OBJECT_NOT_FOUND",
                "message": "Could not get some CONTACT objects, they may be deleted or not exist.",
                "context": {"ids": missing}}])
            return 207, answer, {}
        return 200, answer, {}

    def update(self, request):
        if refused := self._refused(request):
            return refused
        obj = self.objects[request.match.group(1)][request.match.group(2)]
        obj["properties"].update(request.json.get("properties", {}))
        return 200, {"id": request.match.group(2), "properties": obj["properties"],
                     "createdAt": STAMP, "updatedAt": STAMP, "archived": False}, {}
