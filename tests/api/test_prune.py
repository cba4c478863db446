"""Pruning the API call log: only calls past the retention go, in batches, with one audit
row per run that deleted something; running it again changes nothing. Kept answers to
submitted lists go after the same retention, and rate windows once nothing counts in them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.api.conftest import make_token
from tongxing.api import actions
from tongxing.api.models import ApiCall, ApiToken, IdempotentResult, RateWindow
from tongxing.core.models import AuditEvent

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def call_at(at: dt.datetime) -> ApiCall:
    return ApiCall.objects.create(
        endpoint="check_certificate", method="POST", status=200, outcome="ok", at=at
    )


def prune_rows() -> list[tuple[str, str, str, dict]]:
    return list(
        AuditEvent.objects.filter(object_type="api.call").values_list(
            "action", "summary", "source", "changes"
        )
    )


def test_pruning_deletes_only_calls_past_the_retention_and_writes_one_audit_row(db, settings):
    settings.TONGXING_API_CALL_RETENTION_DAYS = 180
    cutoff = NOW - dt.timedelta(days=180)
    old = [call_at(cutoff - dt.timedelta(days=d, seconds=1)) for d in (0, 1, 30, 400)]
    kept = [call_at(cutoff), call_at(cutoff + dt.timedelta(seconds=1)), call_at(NOW)]
    assert actions.prune_api_calls(NOW, batch_size=3) == len(old)
    assert sorted(ApiCall.objects.values_list("pk", flat=True)) == [c.pk for c in kept]
    assert prune_rows() == [
        (
            "delete",
            "API calls before 2026-06-01 12:00 UTC deleted: 4",
            "prune_api_calls",
            {"deleted": 4, "before": "2026-06-01T12:00:00+00:00", "retention_days": 180},
        )
    ]


def test_pruning_again_deletes_nothing_and_writes_no_second_row(db, settings):
    settings.TONGXING_API_CALL_RETENTION_DAYS = 30
    call_at(NOW - dt.timedelta(days=31))
    recent = call_at(NOW - dt.timedelta(days=29))
    assert actions.prune_api_calls(NOW) == 1
    assert actions.prune_api_calls(NOW) == 0
    assert list(ApiCall.objects.values_list("pk", flat=True)) == [recent.pk]
    assert len(prune_rows()) == 1


def test_a_retention_below_one_day_is_refused_and_nothing_is_deleted(db, settings):
    settings.TONGXING_API_CALL_RETENTION_DAYS = 0
    call_at(NOW - dt.timedelta(days=400))
    with pytest.raises(CommandError, match="at least one day"):
        call_command("prune_api_calls", stdout=io.StringIO())
    assert ApiCall.objects.count() == 1
    assert prune_rows() == []


def test_the_command_prunes_with_the_setting_and_says_how_many(db, settings):
    settings.TONGXING_API_CALL_RETENTION_DAYS = 1
    call_at(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    out = io.StringIO()
    call_command("prune_api_calls", "--batch-size", "1", stdout=out)
    assert out.getvalue() == (
        "Deleted 1 API calls and 0 kept answers older than 1 days, and 0 stale rate windows.\n"
    )
    assert ApiCall.objects.count() == 0
    assert len(prune_rows()) == 1


def test_kept_answers_past_the_retention_and_stale_rate_windows_are_deleted(
    settings, city, department
):
    settings.TONGXING_API_CALL_RETENTION_DAYS = 30
    make_token(city, department, "list.civil_deaths")
    token = ApiToken.objects.get()

    def answer(key: str, days_ago: int) -> IdempotentResult:
        kept = IdempotentResult.objects.create(
            token=token,
            key=key,
            endpoint="submit_list",
            body_sha256="0" * 64,
            status=201,
            response={"list_id": 1},
        )
        at = NOW - dt.timedelta(days=days_ago)
        IdempotentResult.objects.filter(pk=kept.pk).update(created_at=at)
        return kept

    answer("old", 31)
    recent = answer("recent", 29)
    RateWindow.objects.create(token=token, start=NOW - dt.timedelta(hours=2), calls=5)
    live = RateWindow.objects.create(token=token, start=NOW - dt.timedelta(minutes=5), calls=1)
    assert actions.prune_api_answers(NOW) == (1, 1)
    assert list(IdempotentResult.objects.values_list("pk", flat=True)) == [recent.pk]
    assert list(RateWindow.objects.values_list("pk", flat=True)) == [live.pk]
    assert prune_rows()[-1] == (
        "delete",
        "kept API answers before 2026-10-29 12:00 UTC deleted: 1",
        "prune_api_calls",
        {"answers_deleted": 1, "before": "2026-10-29T12:00:00+00:00", "retention_days": 30},
    )
    assert actions.prune_api_answers(NOW) == (0, 0)
    assert len(prune_rows()) == 1
