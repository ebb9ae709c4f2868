"""In-memory runtime knobs: settings, rate limits and fault rules (all changeable through the admin API)."""

from __future__ import annotations

import copy
import hashlib
import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

DEFAULT_CONFIG: dict[str, Any] = {
    # TikTok's Basic tier: 10 QPS per app; catalog writes have their own per-endpoint limits (§3.6, §5).
    "app_qps": 10,
    "endpoint_limits": {
        "catalog/product/upload": {"qps": 5, "per_minute": 300},
        "catalog/product/file": {"qps": 5, "per_minute": 300},
        "catalog/product/update": {"qps": 2, "per_minute": 120},
        "catalog/product/delete": {"qps": 2, "per_minute": 120},
        "event/track": {"qps": 1000, "per_minute": 0},
        "pixel/track": {"qps": 1000, "per_minute": 0},
        "pixel/batch": {"qps": 1000, "per_minute": 0},
    },
    # Events endpoints have their own 1,000 QPS and do not count against the app's QPS.
    "app_qps_exempt": ["event/track", "pixel/track", "pixel/batch"],
    "catalog_writes_per_hour": 1000,
    "feed_wait_seconds": 0.2,
    # A feed log is PROCESSING for feed_process_seconds + items x feed_process_per_product_seconds.
    "feed_process_seconds": 0.3,
    "feed_process_per_product_seconds": 0.0,
    # A product's review ends review_seconds + an exponential draw of mean review_delay_mean_seconds after
    # it was stored (0: no draw). The draw depends only on (seed, catalog, SKU, revision): repeatable.
    "review_seconds": 1.0,
    "review_delay_mean_seconds": 0.0,
    "review_delay_seed": 0,
    "banned_words": ["proibido"],
    "allow_http_images": False,
    "image_fetch": True,
    "image_cache_seconds": 300.0,
    "auth_code_ttl_seconds": 3600,
    "external_data_max_age_seconds": 1800,
    "timeout_seconds": 20.0,
    "event_dedup_seconds": 48 * 3600,
}

THROTTLE_CODE = 40100
THROTTLE_MESSAGE = "App reaches the QPS limit."


def feed_process_seconds(config: dict[str, Any], items: int) -> float:
    """How long a feed log of `items` products (or SKU ids) stays PROCESSING."""
    return float(config["feed_process_seconds"]) + items * float(config["feed_process_per_product_seconds"])


def review_delay(seed: int, mean: float, catalog_id: str, sku_id: str, rev: int) -> float:
    """The exponential part of one product revision's review time (0 when `mean` is 0).

    Drawn from a hash rather than a shared generator, so the delay does not depend on the order in which
    products arrive or on what else the sandbox processed: the same seed and products give the same delays."""
    if mean <= 0:
        return 0.0
    digest = hashlib.blake2b(f"{seed}:{catalog_id}:{sku_id}:{rev}".encode(), digest_size=8).digest()
    uniform = (int.from_bytes(digest, "big") + 0.5) / 2.0**64  # strictly inside (0, 1)
    return -mean * math.log(uniform)


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


class Limiter:
    """Sliding windows of accepted requests per key; a refused request is not counted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def allow(self, checks: list[tuple[str, int, float]]) -> bool:
        """checks = [(key, limit, window_seconds)]; limit <= 0 disables that check. All or nothing."""
        now = time.monotonic()
        with self._lock:
            for key, limit, window in checks:
                if limit <= 0:
                    continue
                hits = self._hits.setdefault(f"{key}|{window}", deque())
                while hits and hits[0] <= now - window:
                    hits.popleft()
                if len(hits) >= limit:
                    return False
            for key, limit, window in checks:
                if limit > 0:
                    self._hits[f"{key}|{window}"].append(now)
            return True

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()


FAULT_KINDS = ("error", "http500", "http429", "throttle", "latency", "timeout", "malformed")
# What a `malformed` fault answers instead of TikTok's envelope (always HTTP 200; see malformed_reply).
MALFORMED_SHAPES = ("html", "truncated", "empty", "wrong_type")
# An HTML error page, as a gateway in front of the API serves it.
MALFORMED_HTML = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><p>The upstream server returned an invalid response.</p></body></html>\n"
)
MALFORMED_WRONG_TYPE = b"[1,2,3]"


@dataclass
class FaultRule:
    kind: str
    endpoint: str = ""
    rate: float = 1.0
    count: int | None = None
    code: int = 50002
    message: str = "Internal service error. Please try again later."
    seconds: float | None = None
    shape: str | None = None
    fired: int = 0
    id: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "endpoint": self.endpoint,
            "rate": self.rate,
            "count": self.count,
            "code": self.code,
            "message": self.message,
            "seconds": self.seconds,
            "shape": self.shape,
            "fired": self.fired,
        }


@dataclass
class Faults:
    rules: list[FaultRule] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(1234))  # deterministic by default
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next_id: int = 1

    def add(self, spec: dict[str, Any]) -> FaultRule:
        kind = spec.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        rate = float(spec.get("rate", 1.0))
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        count = spec.get("count")
        shape = spec.get("shape")
        if kind == "malformed" and shape not in MALFORMED_SHAPES:
            raise ValueError(f"a malformed fault needs shape: one of {', '.join(MALFORMED_SHAPES)}")
        if kind != "malformed" and shape is not None:
            raise ValueError("shape applies to kind malformed only")
        rule = FaultRule(
            kind=kind,
            endpoint=str(spec.get("endpoint") or ""),
            rate=rate,
            count=int(count) if count is not None else None,
            seconds=float(spec["seconds"]) if spec.get("seconds") is not None else None,
            shape=shape,
        )
        if kind == "throttle":
            rule.code, rule.message = THROTTLE_CODE, THROTTLE_MESSAGE
        if spec.get("code") is not None:
            rule.code = int(spec["code"])
        if spec.get("message"):
            rule.message = str(spec["message"])
        with self._lock:
            rule.id = self._next_id
            self._next_id += 1
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def seed(self, value: int) -> None:
        with self._lock:
            self.rng.seed(value)

    def fire(self, endpoint: str) -> list[FaultRule]:
        """The rules that apply to this request (each firing consumes one of its `count`)."""
        fired: list[FaultRule] = []
        with self._lock:
            for rule in self.rules:
                if rule.endpoint and rule.endpoint not in endpoint:
                    continue
                if rule.count is not None and rule.fired >= rule.count:
                    continue
                if rule.rate < 1.0 and self.rng.random() >= rule.rate:
                    continue
                rule.fired += 1
                fired.append(rule)
        return fired

    def as_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_dict() for r in self.rules]


def malformed_reply(shape: str, envelope: bytes) -> tuple[bytes, str]:
    """(body, mimetype) a `malformed` fault answers instead of `envelope`, the real answer's bytes."""
    if shape == "html":
        return MALFORMED_HTML, "text/html"
    if shape == "truncated":
        return envelope[: len(envelope) // 2], "application/json"
    if shape == "empty":
        return b"", "application/json"
    if shape == "wrong_type":
        return MALFORMED_WRONG_TYPE, "application/json"
    raise ValueError(f"unknown malformed shape {shape!r}")
