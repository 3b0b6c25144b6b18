"""One error format for every 4xx/5xx: `{"error": {"code", "message", "fields"}}`."""
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

# Codes for DRF's own exceptions, named for what the client did wrong.
_DEFAULT_CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ValidationError: "validation_error",
}


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than this server accepts."
    default_code = "request_too_large"


def service_validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    """A service's Django ValidationError as the API's 400: per field when it names fields."""
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(error.message_dict)
    return exceptions.ValidationError(error.messages)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def _code_for(exc: exceptions.APIException) -> str:
    code = getattr(exc, "error_code", None)
    if code:
        return code
    if not isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, str):
        detail_code = getattr(exc.detail, "code", None)
        if detail_code and detail_code != exc.default_code:
            return detail_code
    for cls, default in _DEFAULT_CODES.items():
        if isinstance(exc, cls):
            return default
    return exc.default_code


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is briefly unavailable (its database is not answering); retry."
    default_code = "service_unavailable"
    wait = 5  # seconds, sent as Retry-After


def exception_handler(exc, context):
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database is down or restarting: the client should retry, and nothing was
        # written (the request's transaction never committed).
        logger.warning("database unavailable in %s: %s",
                       context.get("view").__class__.__name__, type(exc).__name__)
        exc = DatabaseUnavailable()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        # Too many form fields, a malformed multipart body and the like: the client's doing.
        exc = exceptions.ParseError(str(exc) or None)

    if not isinstance(exc, exceptions.APIException):
        logger.exception("unhandled error in %s", context.get("view").__class__.__name__)
        set_rollback()
        return Response(
            error_body("server_error", "Something went wrong on our side. It has been logged."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {name: _as_list(messages) for name, messages in detail.items()}
            non_field = fields.pop("non_field_errors", None)
            message = _first_message(non_field) if non_field else "The request has invalid fields."
        else:
            fields, message = {}, _first_message(detail)
        body = error_body(_code_for(exc), message, fields)
    else:
        body = error_body(_code_for(exc), _first_message(exc.detail))

    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


def _as_list(messages) -> list:
    if isinstance(messages, list):
        return [m if isinstance(m, (dict, list)) else str(m) for m in messages]
    if isinstance(messages, dict):
        return [messages]
    return [str(messages)]


def json_server_error(request, *args, **kwargs):
    """handler500: JSON in the error format for /v1/ and /healthz, Django's page elsewhere."""
    if request.path.startswith(("/v1/", "/healthz")):
        body = error_body("server_error", "Something went wrong on our side. It has been logged.")
        return JsonResponse(body, status=500)
    from django.views.defaults import server_error

    return server_error(request, *args, **kwargs)
