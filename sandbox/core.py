"""The WSGI application every route module registers on: its state (storage, settings, limits, faults), the
dispatch, and the API pipeline (faults, envelope, auth, limits, journal). `sandbox.app` assembles it."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from sqlite3 import Row
from typing import Any, Protocol

import orjson
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Request, Response

from sandbox import extdata, ids, seed
from sandbox.routing import ApiRoute, Router
from sandbox.runtime import (
    DEFAULT_CONFIG,
    THROTTLE_CODE,
    THROTTLE_MESSAGE,
    Faults,
    Limiter,
    malformed_reply,
    merge,
)
from sandbox.storage import Storage, dumps
from sandbox.web import MSG_TOKEN_INVALID, MSG_TOKEN_MISSING, ApiContext, ApiError

log = logging.getLogger("sandbox")

NOT_FOUND_TEXT = "404 page not found"


class Worker(Protocol):
    """The off-request processing (`sandbox.processing.Processor`), as the app and the admin `tick` use it."""

    run_lock: AbstractContextManager[Any]

    def run_due(self, force: bool = False) -> dict[str, int]: ...


class SandboxApp(Router):
    def __init__(self, storage: Storage, *, allow_http_images: bool = False) -> None:
        super().__init__()
        self.storage = storage
        self.base_config = merge(DEFAULT_CONFIG, {"allow_http_images": allow_http_images})
        self.config: dict[str, Any] = merge(self.base_config, {})
        self.limiter = Limiter()
        self.faults = Faults()
        self.reset_hooks: list[Callable[[], None]] = []
        # Set by serve(); the admin "tick" and the background thread share it.
        self.worker: Worker | None = None

    # -- what route modules and extensions add besides routes -------------------------------------------
    def add_schema(self, sql: str, reset_tables: Iterable[str] = ()) -> None:
        self.storage.add_schema(sql, tuple(reset_tables))

    def add_reset_hook(self, fn: Callable[[], None]) -> None:
        self.reset_hooks.append(fn)

    # -- state -----------------------------------------------------------------------------------
    def reset(self) -> None:
        # Wait for in-flight background work so it cannot write into the fresh state afterwards.
        guard = self.worker.run_lock if self.worker is not None else contextlib.nullcontext()
        with guard:
            self.faults.clear()
            self.limiter.clear()
            self.config = merge(self.base_config, {})
            apps = [dict(r) for r in self.storage.all("SELECT * FROM apps")]
            self.storage.wipe()
            seed.seed_demo(self.storage)
            for row in apps:
                seed.provision_app(self.storage, **row)
            for hook in self.reset_hooks:
                hook()

    # -- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        is_api_path = request.path.startswith("/open_api/")
        try:
            endpoint, values = self.match(request)
        except (RequestRedirect, NotFound, MethodNotAllowed):
            if is_api_path:
                return self._not_found(request)
            return Response("Not Found", status=404, mimetype="text/plain")
        except HTTPException as exc:
            return exc.get_response()
        if endpoint in self.api_routes:
            return self.handle_api(request, self.api_routes[endpoint], values.get("version", ""))
        return self.raw_handlers[endpoint](self, request, **values)

    def _not_found(self, request: Request) -> Response:
        self.journal_write(
            method=request.method,
            endpoint=request.path,
            version="",
            http_status=404,
            code=None,
            request_id=None,
            latency_ms=0.0,
        )
        return Response(NOT_FOUND_TEXT, status=404, mimetype="text/plain")

    # -- the API pipeline ------------------------------------------------------------------------
    def handle_api(self, request: Request, route: ApiRoute, version: str) -> Response:
        started = time.monotonic()
        rid = ids.request_id()
        ctx = ApiContext(self.storage, self.config, request, route.endpoint, version)
        fault_note = None
        http_status = 200
        timeout_after: float | None = None
        malformed: str | None = None
        retry_after = 0.0
        code: int
        try:
            for rule in self.faults.fire(route.endpoint):
                fault_note = rule.kind
                if rule.kind == "latency":
                    time.sleep(rule.seconds or 1.0)
                elif rule.kind == "http500":
                    http_status = 500
                    raise ApiError(-1, "")
                elif rule.kind == "http429":
                    # A gateway's throttle in front of the API: no envelope, only the status and Retry-After.
                    http_status = 429
                    retry_after = rule.seconds or 1.0
                    raise ApiError(-1, "")
                elif rule.kind in ("error", "throttle"):
                    raise ApiError(rule.code, rule.message)
                elif rule.kind == "timeout":
                    timeout_after = rule.seconds or float(self.config["timeout_seconds"])
                elif rule.kind == "malformed":
                    # Like `timeout`: the request is processed, only the answer is broken.
                    malformed = rule.shape or "html"
                    fault_note = f"malformed:{malformed}"
            ctx.body = self._parse_body(request)
            if route.auth == "token":
                self._authenticate(ctx, route)
            self._rate_limit(ctx)
            data = route.handler(ctx)
            code, message = 0, "OK"
        except ApiError as err:
            code, message, data = err.code, err.message, {}
        except Exception:
            log.exception("sandbox handler failed on %s", route.endpoint)
            code, message, data = 50000, "Internal service error.", {}
            http_status = 500
        if timeout_after:
            # The work is done (a write is applied) but the answer comes after the client gave up.
            time.sleep(timeout_after)
        latency = (time.monotonic() - started) * 1000
        self.journal_write(
            method=request.method,
            endpoint=route.endpoint,
            version=version,
            token_fp=ctx.token["fp"] if ctx.token is not None else None,
            app_id=ctx.app_id,
            catalog_id=ctx.catalog_id,
            sku_ids=ctx.sku_ids,
            feed_log_id=ctx.feed_log_id,
            code=None if http_status in (429, 500) and code in (-1, 50000) else code,
            http_status=http_status,
            request_id=rid,
            latency_ms=latency,
            fault=fault_note,
        )
        if http_status == 500:
            return Response("Internal Server Error", status=500, mimetype="text/plain")
        if http_status == 429:
            headers = {"Retry-After": str(math.ceil(retry_after))}
            return Response("Too Many Requests", status=429, mimetype="text/plain", headers=headers)
        body = dumps({"code": code, "message": message, "request_id": rid, "data": data})
        headers = {"X-TT-LOGID": rid}
        if malformed:
            raw, mimetype = malformed_reply(malformed, body.encode())
            return Response(raw, status=200, mimetype=mimetype, headers=headers)
        return Response(body, status=200, mimetype="application/json", headers=headers)

    def _parse_body(self, request: Request) -> dict[str, Any]:
        if request.method != "POST":
            return {}
        raw = request.get_data(cache=True)
        if not raw.strip():
            return {}
        try:
            # orjson: a 5,000-product upload (~3 MB) must be answered in well under a second.
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ApiError(40002, "Invalid JSON in request body.") from exc
        if not isinstance(body, dict):
            raise ApiError(40002, "Request body must be a JSON object.")
        return body

    def _authenticate(self, ctx: ApiContext, route: ApiRoute) -> None:
        raw = ctx.request.headers.get("Access-Token", "")
        if not raw:
            raise ApiError(40104, MSG_TOKEN_MISSING)
        row = self.storage.one("SELECT * FROM tokens WHERE token_sha = ?", (ids.token_sha(raw),))
        if row is None or row["revoked_at"] is not None:
            raise ApiError(40105, MSG_TOKEN_INVALID)
        ctx.token = row
        ctx.app_id = row["app_id"]
        if not route.suspended_ok and self.token_suspended(row):
            raise ApiError(40105, MSG_TOKEN_INVALID)

    def token_suspended(self, token: Row) -> bool:
        adv_ids = json.loads(token["adv_ids"])
        if not adv_ids:
            return False
        marks = ",".join("?" * len(adv_ids))
        row = self.storage.one(
            f"SELECT 1 FROM advertisers WHERE suspended = 1 AND adv_id IN ({marks})",  # noqa: S608
            adv_ids,
        )
        return row is not None

    def _rate_limit(self, ctx: ApiContext) -> None:
        app_id = ctx.app_id or ctx.body.get("app_id") or ctx.request.args.get("app_id") or self._app_of(ctx)
        ctx.app_id = app_id = str(app_id or "anonymous")
        checks: list[tuple[str, int, float]] = []
        if ctx.endpoint not in self.config["app_qps_exempt"]:
            checks.append((f"app:{app_id}", int(self.config["app_qps"]), 1.0))
        limits = self.config["endpoint_limits"].get(ctx.endpoint)
        if limits:
            checks.append((f"ep:{app_id}:{ctx.endpoint}", int(limits.get("qps") or 0), 1.0))
            checks.append((f"epm:{app_id}:{ctx.endpoint}", int(limits.get("per_minute") or 0), 60.0))
        if not self.limiter.allow(checks):
            raise ApiError(THROTTLE_CODE, THROTTLE_MESSAGE)

    def _app_of(self, ctx: ApiContext) -> str | None:
        """The app a /tbp/v2.0 call counts against: named by its external_data (verified by the handler)."""
        try:
            data = extdata.decode(ctx.request.args.get("external_data", ""))
        except extdata.ExternalDataError:
            return None
        if data.get("app_id"):
            return str(data["app_id"])
        row = self.storage.one(
            "SELECT app_id FROM apps WHERE business_platform = ?", (str(data.get("business_platform")),)
        )
        return row["app_id"] if row else None

    def journal_write(
        self,
        *,
        method: str,
        endpoint: str,
        version: str,
        http_status: int,
        code: int | None,
        request_id: str | None,
        latency_ms: float,
        token_fp: str | None = None,
        app_id: str | None = None,
        catalog_id: str | None = None,
        sku_ids: list[str] | None = None,
        feed_log_id: str | None = None,
        fault: str | None = None,
    ) -> None:
        self.storage.execute(
            "INSERT INTO journal (ts, method, endpoint, version, token_fp, app_id, catalog_id, sku_ids, "
            "sku_count,"
            " feed_log_id, code, http_status, request_id, latency_ms, fault)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                time.time(),
                method,
                endpoint,
                version,
                token_fp,
                app_id,
                catalog_id,
                dumps(sku_ids) if sku_ids else None,
                len(sku_ids or ()),
                feed_log_id,
                code,
                http_status,
                request_id,
                latency_ms,
                fault,
            ),
        )
