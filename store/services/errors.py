"""The errors every store service raises: before anything is written, or inside its transaction, which is
then rolled back."""

from __future__ import annotations


class StoreServiceError(Exception):
    """A rejected request: `message` is shown to the user, `status` is the HTTP status to answer with."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(StoreServiceError):
    status = 404


class OutOfStockError(StoreServiceError):
    status = 409


class CheckoutError(StoreServiceError):
    """The checkout form's errors, by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors
