"""The audit diff: what a bulk import writes for each created row is what any action writes."""

import datetime as dt
import gc
import json

import pytest

from tongxing.core import audit
from tongxing.core.bulk import gc_paused
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.registry.models import Category, CertificateStatus


def test_a_creation_diff_lists_every_set_value_in_key_order_and_skips_none():
    after = {
        "name": "王伟",
        "category": Category.HEARING,
        "status": CertificateStatus.VALID,
        "issue_date": dt.date(2020, 3, 10),
        "grade": 2,
        "phone": "",
        "guardian": None,
        "flags": [1, "a", None, True],
    }
    assert audit.diff({}, after) == {
        "category": [None, 2],
        "flags": [None, [1, "a", None, True]],
        "grade": [None, 2],
        "issue_date": [None, "2020-03-10"],
        "name": [None, "王伟"],
        "phone": [None, ""],
        "status": [None, "valid"],
    }
    assert list(audit.diff({}, after)) == [
        "category",
        "flags",
        "grade",
        "issue_date",
        "name",
        "phone",
        "status",
    ]


def test_plain_values_pass_through_and_others_are_converted_as_before():
    assert audit._jsonable("text") == "text"
    assert audit._jsonable(3) == 3
    assert audit._jsonable([1, "x", None]) == [1, "x", None]
    assert audit._jsonable([dt.date(2020, 1, 2)]) == "[datetime.date(2020, 1, 2)]"
    assert audit._jsonable(Category.HEARING) == 2
    assert audit._jsonable({"a": 1}) == {"a": 1}


def test_the_collector_is_paused_inside_the_block_and_running_again_after():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_runs_again_when_the_block_raises():
    try:
        with gc_paused():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()


@pytest.mark.django_db
def test_a_batch_with_shared_and_distinct_timestamps_reads_back_exactly_and_verifies():
    first = dt.datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=dt.UTC)
    second = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    times = [first, first, second, first, None]
    events = [
        audit.build_event(None, AuditAction.VIEW, object_type="test", object_id=i, at=at)
        for i, at in enumerate(times)
    ]
    audit.record_many(events)
    stored = list(AuditEvent.objects.filter(object_type="test").order_by("id"))
    assert [e.at for e in stored[:4]] == [first, first, second, first]
    assert stored[4].at == events[4].at
    assert audit.verify_chain() == (5, None)


@pytest.mark.django_db
def test_a_summary_that_quotes_the_changes_key_still_hashes_and_verifies():
    tricky = ',"changes":0, and "changes":{"x":1}'
    events = [
        audit.build_event(
            None,
            AuditAction.UPDATE,
            object_type="test",
            object_id=1,
            summary=tricky,
            changes=audit.diff({"name": "张三"}, {"name": "李四"}),
        ),
        audit.build_event(None, AuditAction.VIEW, object_type="test", purpose=tricky),
    ]
    audit.record_many(events)
    stored = list(AuditEvent.objects.filter(object_type="test").order_by("id").values())
    assert [row["summary"] for row in stored] == [tricky, ""]
    assert stored[0]["changes"] == {"name": ["张三", "李四"]}
    assert stored[1]["changes"] == {}
    assert audit.verify_chain() == (2, None)


def test_the_spliced_canonical_text_is_the_whole_body_encoded_at_once():
    at = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
    values = {name: "" for name in audit.CHAINED_FIELDS}
    values |= {"at": at, "actor_id": 7, "person_id": None, "summary": ',"changes":0,'}
    values["changes"] = {"b": [None, "二"], "a": [1, 2]}
    body = {name: values[name] for name in audit.CHAINED_FIELDS}
    body |= {"at": "2026-03-01T08:30:00.000000+00:00", "prev": "p"}
    expected = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert audit._canonical(values, "p") == expected.encode()
