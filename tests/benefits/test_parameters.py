"""Dated policy parameters: the Bazhong pack, the loader's checks, and value_on."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tongxing.benefits.models import Origin, Parameter, ParameterValue, ValueStatus
from tongxing.benefits.parameters import (
    ParameterFileError,
    ParameterLookupError,
    load_parameters,
    value_on,
)
from tongxing.core.models import AuditAction, AuditEvent

REGION = "sichuan-bazhong"
PACK_PARAMETERS = 57
PACK_VALUES = 43

GOOD = """\
description: A test amount
metadata:
  unit: CNY_per_month
  reference: 测试文件
values:
  2020-01-01:
    value: 50
    source: 测试〔2020〕1号
    verified: true
  2024-07-01:
    value: 110
    source: 测试〔2024〕1号
    verified: false
"""


@pytest.fixture
def loaded(db):
    load_parameters(REGION)


@pytest.fixture
def pack(settings, tmp_path: Path):
    """A throw-away region pack: write files into it with ``pack(path, text)``."""
    settings.TONGXING_REGIONS_DIR = tmp_path
    (tmp_path / "test" / "parameters").mkdir(parents=True)
    (tmp_path / "test" / "region.yaml").write_text("name: test\n", encoding="utf-8")

    def write(relative: str, text: str) -> Path:
        path = tmp_path / "test" / "parameters" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


def snapshot() -> tuple[int, int, int, list]:
    return (
        Parameter.objects.count(),
        ParameterValue.objects.count(),
        AuditEvent.objects.count(),
        list(ParameterValue.objects.values_list("parameter__key", "effective_from", "value")),
    )


# --- the Bazhong region pack ----------------------------------------------------------------


def test_the_region_pack_loads_every_parameter_file(db):
    report = load_parameters(REGION)
    assert (report.parameters_created, report.values_created) == (PACK_PARAMETERS, PACK_VALUES)
    assert Parameter.objects.count() == PACK_PARAMETERS
    assert ParameterValue.objects.filter(
        origin=Origin.FILE, status=ValueStatus.APPROVED
    ).count() == (PACK_VALUES)
    assert AuditEvent.objects.filter(source="load_parameters").count() == (
        PACK_PARAMETERS + PACK_VALUES
    )


def test_loading_the_region_pack_again_changes_nothing_and_writes_no_audit_row(loaded):
    before = list(ParameterValue.objects.values_list("id", "value", "source", "verified", "note"))
    audit_rows = AuditEvent.objects.count()
    report = load_parameters(REGION)
    assert report.changed is False
    assert list(
        ParameterValue.objects.values_list("id", "value", "source", "verified", "note")
    ) == (before)
    assert AuditEvent.objects.count() == audit_rows


def test_the_load_parameters_command_reports_what_it_did(db, capsys):
    call_command("load_parameters", REGION)
    call_command("load_parameters", REGION)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{REGION}: parameters {PACK_PARAMETERS} created, 0 changed, 0 removed; "
        f"values {PACK_VALUES} created, 0 changed, 0 removed",
        f"{REGION}: parameters 0 created, 0 changed, 0 removed; "
        "values 0 created, 0 changed, 0 removed",
    ]


def test_a_nursing_amount_is_a_decimal_with_two_places(loaded):
    grade_1 = value_on("subsidies.nursing.amount_grade_1", dt.date(2024, 7, 1))
    assert type(grade_1.value) is Decimal
    assert grade_1.value == Decimal("110.00")
    assert str(grade_1.value) == "110.00"
    assert value_on("subsidies.nursing.amount_grade_2", dt.date(2025, 1, 1)).value == Decimal(
        "80.00"
    )
    assert value_on("subsidies.living.amount", dt.date(2025, 1, 1)).value == Decimal("100.00")


def test_the_sichuan_subsidy_amounts_are_reported_as_unverified_with_their_source(loaded):
    living = value_on("subsidies.living.amount", dt.date(2025, 1, 1))
    assert living.verified is False
    assert living.effective_from == dt.date(2024, 7, 1)
    assert living.unit == "CNY_per_month"
    assert living.source.startswith("四川省民政厅 interpretation of 川民规〔2024〕1号")
    assert "[3P]" in living.source


def test_the_nursing_grades_are_verified_and_the_grade_3_4_extension_is_off_and_unverified(
    loaded,
):
    grades = value_on("subsidies.nursing.eligible_grades", dt.date(2025, 1, 1))
    assert (grades.value, grades.verified) == ((1, 2), True)
    extension = value_on(
        "subsidies.nursing.extended_to_grade_3_4_intellectual_mental", dt.date(2025, 1, 1)
    )
    assert (extension.value, extension.verified) == (False, False)


def test_the_sichuan_quota_ratio_is_unverified_and_the_national_floor_verified(loaded):
    sichuan = value_on("employment_fund.quota_ratio", dt.date(2025, 1, 1))
    national = value_on("employment_fund.national_minimum_quota_ratio", dt.date(2025, 1, 1))
    assert (sichuan.value, sichuan.verified) == (Decimal("1.6"), False)
    assert (national.value, national.verified) == (Decimal("1.5"), True)


def test_no_subsidy_amount_is_in_force_before_the_2024_interpretation(loaded):
    with pytest.raises(ParameterLookupError, match=r"no value in force on 2024-06-30: it starts"):
        value_on("subsidies.nursing.amount_grade_1", dt.date(2024, 6, 30))


def test_the_levy_reduction_ends_with_2027(loaded):
    last_day = value_on("employment_fund.reduced_levy.share_below_threshold", dt.date(2027, 12, 31))
    assert last_day.value == Decimal("90")
    assert last_day.effective_from == dt.date(2023, 1, 1)
    with pytest.raises(ParameterLookupError, match=r"no value in force on 2028-01-01: it ended"):
        value_on("employment_fund.reduced_levy.share_below_threshold", dt.date(2028, 1, 1))


def test_child_rehabilitation_covers_ages_0_to_6_from_october_2018(loaded):
    on_start = dt.date(2018, 10, 1)
    assert value_on("programmes.child_rehabilitation.age_min", on_start).value == 0
    assert value_on("programmes.child_rehabilitation.age_max", on_start).value == 6
    with pytest.raises(ParameterLookupError):
        value_on("programmes.child_rehabilitation.age_max", dt.date(2018, 9, 30))


# --- value_on -------------------------------------------------------------------------------


def test_value_on_gives_the_old_value_the_day_before_a_change(db, pack):
    pack("test/amount.yaml", GOOD)
    load_parameters("test")
    before = value_on("test.amount", dt.date(2024, 6, 30))
    assert (before.value, before.effective_from, before.source, before.verified) == (
        Decimal("50.00"),
        dt.date(2020, 1, 1),
        "测试〔2020〕1号",
        True,
    )


def test_value_on_gives_the_new_value_on_the_day_of_a_change_and_after(db, pack):
    pack("test/amount.yaml", GOOD)
    load_parameters("test")
    for day in (dt.date(2024, 7, 1), dt.date(2024, 7, 2), dt.date(2030, 1, 1)):
        now = value_on("test.amount", day)
        assert (now.value, now.effective_from, now.verified) == (
            Decimal("110.00"),
            dt.date(2024, 7, 1),
            False,
        )


def test_a_null_value_ends_the_parameter(db, pack):
    pack(
        "test/amount.yaml",
        GOOD + "  2025-01-01:\n    value: null\n    source: 测试〔2025〕1号\n    verified: true\n",
    )
    load_parameters("test")
    assert value_on("test.amount", dt.date(2024, 12, 31)).value == Decimal("110.00")
    with pytest.raises(
        ParameterLookupError, match=r"test\.amount has no value in force on 2025-01-01: it ended"
    ):
        value_on("test.amount", dt.date(2025, 1, 1))


def test_value_on_names_an_unknown_parameter(db):
    with pytest.raises(ParameterLookupError, match=r"no parameter 'subsidies\.nope'"):
        value_on("subsidies.nope", dt.date(2025, 1, 1))


def test_value_on_refuses_a_datetime(loaded):
    with pytest.raises(TypeError, match="needs a date, not datetime"):
        value_on("subsidies.living.amount", dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC))


def test_value_on_ignores_a_value_still_awaiting_approval(db, pack):
    pack("test/amount.yaml", GOOD)
    load_parameters("test")
    ParameterValue.objects.create(
        parameter=Parameter.objects.get(key="test.amount"),
        effective_from=dt.date(2025, 1, 1),
        value="200.00",
        source="proposal",
        verified=True,
        origin=Origin.PROPOSAL,
        status=ValueStatus.PROPOSED,
    )
    assert value_on("test.amount", dt.date(2025, 6, 1)).value == Decimal("110.00")


# --- changes to the files -------------------------------------------------------------------


def test_a_changed_file_updates_the_value_with_an_audit_row(db, pack):
    path = pack("test/amount.yaml", GOOD)
    load_parameters("test")
    row_id = ParameterValue.objects.get(effective_from=dt.date(2024, 7, 1)).pk
    path.write_text(GOOD.replace("value: 110", "value: 120.5"), encoding="utf-8")
    report = load_parameters("test")
    assert (report.values_updated, report.values_created, report.values_removed) == (1, 0, 0)
    assert value_on("test.amount", dt.date(2024, 7, 1)).value == Decimal("120.50")
    event = AuditEvent.objects.filter(source="load_parameters").order_by("-id").first()
    assert event.action == AuditAction.UPDATE
    assert event.object_type == "benefits.parametervalue"
    assert event.object_id == str(row_id)
    assert event.summary == "test.amount from 2024-07-01"
    assert event.changes == {"value": ["110.00", "120.50"]}


def test_a_date_taken_out_of_a_file_is_removed_with_an_audit_row(db, pack):
    path = pack("test/amount.yaml", GOOD)
    load_parameters("test")
    path.write_text(GOOD.split("  2024-07-01:")[0], encoding="utf-8")
    report = load_parameters("test")
    assert report.values_removed == 1
    assert value_on("test.amount", dt.date(2025, 1, 1)).value == Decimal("50.00")
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.summary) == (
        AuditAction.DELETE,
        "test.amount from 2024-07-01 removed from the file",
    )


def test_a_file_date_that_clashes_with_an_approved_in_app_value_is_refused(db, pack):
    path = pack("test/amount.yaml", GOOD.split("  2024-07-01:")[0])
    load_parameters("test")
    ParameterValue.objects.create(
        parameter=Parameter.objects.get(key="test.amount"),
        effective_from=dt.date(2024, 7, 1),
        value="115.00",
        source="city officer, approved",
        verified=True,
        origin=Origin.PROPOSAL,
        status=ValueStatus.APPROVED,
    )
    path.write_text(GOOD, encoding="utf-8")
    before = snapshot()
    with pytest.raises(ParameterFileError, match=r"amount\.yaml: values\.2024-07-01: an approved"):
        load_parameters("test")
    assert snapshot() == before


# --- bad input: the loader names file and key, and loads nothing ----------------------------


BAD_FILES = {
    "not valid YAML": (
        "description: [unclosed\nmetadata:\n",
        r"test/parameters/test/bad\.yaml line 2: test\.bad: not valid YAML",
    ),
    "missing description": (
        GOOD.replace("description: A test amount\n", ""),
        r"test/parameters/test/bad\.yaml: description: missing",
    ),
    "missing unit": (
        GOOD.replace("  unit: CNY_per_month\n", ""),
        r"bad\.yaml: metadata\.unit: missing",
    ),
    "missing reference": (
        GOOD.replace("  reference: 测试文件\n", ""),
        r"bad\.yaml: metadata\.reference: missing legal reference",
    ),
    "unknown unit": (
        GOOD.replace("CNY_per_month", "CNY_per_fortnight"),
        r"bad\.yaml line 3: metadata\.unit: unknown unit 'CNY_per_fortnight'",
    ),
    "date not ISO": (
        GOOD.replace("2024-07-01:", "2024-7-1:"),
        r"bad\.yaml line 10: values\.2024-7-1: not an ISO date",
    ),
    "impossible date": (
        GOOD.replace("2024-07-01:", "2024-02-30:"),
        r"bad\.yaml line 10: values\.2024-02-30: not an ISO date",
    ),
    "duplicate date": (
        GOOD.replace("2020-01-01:", "2024-07-01:"),
        r"bad\.yaml line 10: values\.2024-07-01: duplicate key \(first at line 6\)",
    ),
    "duplicate date, one quoted": (
        GOOD.replace("2020-01-01:", "'2024-07-01':"),
        r"bad\.yaml line 10: values\.2024-07-01: duplicate key \(first at line 6\)",
    ),
    "duplicate key inside a value": (
        GOOD.replace("    verified: true\n", "    verified: true\n    verified: false\n"),
        r"bad\.yaml line 10: values\.2020-01-01\.verified: duplicate key \(first at line 9\)",
    ),
    "missing source": (
        GOOD.replace("    source: 测试〔2024〕1号\n", ""),
        r"bad\.yaml line 10: values\.2024-07-01\.source: missing source document",
    ),
    "blank source": (
        GOOD.replace("测试〔2024〕1号", "''"),
        r"bad\.yaml line 10: values\.2024-07-01\.source: missing source document",
    ),
    "missing verified": (
        GOOD.replace("    verified: false\n", ""),
        r"bad\.yaml line 10: values\.2024-07-01\.verified: missing: say true or false",
    ),
    "negative amount": (
        GOOD.replace("value: 110", "value: -5"),
        r"bad\.yaml line 11: values\.2024-07-01\.value: negative amount -5 is not allowed",
    ),
    "amount as text": (
        GOOD.replace("value: 110", "value: '110'"),
        r"bad\.yaml line 11: values\.2024-07-01\.value: '110' is not a number",
    ),
    "amount with three decimal places": (
        GOOD.replace("value: 110", "value: 110.005"),
        r"values\.2024-07-01\.value: 110\.005 has more than 2 decimal places",
    ),
    "boolean for money": (
        GOOD.replace("value: 110", "value: true"),
        r"values\.2024-07-01\.value: True is not a number",
    ),
    "grade 5 in a grade list": (
        GOOD.replace("CNY_per_month", "grade_list")
        .replace("value: 50", "value: [1, 2]")
        .replace("value: 110", "value: [1, 5]"),
        r"values\.2024-07-01\.value: \[1, 5\] is not a list of distinct disability grades",
    ),
    "text for a boolean": (
        GOOD.replace("CNY_per_month", "boolean")
        .replace("value: 50", "value: true")
        .replace("value: 110", "value: 'no'"),
        r"values\.2024-07-01\.value: 'no' is not true or false",
    ),
    "fraction of a year": (
        GOOD.replace("CNY_per_month", "years")
        .replace("value: 50", "value: 10")
        .replace("value: 110", "value: 9.5"),
        r"values\.2024-07-01\.value: Decimal\('9\.5'\) is not a whole number",
    ),
    "misspelt key": (
        GOOD.replace("    verified: false\n", "    verifed: false\n"),
        r"values\.2024-07-01\.verifed: unknown key",
    ),
    "first value null": (
        GOOD.replace("value: 50", "value: null"),
        r"bad\.yaml: values\.2020-01-01: the first value cannot be null",
    ),
}


@pytest.mark.parametrize("text, message", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_parameter_file_is_named_with_its_key_and_nothing_is_loaded(
    loaded, pack, text: str, message: str
):
    pack("test/good.yaml", GOOD)  # valid, but must not be loaded beside a bad file
    pack("test/bad.yaml", text)
    before = snapshot()
    with pytest.raises(ParameterFileError, match=message):
        load_parameters("test")
    assert snapshot() == before
    assert not Parameter.objects.filter(key__startswith="test.").exists()


def test_every_problem_in_every_file_is_listed_at_once(db, pack):
    pack("a/one.yaml", GOOD.replace("value: 110", "value: -1").replace("CNY_per_month", "yuan"))
    pack("b/two.yaml", GOOD.replace("    source: 测试〔2020〕1号\n", ""))
    with pytest.raises(ParameterFileError) as caught:
        load_parameters("test")
    assert [str(p) for p in caught.value.problems] == [
        "test/parameters/a/one.yaml line 3: metadata.unit: unknown unit 'yuan' (one of: "
        "CNY_per_month, CNY_per_year, percent, multiple, years, months, persons, boolean, "
        "month_of_year, "
        "grade_list)",
        "test/parameters/b/two.yaml line 6: values.2020-01-01.source: missing source document",
    ]
    assert Parameter.objects.count() == 0


def test_a_file_name_that_is_not_a_key_is_refused(db, pack):
    pack("Subsidies/amount-1.yaml", GOOD)
    with pytest.raises(ParameterFileError, match=r"Subsidies\.amount-1: folder and file names"):
        load_parameters("test")


def test_the_command_fails_with_every_problem_and_loads_nothing(db, pack):
    pack("test/bad.yaml", GOOD.replace("value: 110", "value: -5"))
    with pytest.raises(
        CommandError, match=r"1 problem\(s\) in the parameter files; nothing loaded"
    ):
        call_command("load_parameters", "test")
    assert Parameter.objects.count() == 0
