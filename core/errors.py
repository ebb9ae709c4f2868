"""The one base of every service error in the project.

A service refuses a request by raising a subclass: `message` is safe to show to the user (already
translated), `code` is a stable machine-readable name (for logs, JSON answers and tests), and
`http_status` is what a view answers with. Views map these in one place (`core.http`) instead of each
app translating its own root differently.
"""

from __future__ import annotations


class ServiceError(Exception):
    default_code = "error"
    default_status = 400

    def __init__(self, message: str, *, code: str | None = None, http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.http_status = http_status or self.default_status

    def __str__(self) -> str:
        return self.message
