"""Department lists: checked against their declared columns, stored whole or not at all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from tests.reconcile.helpers import ON, csv_file, upload
from tongxing.core.models import AuditEvent
from tongxing.reconcile import actions
from tongxing.reconcile.kinds import KINDS, SLOTS
from tongxing.reconcile.models import DepartmentList, DepartmentRow
from tongxing.registry.models import Person

DEATHS = ["身份证号", "姓名", "死亡日期"]


def nothing_stored() -> tuple[int, int]:
    return DepartmentList.objects.count(), DepartmentRow.objects.count()


def test_every_declared_column_fills_a_row_field():
    fields = {f.name for f in DepartmentRow._meta.fields}
    for kind in KINDS.values():
        assert kind.columns[0].slot == "id_number", kind.key
        for column in kind.columns:
            assert column.slot in SLOTS and column.slot in fields, (kind.key, column.header)


def test_a_good_list_is_stored_with_its_date_source_uploader_and_checksum(village, county):
    person = factories.make_person(village, name="甲")
    gbk = csv_file(
        [[*DEATHS, "火化地点"], [f" {person.id_number} ", "甲", "2025年3月20日", "殡仪馆"]],
        encoding="gbk",
    )

    stored = actions.upload_list(county, "civil_deaths", dt.date(2025, 4, 1), gbk, ON)

    assert (stored.kind, stored.department, stored.list_date, stored.area_id) == (
        "civil_deaths",
        "civil_affairs",
        dt.date(2025, 4, 1),
        "511902",
    )
    assert (stored.uploaded_by, stored.rows_total, len(stored.sha256)) == (county, 1, 64)
    row = DepartmentRow.objects.get()
    assert (row.row, row.id_number, row.name, row.event_date) == (
        2,
        person.id_number,
        "甲",
        dt.date(2025, 3, 20),
    )
    # The same blind index as the registry's, so the two join without decrypting.
    assert row.id_number_index == Person.objects.get(pk=person.pk).id_number_index
    assert AuditEvent.objects.filter(object_type="reconcile.departmentlist").count() == 1


def test_a_list_with_bad_rows_is_refused_whole_with_each_reason_and_nothing_stored(county):
    good = factories.new_id_number()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [
        [good, "甲", "2025-03-01"],
        [bad_check, "乙", "2025-03-01"],
        [factories.new_id_number(), "丙", "昨天"],
        [factories.new_id_number(), "丁", ""],
        [good, "甲", "2025-03-02"],
        ["5.11902196005E+17", "戊", "2025-03-01"],
    ]
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(actions.ListRefused) as refused:
        upload(county, "civil_deaths", DEATHS, rows)

    assert [(p.row, p.column, p.code) for p in refused.value.checked.problems] == [
        (3, "身份证号", "id_check_character"),
        (4, "死亡日期", "bad_date"),
        (5, "死亡日期", "required"),
        (6, "身份证号", "duplicate_in_file"),
        (7, "身份证号", "id_scientific"),
    ]
    assert nothing_stored() == (0, 0)
    assert AuditEvent.objects.count() == audit_rows


def test_a_list_without_a_required_column_is_refused_naming_it(county):
    with pytest.raises(actions.ListRefused) as refused:
        upload(county, "child_screening", ["身份证号", "姓名", "筛查日期"], [])

    problems = [(p.row, p.column, p.code) for p in refused.value.checked.problems]
    assert problems == [(None, "筛查结果", "missing_column")]
    assert nothing_stored() == (0, 0)


def test_a_renamed_word_file_is_refused(county):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("deaths.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(actions.ListRefused) as refused:
        actions.upload_list(county, "civil_deaths", ON, fake, ON)

    assert [p.code for p in refused.value.checked.problems] == ["old_excel"]
    assert nothing_stored() == (0, 0)


def test_the_same_file_twice_is_refused_the_second_time(county):
    rows = [[factories.new_id_number(), "甲", "2025-03-01"]]
    upload(county, "civil_deaths", DEATHS, rows)

    with pytest.raises(ValidationError):
        upload(county, "civil_deaths", DEATHS, rows)

    assert nothing_stored() == (1, 1)


def test_a_list_dated_in_the_future_is_refused(county):
    with pytest.raises(ValidationError):
        upload(county, "civil_deaths", DEATHS, [], day=ON + dt.timedelta(days=1))
    assert nothing_stored() == (0, 0)


@pytest.mark.parametrize("role", ["village", "township", "department", "auditor"])
def test_only_county_and_city_officers_upload_lists(db, request, role):
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        upload(actor, "civil_deaths", DEATHS, [[factories.new_id_number(), "甲", "2025-03-01"]])
    assert nothing_stored() == (0, 0)
