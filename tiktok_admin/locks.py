"""Leases moved to `core.leases`; this name stays until the last callers switch."""

from core.leases import lease_acquire, lease_release, lease_renew, singleton

__all__ = ["lease_acquire", "lease_release", "lease_renew", "singleton"]
