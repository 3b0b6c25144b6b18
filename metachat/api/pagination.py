"""limit/offset pagination: `{"data": [...], "pagination": {"limit", "offset", "total"}}`."""
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    default_limit = 10
    max_limit = 100

    def get_limit(self, request):
        return self._read(request, self.limit_query_param, self.default_limit, minimum=1)

    def get_offset(self, request):
        return self._read(request, self.offset_query_param, 0, minimum=0)

    def _read(self, request, name: str, default: int, *, minimum: int) -> int:
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise ValidationError({name: [f"Must be a whole number of at least {minimum}."]})
        if name == self.limit_query_param:
            return min(value, self.max_limit)
        return value

    def get_paginated_response(self, data):
        return Response(
            {
                "data": data,
                "pagination": {"limit": self.limit, "offset": self.offset, "total": self.count},
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {
                "data": schema,
                "pagination": {
                    "type": "object",
                    "required": ["limit", "offset", "total"],
                    "properties": {
                        "limit": {"type": "integer", "example": 10},
                        "offset": {"type": "integer", "example": 0},
                        "total": {"type": "integer", "example": 42},
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["description"] = (
                    f"Items per page, 1–{self.max_limit} (default {self.default_limit}; "
                    "more is read as the maximum)."
                )
                parameter["schema"] = {**parameter.get("schema", {}), "minimum": 1}
            if parameter["name"] == self.offset_query_param:
                parameter["schema"] = {**parameter.get("schema", {}), "minimum": 0}
        return parameters
