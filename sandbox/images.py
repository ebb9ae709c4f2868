"""The review's image check: fetch each image once (loopback only) and measure it with Pillow."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import requests
from PIL import Image, UnidentifiedImageError

from sandbox.web import LOOPBACK_HOSTS

MIN_IMAGE_SIDE = 500
MAX_IMAGE_BYTES = 20 * 1024 * 1024
IMAGE_FETCH_WORKERS = 8


class ImageProbe:
    """Image statuses (SUCCESS, FILTERED, NO_FOUND, FAIL, NOT_SUPPORTED), cached for `ttl()` seconds."""

    def __init__(self, ttl: Callable[[], float]) -> None:
        self._ttl = ttl
        self._http = requests.Session()
        self._lock = threading.Lock()
        self.cache: dict[str, tuple[str, float]] = {}

    def clear(self) -> None:
        with self._lock:
            self.cache.clear()

    def statuses(self, urls: set[str]) -> dict[str, str]:
        """Measure each image once (cached for `image_cache_seconds`), several at a time; a loopback port
        that refuses connections is not tried again within the same pass."""
        now = time.monotonic()
        ttl = self._ttl()
        out: dict[str, str] = {}
        todo: list[str] = []
        with self._lock:
            for url in urls:
                cached = self.cache.get(url)
                if cached is not None and cached[1] > now:
                    out[url] = cached[0]
                else:
                    todo.append(url)
        dead: set[str] = set()
        with ThreadPoolExecutor(max_workers=IMAGE_FETCH_WORKERS) as pool:
            for url, status in zip(todo, pool.map(lambda u: self.image_status(u, dead), todo), strict=True):
                out[url] = status
        with self._lock:
            for url in todo:
                self.cache[url] = (out[url], now + ttl)
        return out

    def image_status(self, url: str, dead: set[str] | None = None) -> str:
        parsed = urlparse(url)
        if parsed.hostname not in LOOPBACK_HOSTS:
            return "NO_FOUND"  # the sandbox never reaches beyond this machine
        origin = f"{parsed.scheme}://{parsed.netloc}"
        if dead is not None and origin in dead:
            return "NO_FOUND"
        try:
            with self._http.get(url, timeout=3, stream=True, verify=False) as resp:  # noqa: S501 - loopback only
                if resp.status_code != 200:
                    return "NO_FOUND"
                data = resp.raw.read(MAX_IMAGE_BYTES + 1, decode_content=True)
            if len(data) > MAX_IMAGE_BYTES:
                return "FAIL"
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
                fmt = img.format
        except requests.ConnectionError:
            if dead is not None:
                dead.add(origin)
            return "NO_FOUND"
        except (requests.RequestException, UnidentifiedImageError, OSError):
            return "NO_FOUND"
        if fmt not in ("JPEG", "PNG"):
            return "NOT_SUPPORTED"
        if width < MIN_IMAGE_SIDE or height < MIN_IMAGE_SIDE:
            return "FILTERED"
        return "SUCCESS"
