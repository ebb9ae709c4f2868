"""The one error the integration's services raise when they refuse a request."""

from __future__ import annotations

from core.errors import ServiceError


class IntegrationError(ServiceError):
    """A refused request. `message` is safe to show to the merchant (already translated), `code` names the
    refusal (logs, tests); views answer it through `core.http`."""

    default_code = "error"
    # Every refusal is about the request (state, setup, eligibility), not the server.
    default_status = 400
