"""The product file TikTok fetches for the file route (catalog_sync/engine/filefeed.py). No session: the
only credential is the signed, expiring `feed_token` in the URL (the log filter redacts it). Streamed row
by row from keyset pages, so a million-row file costs no more memory than a page."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from .engine.filefeed import file_batch_live, file_rows, file_token_valid


class _Echo:
    """csv.writer's file: hands each written line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _lines(rows: Iterator[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


@require_GET
def file_feed(request: HttpRequest, account: str, batch_id: int) -> StreamingHttpResponse:
    if not file_token_valid(request.GET.get("feed_token", ""), batch_id):
        raise Http404
    batch = file_batch_live(account, batch_id)
    if batch is None:
        raise Http404
    response = StreamingHttpResponse(_lines(file_rows(batch)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="products-{batch_id}.csv"'
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
