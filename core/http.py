"""How a view answers a refused service call: the one mapping of `ServiceError` to a response."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse

from .errors import ServiceError


def error_message(request: HttpRequest, error: ServiceError) -> None:
    """Show the error to the user on the next page (the usual answer to a refused form post)."""
    messages.error(request, error.message)


def error_redirect(request: HttpRequest, error: ServiceError, to: str) -> HttpResponse:
    error_message(request, error)
    return HttpResponseRedirect(to)


def error_json(error: ServiceError) -> JsonResponse:
    return JsonResponse({"error": error.code, "message": error.message}, status=error.http_status)
