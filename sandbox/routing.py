"""The route table every route module registers on: TikTok's `open_api` routes (enveloped and journaled),
the `/tbp/v2.0` routes, and raw routes (hosted pages, admin API)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from sandbox.web import ApiContext, ApiHandler, RawHandler

API_VERSIONS = ("v1.2", "v1.3")


@dataclass
class ApiRoute:
    endpoint: str
    methods: tuple[str, ...]
    handler: ApiHandler
    auth: str  # "token" | "none"
    suspended_ok: bool = False


class Router:
    def __init__(self) -> None:
        self.url_map = Map(strict_slashes=True, merge_slashes=False)
        self.api_routes: dict[str, ApiRoute] = {}
        self.raw_handlers: dict[str, RawHandler] = {}

    def add_api_route(
        self,
        path: str,
        handler: ApiHandler,
        *,
        methods: Iterable[str] = ("POST",),
        auth: str = "token",
        suspended_ok: bool = False,
    ) -> None:
        """An `open_api/{v1.2|v1.3}/{path}/` route answered with the envelope and journaled."""
        path = path.strip("/")
        rule_endpoint = "api:" + path
        self.api_routes[rule_endpoint] = ApiRoute(path, tuple(methods), handler, auth, suspended_ok)
        self.url_map.add(
            Rule(
                f"/open_api/<any({', '.join(API_VERSIONS)}):version>/{path}/",
                endpoint=rule_endpoint,
                methods=list(methods),
            )
        )

    def add_tbp_route(
        self,
        path: str,
        handler: ApiHandler,
        *,
        methods: Iterable[str] = ("POST",),
        suspended_ok: bool = False,
    ) -> None:
        """A `/tbp/v2.0/...` route (external_data auth, trailing slash optional)."""
        path = path.strip("/")
        rule_endpoint = "api:" + path
        self.api_routes[rule_endpoint] = ApiRoute(path, tuple(methods), handler, "none", suspended_ok)
        self.url_map.add(
            Rule(f"/{path}", endpoint=rule_endpoint, methods=list(methods), strict_slashes=False)
        )

    def chain_tbp_route(self, path: str, then: Callable[[ApiContext], None]) -> None:
        """Run `then` after the handler that already owns this `/tbp/v2.0` path (a path has one rule), which
        keeps answering; without such a handler the route answers `{}`."""
        path = path.strip("/")
        route = self.api_routes.get("api:" + path)
        first = route.handler if route is not None else None

        def chained(ctx: ApiContext) -> Any:
            result = first(ctx) if first is not None else {}
            then(ctx)
            return result

        if route is None:
            self.add_tbp_route(path, chained)
        else:
            route.handler = chained

    def add_route(
        self, rule: str, endpoint: str, handler: RawHandler, methods: Iterable[str] = ("GET",)
    ) -> None:
        """A raw route (hosted pages, admin API): handler(app, request, **url_values) -> Response."""
        self.raw_handlers[endpoint] = handler
        self.url_map.add(Rule(rule, endpoint=endpoint, methods=list(methods)))

    def match(self, request: Request) -> tuple[str, dict[str, Any]]:
        """(rule endpoint, URL values); raises werkzeug's NotFound, MethodNotAllowed or RequestRedirect."""
        return self.url_map.bind_to_environ(request.environ).match()
