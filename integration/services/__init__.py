"""Connecting a store to TikTok for Business, keeping it healthy and disconnecting it.

Every state change of a connection goes through this package: views, tasks, commands and the other apps
(catalog_sync, pixel, tiktok_shop) call these functions as `integration.services.<name>`. State changes
are compare-and-set updates, so two workers, a double click or a retried task cannot disconnect twice or
connect twice. What the channel apps must hear of (connected, disconnected, pixel settings) is published
as `integration.events`. One module per job:

- `audit`: the audit trail;
- `setup`: eligibility and the setup form;
- `connect`: the onboarding and the OAuth callback;
- `disconnect`: manual and automatic disconnect, TikTok's last error;
- `health`: the beat's health check;
- `pixel_settings`: the Advanced Matching toggle;
- `notifications`: e-mails to the store's admins;
- `tokens`: key rotation of the stored tokens.
"""

from __future__ import annotations

from core.audit import audit_record, error_summary

from ..errors import IntegrationError
from ..oauth import state_hash
from .connect import (
    MAX_PENDING_STATES,
    SESSION_STATES_KEY,
    STATE_LIFETIME,
    callback_url,
    connect_cancelled,
    connect_complete,
    connect_start,
    merchant_locale,
)
from .disconnect import (
    AUTH_CODE_TO_DISCONNECT,
    AUTH_REASON_TO_DISCONNECT,
    AUTOMATIC_REASONS,
    SYSTEM_ACTOR,
    DisconnectResult,
    connection_auto_disconnect,
    connection_disconnect,
    connection_record_error,
    disconnect_reason_for,
)
from .health import CheckResult, connection_check, connections_check_all
from .notifications import admins_notify_disconnected
from .pixel_settings import advanced_matching_set
from .setup import TIKTOK_AFFILIATE_NAME, Eligibility, setup_confirm, store_eligibility
from .tokens import tokens_rotate

__all__ = [
    "AUTH_CODE_TO_DISCONNECT",
    "AUTH_REASON_TO_DISCONNECT",
    "AUTOMATIC_REASONS",
    "MAX_PENDING_STATES",
    "SESSION_STATES_KEY",
    "STATE_LIFETIME",
    "SYSTEM_ACTOR",
    "TIKTOK_AFFILIATE_NAME",
    "CheckResult",
    "DisconnectResult",
    "Eligibility",
    "IntegrationError",
    "admins_notify_disconnected",
    "advanced_matching_set",
    "audit_record",
    "callback_url",
    "connect_cancelled",
    "connect_complete",
    "connect_start",
    "connection_auto_disconnect",
    "connection_check",
    "connection_disconnect",
    "connection_record_error",
    "connections_check_all",
    "disconnect_reason_for",
    "error_summary",
    "merchant_locale",
    "setup_confirm",
    "state_hash",
    "store_eligibility",
    "tokens_rotate",
]
