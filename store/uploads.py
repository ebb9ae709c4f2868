"""Upload handling for the catalog's image field: a file past the size cap is skipped as it streams in
(its bytes are read and dropped, never written to a temporary file), and the form says it was too large.
Django has no per-file limit of its own (DATA_UPLOAD_MAX_MEMORY_SIZE leaves files out, and
FILE_UPLOAD_MAX_MEMORY_SIZE only chooses memory or disk), hence this handler."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest


class UploadCap(FileUploadHandler):
    """Put first in `request.upload_handlers` before the body is read; `refused` names the fields whose
    file was dropped."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.refused: list[str] = []

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.refused.append(self.field_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None  # the next handler (memory or temporary file) builds the file


def upload_cap_install(request: HttpRequest, limit: int) -> UploadCap:
    cap = UploadCap(request, limit)
    request.upload_handlers.insert(0, cap)
    return cap
