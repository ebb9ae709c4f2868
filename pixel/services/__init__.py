"""Pixel services, one module per job:

- `shopper`: the shopper's state in the session (queued browser events, Advanced Matching identity) and
  the storefront cookies;
- `consent`: the consent banner's answer and the server-side events held until it;
- `outbox_write`: the request side of the server-side outbox (written in the caller's transaction);
- `outbox_send`: the worker side (due stores, sending in batches with backoff, purge);
- `store_settings`: the per-store settings and the manual set-up snippet.

The public names are re-exported here, so callers import from `pixel.services`. The on-commit send is
queued through `pixel.dispatch` (by task name), never through `pixel.tasks`, which wraps these services.
"""

from __future__ import annotations

from ..dispatch import outbox_dispatch
from ..events import unit_price_decimal
from .consent import (
    CONSENT_COOKIE,
    CONSENT_DENIED,
    CONSENT_GRANTED,
    CONSENT_MAX_AGE,
    CONSENT_NOT_REQUIRED,
    CONSENT_PENDING,
    consent_allows_browser,
    consent_allows_server,
    consent_apply_to_held,
    consent_record,
    consent_ref_for,
    consent_state,
)
from .outbox_send import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_MAX_SECONDS,
    HELD_MAX_AGE_HOURS,
    MAX_ATTEMPTS,
    MAX_EVENTS_PER_REQUEST,
    OUTBOX_LEASE_SECONDS,
    outbox_purge,
    outbox_send_for_store,
    outbox_stores_due,
)
from .outbox_write import outbox_event_create, server_user
from .shopper import (
    MARKER_COOKIE,
    MAX_QUEUED_EVENTS,
    SESSION_KEY,
    TTCLID_COOKIE,
    TTCLID_MAX_AGE,
    browser_event_queue,
    identity_current,
    identity_remember,
    marker_cookie_update,
    shopper_state_pull,
    store_path,
    ttclid_remember,
)
from .store_settings import pixel_manual_snippet, pixel_settings_for_store, pixel_settings_update

__all__ = [
    "BACKOFF_BASE_SECONDS",
    "BACKOFF_MAX_SECONDS",
    "CONSENT_COOKIE",
    "CONSENT_DENIED",
    "CONSENT_GRANTED",
    "CONSENT_MAX_AGE",
    "CONSENT_NOT_REQUIRED",
    "CONSENT_PENDING",
    "HELD_MAX_AGE_HOURS",
    "MARKER_COOKIE",
    "MAX_ATTEMPTS",
    "MAX_EVENTS_PER_REQUEST",
    "MAX_QUEUED_EVENTS",
    "OUTBOX_LEASE_SECONDS",
    "SESSION_KEY",
    "TTCLID_COOKIE",
    "TTCLID_MAX_AGE",
    "browser_event_queue",
    "consent_allows_browser",
    "consent_allows_server",
    "consent_apply_to_held",
    "consent_record",
    "consent_ref_for",
    "consent_state",
    "identity_current",
    "identity_remember",
    "marker_cookie_update",
    "outbox_dispatch",
    "outbox_event_create",
    "outbox_purge",
    "outbox_send_for_store",
    "outbox_stores_due",
    "pixel_manual_snippet",
    "pixel_settings_for_store",
    "pixel_settings_update",
    "server_user",
    "shopper_state_pull",
    "store_path",
    "ttclid_remember",
    "unit_price_decimal",
]
