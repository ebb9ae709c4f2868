"""Real races for the double-click tests: threads released together by a barrier, each with its own
Django test client and database connection (use with a transactional PostgreSQL test)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client


def race(n: int, post: Callable[[Client], Any], login: Any) -> list[Any]:
    """`post` run by `n` threads at once, each with its own client and database connection."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            client = Client()
            client.force_login(login)
            barrier.wait(timeout=30)
            results[i] = post(client)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results
