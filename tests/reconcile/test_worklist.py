"""The worklist: who may open each page, and closing an item with its reason."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests import factories
from tests.reconcile.helpers import ON, upload
from tongxing.core.idnumbers import make_id_number
from tongxing.core.models import AuditEvent
from tongxing.reconcile import actions
from tongxing.reconcile.engine import FINDINGS
from tongxing.reconcile.models import DepartmentList, Finding, FindingStatus, Rule

ROLES = (
    "anonymous",
    "village",
    "neighbour",
    "township",
    "county",
    "other_county",
    "city",
    "department",
    "provider",
    "auditor",
    "citizen",
)
WORKLIST = {"village", "neighbour", "township", "county", "other_county", "city"}
UPLOADERS = {"county", "other_county", "city"}
DEATHS = ["身份证号", "姓名", "死亡日期"]


@pytest.fixture
def finding(village, county) -> Finding:
    person = factories.make_person(village, name="甲")
    upload(county, "civil_deaths", DEATHS, [[person.id_number, "甲", "2025-03-20"]])
    actions.run_reconciliation(county, ON)
    return Finding.objects.get()


def login(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def expected(role: str, allowed: set[str]) -> int:
    if role == "anonymous":
        return 302
    return 200 if role in allowed else 403


@pytest.mark.parametrize("role", ROLES)
def test_the_worklist_opens_for_staff_of_every_level(db, client, request, role):
    response = login(client, request, role).get(reverse("reconcile:worklist"))
    assert response.status_code == expected(role, WORKLIST)


@pytest.mark.parametrize("role", ROLES)
def test_the_department_lists_page_opens_for_county_and_city_officers(db, client, request, role):
    response = login(client, request, role).get(reverse("reconcile:list_index"))
    assert response.status_code == expected(role, UPLOADERS)


@pytest.mark.parametrize("role", ROLES)
def test_a_worklist_item_opens_only_within_its_area(client, request, role, finding):
    response = login(client, request, role).get(finding.get_absolute_url())
    in_area = {"village", "township", "county", "city"}
    if role in ("neighbour", "other_county"):
        assert response.status_code == 404
    else:
        assert response.status_code == expected(role, in_area)


@pytest.mark.parametrize("role", ROLES)
def test_only_county_and_city_officers_run_the_comparison(client, request, role, village):
    factories.make_person(village, name="甲")
    response = login(client, request, role).post(reverse("reconcile:run"))
    assert response.status_code == (302 if role in UPLOADERS | {"anonymous"} else 403)


def test_the_worklist_shows_counts_per_area_and_filters_by_rule_and_status(client, county, finding):
    client.force_login(county)
    page = client.get(reverse("reconcile:worklist"), {"rule": Rule.DECEASED_ALIVE})
    assert page.context["counts"] == [
        {"code": "511902001", "name": page.context["counts"][0]["name"], "cells": [1]}
    ]
    assert [f.pk for f in page.context["page"]] == [finding.pk]
    closed = client.get(reverse("reconcile:worklist"), {"status": FindingStatus.RESOLVED})
    assert list(closed.context["page"]) == []


def test_an_item_is_closed_with_who_when_and_why_in_the_history(client, village, finding):
    client.force_login(village)
    response = client.post(
        finding.get_absolute_url(),
        {"status": FindingStatus.DISMISSED, "reason": "民政名单有误，本人健在，已电话核实"},
    )

    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.closed_by, finding.close_reason) == (
        FindingStatus.DISMISSED,
        village,
        "民政名单有误，本人健在，已电话核实",
    )
    event = AuditEvent.objects.filter(object_type="reconcile.finding").latest("id")
    assert (event.object_id, event.person_id, event.changes) == (
        str(finding.pk),
        finding.person_id,
        {"status": ["open", "dismissed"]},
    )


def test_closing_without_a_reason_is_refused_and_changes_nothing(client, village, finding):
    client.force_login(village)
    audit_rows = AuditEvent.objects.count()

    response = client.post(finding.get_absolute_url(), {"status": FindingStatus.RESOLVED})

    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    finding.refresh_from_db()
    assert (finding.status, finding.closed_by) == (FindingStatus.OPEN, None)
    assert AuditEvent.objects.count() == audit_rows


def test_an_item_of_another_area_cannot_be_closed(neighbour, finding):
    with pytest.raises(PermissionDenied):
        actions.close_finding(neighbour, finding, FindingStatus.RESOLVED, "已处理")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_a_closed_item_cannot_be_closed_again(village, township, finding):
    actions.close_finding(village, finding, FindingStatus.RESOLVED, "已在登记中记录死亡")
    with pytest.raises(ValidationError):
        actions.close_finding(township, finding, FindingStatus.DISMISSED, "不适用")
    finding.refresh_from_db()
    assert (finding.status, finding.closed_by) == (FindingStatus.RESOLVED, village)


def test_a_closed_item_is_found_again_by_the_next_run_if_still_true(village, county, finding):
    actions.close_finding(village, finding, FindingStatus.DISMISSED, "待核实")
    counts = actions.run_reconciliation(county, ON + dt.timedelta(days=1))
    assert counts[Rule.DECEASED_ALIVE] == 1
    assert Finding.objects.filter(status=FindingStatus.OPEN).count() == 1


def test_uploading_on_the_page_shows_each_problem_and_stores_nothing(client, county):
    from tests.reconcile.helpers import csv_file

    client.force_login(county)
    # What Excel keeps of an 18-digit number: a double's 15 significant digits.
    real = next(
        n
        for sequence in range(1, 100)
        if (n := make_id_number("511902", dt.date(1970, 3, 4), sequence)) != str(int(float(n)))
    )
    as_number = str(int(float(real)))
    response = client.post(
        reverse("reconcile:list_index"),
        {
            "kind": "civil_deaths",
            "list_date": "2025-04-01",
            "file": csv_file([DEATHS, [as_number, "甲", "2025-03-01"]]),
        },
    )

    assert response.status_code == 200
    problems = response.context["refused"].problems
    assert [(p.row, p.column, p.code) for p in problems] == [(2, "身份证号", "id_stored_as_number")]
    assert not DepartmentList.objects.exists()


def test_posting_to_a_closed_item_says_so_and_changes_nothing(client, village, finding):
    actions.close_finding(village, finding, FindingStatus.RESOLVED, "已在登记中记录死亡")
    client.force_login(village)

    response = client.post(
        finding.get_absolute_url(), {"status": FindingStatus.DISMISSED, "reason": "不适用"}
    )

    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    finding.refresh_from_db()
    assert (finding.status, finding.close_reason) == (FindingStatus.RESOLVED, "已在登记中记录死亡")


@pytest.mark.parametrize("role", ["department", "auditor", "provider"])
def test_posting_a_close_without_the_right_is_forbidden(client, request, role, finding):
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        finding.get_absolute_url(), {"status": FindingStatus.DISMISSED, "reason": "不适用"}
    )
    assert response.status_code == 403
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_opening_an_item_is_logged_with_its_person(client, township, finding):
    client.force_login(township)
    client.get(finding.get_absolute_url())
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_type, event.object_id, event.person_id, event.actor) == (
        "view",
        "reconcile.finding",
        str(finding.pk),
        finding.person_id,
        township,
    )


def test_the_evidence_text_is_what_json_dumps_writes_with_the_empty_values_left_out():
    evidence = [
        {"event_date": "2025-03-20", "months": 2, "first_month": "2025-04-01"},
        {},  # every value empty: a row pyarrow's skipping join once dropped
        {"detail": '低保 "tekun"\\, '},
        {"months": 0, "last_month": "2025-05-01", "detail": "a\nb"},
        {},
    ]
    columns = {name: [None] * len(evidence) for name in FINDINGS.names}
    for row, values in enumerate(evidence):
        for key, value in values.items():
            is_date = key in ("event_date", "first_month", "last_month")
            columns[key][row] = dt.date.fromisoformat(value) if is_date else value
    found = pa.table(columns, schema=FINDINGS)

    texts = actions._evidence_json(found).to_pylist()

    assert texts == [json.dumps(values, ensure_ascii=False) for values in evidence]
