"""The errors every store service raises: before anything is written, or inside its transaction, which is
then rolled back. They are `core.errors.ServiceError`s, so views answer them through `core.http`."""

from __future__ import annotations

from core.errors import ServiceError


class StoreServiceError(ServiceError):
    """A rejected request: `message` is shown to the user, `field` names the form field at fault (or is
    None), `code` names the refusal and `http_status` is the HTTP status to answer with."""

    default_code = "invalid"
    default_status = 400

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message, code=code, http_status=http_status)
        self.field = field


class NotFoundError(StoreServiceError):
    """What the request names is not in this store (or not for sale): answered as if it did not exist."""

    default_code = "not_found"
    default_status = 404


class OutOfStockError(StoreServiceError):
    default_code = "out_of_stock"
    default_status = 409


class CheckoutError(StoreServiceError):
    """The checkout form's errors, by field."""

    default_code = "checkout_invalid"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors
