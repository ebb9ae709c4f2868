"""A run's log keeps transient faults apart from real errors: a throttle, a 5xx or a malformed reply that
was retried is shown in the log but does not make the run "Finished with errors", and three such runs never
send the "sync keeps failing" e-mail. A real error is never pushed out of the log by a burst of retries."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog_sync.engine.runs import run_error, run_finish_if_idle
from catalog_sync.models import RunStatus, SyncRun
from store.models import Role
from tests.catalog_sync.conftest import connect

pytestmark = pytest.mark.django_db


def _sealed_run(conn) -> SyncRun:
    now = timezone.now()
    return SyncRun.objects.create(
        connection=conn, trigger="schedule", status=RunStatus.RUNNING, started_at=now, sealed_at=now
    )


@pytest.fixture
def conn(catalog, make_user):
    admin = make_user(catalog.store, Role.ADMIN)
    admin.email = "dona@loja.com.br"
    admin.save()
    return connect(catalog.store)


def test_a_run_with_only_retried_faults_succeeds_and_sends_no_email(conn, mailoutbox):
    for _ in range(3):
        run = _sealed_run(conn)
        run_error(run.pk, "ThrottledError: 40100: Too many requests", retried=True)
        run_error(run.pk, "MalformedReplyError: response is not an envelope", retried=True)
        assert run_finish_if_idle(conn.pk).pk == run.pk
        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED
        assert [e["message"] for e in run.errors] == [
            "ThrottledError: 40100: Too many requests",
            "MalformedReplyError: response is not an envelope",
        ]
        assert all(e["retried"] is True for e in run.errors)
    assert mailoutbox == []


def test_a_real_error_makes_the_run_partial_and_survives_a_burst_of_retries(conn, mailoutbox):
    run = _sealed_run(conn)
    run_error(run.pk, "3 SKUs failed at TikTok: invalid price")
    for n in range(30):
        run_error(run.pk, f"ThrottledError: 40100 #{n}", retried=True)
    run.refresh_from_db()
    real = [e["message"] for e in run.errors if not e.get("retried")]
    retried = [e["message"] for e in run.errors if e.get("retried")]
    assert real == ["3 SKUs failed at TikTok: invalid price"]
    assert retried == [f"ThrottledError: 40100 #{n}" for n in range(10, 30)]
    run_finish_if_idle(conn.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.PARTIAL


def test_three_runs_with_real_errors_send_the_email_with_only_the_real_errors(conn, mailoutbox):
    for n in range(3):
        run = _sealed_run(conn)
        run_error(run.pk, f"ThrottledError: 40100 #{n}", retried=True)
        run_error(run.pk, f"50002: feed failed #{n}")
        run_finish_if_idle(conn.pk)
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert all(f"50002: feed failed #{n}" in body for n in range(3))
    assert "ThrottledError" not in body
