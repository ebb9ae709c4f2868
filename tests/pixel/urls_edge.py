"""Storefront-shaped test views for the middleware's edge cases (response types the storefront never
returns today but a store page could)."""

from __future__ import annotations

import gzip

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import include, path

PAGE = "<html><head><title>t</title></head><body><p>hello</p></body></html>"


def html(request: HttpRequest, account: str) -> HttpResponse:
    response = HttpResponse(PAGE)
    response["Content-Length"] = str(len(response.content))
    return response


def upper_body(request: HttpRequest, account: str) -> HttpResponse:
    return HttpResponse("<HTML><BODY><p>x</p><script>var s='</body>';</script><p>end</p></BODY></HTML>")


def no_body(request: HttpRequest, account: str) -> HttpResponse:
    return HttpResponse("<p>fragment</p>")


def json_view(request: HttpRequest, account: str) -> JsonResponse:
    return JsonResponse({"html": "</body>"})


def streaming(request: HttpRequest, account: str) -> StreamingHttpResponse:
    return StreamingHttpResponse(
        iter([b"<html><body>", b"streamed", b"</body></html>"]), content_type="text/html"
    )


def gzipped(request: HttpRequest, account: str) -> HttpResponse:
    response = HttpResponse(gzip.compress(PAGE.encode()))
    response["Content-Encoding"] = "gzip"
    return response


def not_found(request: HttpRequest, account: str) -> HttpResponse:
    return HttpResponse(PAGE, status=404)


def etag(request: HttpRequest, account: str) -> HttpResponse:
    response = HttpResponse(PAGE)
    response["ETag"] = '"abc"'
    return response


def admin_page(request: HttpRequest, account: str) -> HttpResponse:
    return HttpResponse(PAGE)


edge = [
    path("html/", html),
    path("upper/", upper_body),
    path("nobody/", no_body),
    path("json/", json_view),
    path("stream/", streaming),
    path("gzip/", gzipped),
    path("404/", not_found),
    path("etag/", etag),
]

urlpatterns = [
    path("s/<slug:account>/edge/", include(edge)),
    path("s/<slug:account>/", include("pixel.urls")),
    path("admin/<slug:account>/page/", admin_page),
]
