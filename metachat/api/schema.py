"""Schema hooks: every response as it is sent, in its envelope, with the errors it may be.

Views declare their bare serializers; the renderers wrap them (`{"data": …}`), the
paginator describes its own `{"data": [...], "pagination"}`, and the exception handler
answers `{"error": {"code", "message", "fields"}}`. This hook writes those shapes into
`/v1/schema/`, so a generated client parses what it receives.
"""
ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Machine-readable, e.g. "
                         "validation_error, not_found, insufficient_scope, rate_limited."},
                "message": {"type": "string", "description": "What to fix, in words."},
                "fields": {
                    "type": "object", "additionalProperties": True,
                    "description": "The offending request fields and their messages; {} "
                    "when none applies.",
                },
            },
        },
    },
}
# Every operation may answer these; unsafe methods also 409 (a state that forbids it).
ERRORS = {
    "400": "The request is invalid: see error.fields.",
    "401": "No API key, or an unknown, revoked or expired one.",
    "403": "The key lacks the scope, or the tenantId is another workspace's.",
    "404": "No such object in this workspace.",
    "429": "Too many requests: wait for Retry-After seconds.",
}
UNSAFE_ERRORS = {"409": "The object's state forbids this (e.g. a conversation that ended)."}
UNSAFE = {"post", "put", "patch", "delete"}


def _is_enveloped(schema: dict, components: dict) -> bool:
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    properties = schema.get("properties", {})
    return "pagination" in properties and "data" in properties


def add_envelope_and_errors(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_COMPONENT] = ERROR_SCHEMA
    error_ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if method not in UNSAFE | {"get"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                for media_type, media in (response.get("content") or {}).items():
                    schema = media.get("schema")
                    if schema is None or "json" not in media_type:
                        continue
                    if code.startswith("2") and not _is_enveloped(schema, components):
                        media["schema"] = {"type": "object", "required": ["data"],
                                           "properties": {"data": schema}}
                    elif code[0] in "45":
                        media["schema"] = error_ref
            wanted = dict(ERRORS, **(UNSAFE_ERRORS if method in UNSAFE else {}))
            for code, description in wanted.items():
                responses.setdefault(code, {
                    "description": description,
                    "content": {"application/json": {"schema": error_ref}},
                })
    return result
