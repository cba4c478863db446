"""Registry import: the dry run, both apply modes, idempotent re-import, and the catalogue
of bad input, each giving a precise report and leaving the registry unchanged."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import zipfile

import polars as pl
import pytest
from django.core.exceptions import ValidationError

from tests import factories
from tests.exchange.files import HEADERS, csv_bytes, row, upload, xlsx_bytes
from tongxing.core import bulk
from tongxing.core.idnumbers import make_id_number
from tongxing.core.models import AuditEvent
from tongxing.exchange import actions
from tongxing.exchange.models import ApplyMode, ImportState
from tongxing.registry import actions as registry_actions
from tongxing.registry.models import DisabilityCertificate, Household, Person


def checked(user, data: bytes, name: str = "persons.xlsx"):
    batch = actions.upload_import(user, upload(data, name))
    return actions.validate_import(user, batch)


def problems(batch) -> list[tuple]:
    return list(batch.problems.order_by("row", "id").values_list("row", "column", "code"))


def registry_state() -> tuple[int, int, int]:
    return Person.objects.count(), Household.objects.count(), DisabilityCertificate.objects.count()


def test_a_clean_file_registers_persons_households_and_certificates_with_history(county):
    head = row()
    rows = [
        head,
        row(姓名="李四"),
        row(姓名="王小五", 户主身份证号=head["身份证号"], 与户主关系="子女"),
    ]
    batch = checked(county, xlsx_bytes(rows))
    assert (batch.state, batch.rows_total, batch.rows_invalid, batch.rows_new) == (
        "validated",
        3,
        0,
        3,
    )
    assert registry_state() == (0, 0, 0)  # the dry run wrote nothing
    batch = actions.apply_import(county, batch)
    assert (batch.state, batch.created_count, batch.updated_count) == ("applied", 3, 0)
    child = Person.objects.get(name="王小五")
    parent = Person.objects.get(name="王五")
    assert child.household_id == parent.household_id
    assert child.relation_to_head == "child" and parent.relation_to_head == "head"
    assert parent.id_number == head["身份证号"]
    assert parent.phone == "13900001111"
    assert parent.certificate.number == head["身份证号"] + "42"
    assert parent.certificate.valid_until == dt.date(2031, 5, 6)
    history = AuditEvent.objects.filter(source=batch.source, object_type="registry.person")
    assert history.count() == 3
    created = history.get(person_id=parent.pk)
    assert created.changes["id_number"] == [None, parent.masked_id_number]
    assert Person.objects.with_id_number(head["身份证号"]).get() == parent


def test_a_member_listed_before_the_head_joins_the_heads_household_across_chunks(
    county, monkeypatch
):
    head = row()
    rows = [
        row(姓名="王小五", 户主身份证号=head["身份证号"], 与户主关系="子女"),
        row(姓名="李四"),
        head,
    ]
    batch = checked(county, xlsx_bytes(rows))
    # One person a chunk: the member's chunk is written before its head's.
    monkeypatch.setattr(registry_actions.import_persons, "__kwdefaults__", {"batch_size": 1})
    batch = actions.apply_import(county, batch)
    assert (batch.state, batch.created_count) == ("applied", 3)
    child, parent = Person.objects.get(name="王小五"), Person.objects.get(name="王五")
    assert child.household_id == parent.household_id
    assert Household.objects.count() == 2


def test_importing_the_same_file_again_changes_nothing(county):
    data = xlsx_bytes([row(), row(姓名="李四")])
    actions.apply_import(county, checked(county, data))
    state = registry_state()
    audits = AuditEvent.objects.filter(object_type="registry.person").count()
    again = actions.apply_import(county, checked(county, data))
    assert (again.rows_new, again.rows_changed, again.rows_unchanged) == (0, 0, 2)
    assert (again.created_count, again.updated_count) == (0, 0)
    assert registry_state() == state
    assert AuditEvent.objects.filter(object_type="registry.person").count() == audits


def test_a_changed_field_updates_only_that_field_and_records_it(county):
    first = row()
    actions.apply_import(county, checked(county, xlsx_bytes([first])))
    person = Person.objects.get()
    batch = actions.apply_import(
        county, checked(county, xlsx_bytes([first | {"联系电话": "13700002222", "住址": ""}]))
    )
    person.refresh_from_db()
    assert (batch.rows_changed, batch.updated_count) == (1, 1)
    assert person.phone == "13700002222"
    assert person.address == "东城街道2号"  # an empty optional cell leaves the value
    event = AuditEvent.objects.get(source=batch.source, object_type="registry.person")
    assert event.action == "update"
    assert event.changes == {"phone": ["139****1111", "137****2222"]}


def test_all_or_nothing_refuses_a_file_with_one_bad_row_and_writes_nothing(county):
    rows = [row(), row(姓名="")]
    batch = checked(county, xlsx_bytes(rows))
    assert problems(batch) == [(3, "姓名", "required")]
    with pytest.raises(ValidationError):
        actions.apply_import(county, batch)
    batch.refresh_from_db()
    assert batch.state == "validated"
    assert registry_state() == (0, 0, 0)


def test_apply_the_valid_rows_writes_them_and_returns_the_rejected_rows_as_a_file(county):
    from tongxing.exchange.report import report_xlsx

    good, bad = row(), row(姓名="", 残疾等级="五级")
    batch = actions.apply_import(
        county, checked(county, xlsx_bytes([good, bad])), ApplyMode.VALID_ROWS
    )
    assert (batch.state, batch.created_count, batch.rows_invalid) == ("applied", 1, 1)
    assert Person.objects.get().id_number == good["身份证号"]
    report = pl.read_excel(report_xlsx(batch).read(), engine="calamine", infer_schema_length=0)
    assert report.height == 1
    assert report["身份证号"].to_list() == [bad["身份证号"]]
    assert report["原行号"].to_list() == ["3"]
    assert report["问题说明"][0] == (
        "姓名: 姓名 is required.；残疾等级: Write a grade 1–4 or 一级 to 四级."
    )


def test_a_failure_in_the_middle_of_writing_leaves_the_registry_unchanged(county, monkeypatch):
    rows = [row(姓名=f"人{i}") for i in range(5)]
    batch = checked(county, xlsx_bytes(rows))
    calls = {"n": 0}
    real_insert = bulk.BulkInserter.insert

    def failing_insert(self, values):
        calls["n"] += 1
        if calls["n"] == 3:  # households and persons are in; certificates fail
            raise RuntimeError("disk full")
        return real_insert(self, values)

    monkeypatch.setattr(bulk.BulkInserter, "insert", failing_insert)
    audits = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        actions.apply_import(county, batch)
    assert calls["n"] == 3
    assert registry_state() == (0, 0, 0)
    assert AuditEvent.objects.count() == audits
    batch.refresh_from_db()
    assert (batch.state, batch.failure) == ("failed", "RuntimeError: disk full")


def test_rows_outside_the_officers_area_are_errors_naming_the_row(county):
    other = row(**{"村（社区）代码": factories.OTHER_COUNTY_VILLAGE})
    batch = checked(county, xlsx_bytes([row(), other]))
    assert problems(batch) == [(3, "村（社区）代码", "area_outside")]


def test_area_codes_unknown_or_not_at_village_level_are_named(county):
    rows = [row(**{"村（社区）代码": "511902999999"}), row(**{"村（社区）代码": "511902001"})]
    batch = checked(county, xlsx_bytes(rows))
    assert problems(batch) == [
        (2, "村（社区）代码", "area_unknown"),
        (3, "村（社区）代码", "area_not_village"),
    ]


def test_a_person_registered_in_the_database_or_twice_in_the_file_is_reported(county, village):
    registered = factories.make_person(village)
    twice = row()
    again = row(身份证号=registered.id_number, 姓名="张三", 发证日期="2020-03-01")
    rows = [twice, twice | {"姓名": "另一人"}, again]
    batch = checked(county, xlsx_bytes(rows))
    assert problems(batch) == [
        (2, "身份证号", "duplicate_in_file"),
        (3, "身份证号", "duplicate_in_file"),
    ]
    assert batch.rows_unchanged == 0 and batch.rows_changed == 1  # 张三's other fields differ


def test_a_person_registered_in_another_county_is_not_taken_over(county, other_county):
    someone = factories.make_person(other_county, area_code=factories.OTHER_COUNTY_VILLAGE)
    batch = checked(county, xlsx_bytes([row(身份证号=someone.id_number)]))
    assert problems(batch) == [(2, "身份证号", "registered_outside")]


def test_certificate_checks_reuse_the_registry_rules(county):
    id_number = factories.new_id_number(dt.date(1980, 1, 1))
    rows = [
        row(身份证号=id_number, 残疾人证号=id_number + "71"),
        row(发证日期="1970-01-01"),
        row(残疾类别="多重"),
    ]
    batch = checked(county, xlsx_bytes(rows))
    assert problems(batch) == [
        (2, "残疾人证号", "certificate_category_mismatch"),
        (3, "发证日期", "issued_before_birth"),
        (4, "多重残疾包含类别", "multiple_detail_kinds"),
    ]


def test_household_head_must_be_in_the_file_or_registered(county):
    missing = make_id_number("511902", dt.date(1950, 1, 1), 1)
    rows = [row(户主身份证号=missing, 与户主关系="配偶"), row(与户主关系="配偶")]
    batch = checked(county, xlsx_bytes(rows))
    assert problems(batch) == [
        (2, "户主身份证号", "head_not_found"),
        (3, "与户主关系", "relation_without_head"),
    ]


# --- the bad-input catalogue ----------------------------------------------------------


def test_an_empty_file_is_reported(county):
    batch = checked(county, b"", "persons.xlsx")
    assert problems(batch) == [(None, "", "empty_file")]
    assert batch.file_problems == 1 and not batch.can_apply_all


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.4 not a sheet", "not_a_table"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "not_a_table"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "old_excel"),
    ],
    ids=["pdf", "png", "old-xls-or-doc"],
)
def test_a_file_of_the_wrong_type_is_reported_whatever_its_name(county, data, code):
    batch = checked(county, data, "persons.xlsx")
    assert problems(batch) == [(None, "", code)]
    assert registry_state() == (0, 0, 0)


def test_a_renamed_zip_that_is_not_a_workbook_is_reported(county):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    batch = checked(county, buffer.getvalue(), "persons.xlsx")
    assert problems(batch) == [(None, "", "not_xlsx")]


def test_missing_and_renamed_columns_are_named(county):
    headers = [h for h in HEADERS if h != "姓名"]
    headers[headers.index("身份证号")] = "身份证"
    batch = checked(county, xlsx_bytes([row()], headers=headers))
    codes = [(p.column, p.code) for p in batch.problems.order_by("id")]
    assert codes == [
        ("身份证", "unknown_column"),
        ("姓名", "missing_column"),
        ("身份证号", "missing_column"),
    ]
    assert batch.file_problems == 2


def test_extra_columns_are_ignored_with_a_notice_and_the_rows_import(county):
    batch = checked(county, xlsx_bytes([row() | {"备注": "x"}], headers=[*HEADERS, "备注"]))
    assert problems(batch) == [(None, "备注", "unknown_column")]
    assert batch.file_problems == 0 and batch.can_apply_all
    actions.apply_import(county, batch)
    assert Person.objects.count() == 1


def test_merged_cells_are_reported_on_every_row_they_cover(county):
    batch = checked(county, xlsx_bytes([row(), row(), row()], merge="F3:F4"))
    assert problems(batch) == [(3, "住址", "merged_cells"), (4, "住址", "merged_cells")]


def test_a_gbk_csv_is_read(county):
    batch = checked(county, csv_bytes([row(姓名="苟岳蒲")], encoding="gbk"), "persons.csv")
    assert (batch.encoding, batch.rows_invalid, batch.rows_new) == ("gb18030", 0, 1)
    actions.apply_import(county, batch)
    assert Person.objects.get().name == "苟岳蒲"


def test_a_utf8_csv_with_a_bom_is_read(county):
    data = codecs.BOM_UTF8 + csv_bytes([row()])
    batch = checked(county, data, "persons.csv")
    assert (batch.encoding, batch.rows_new) == ("utf-8-sig", 1)


def test_dates_as_text_and_as_excel_serials_are_read(county):
    rows = [
        row(发证日期="2020/3/1"),
        row(发证日期="2020年3月1日"),
        row(发证日期="20200301"),
        row(发证日期="43891"),
        row(发证日期="去年三月"),
    ]
    batch = checked(county, xlsx_bytes(rows))
    assert problems(batch) == [(6, "发证日期", "bad_date")]
    actions.apply_import(county, batch, ApplyMode.VALID_ROWS)
    assert set(DisabilityCertificate.objects.values_list("issue_date", flat=True)) == {
        dt.date(2020, 3, 1)
    }


def test_an_excel_date_cell_is_read(county, tmp_path):
    import xlsxwriter

    path = tmp_path / "dates.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    values = row()
    for c, header in enumerate(HEADERS):
        sheet.write_string(1, c, values.get(header, ""))
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_datetime(1, HEADERS.index("发证日期"), dt.datetime(2019, 7, 8), date_format)
    workbook.close()
    batch = checked(county, path.read_bytes())
    assert batch.rows_new == 1
    actions.apply_import(county, batch)
    assert DisabilityCertificate.objects.get().issue_date == dt.date(2019, 7, 8)


def test_ids_stored_as_numbers_are_recognised(county):
    id_number = make_id_number("511902", dt.date(1960, 5, 17), 1)
    with_x = next(
        make_id_number("511902", dt.date(1961, 1, 1), s)
        for s in range(1, 999)
        if make_id_number("511902", dt.date(1961, 1, 1), s).endswith("X")
    )
    rows = [row(), row(), row(身份证号="5.11902E+17"), row(身份证号=with_x[:17])]
    data = xlsx_bytes(rows, numbers={(2, "身份证号"): float(id_number[:15] + "000")})
    batch = checked(county, data)
    assert problems(batch) == [
        (3, "身份证号", "id_stored_as_number"),
        (4, "身份证号", "id_scientific"),
        (5, "身份证号", "id_missing_x"),
    ]


def test_full_width_digits_and_surrounding_spaces_are_folded(county):
    id_number = factories.new_id_number()
    full_width = id_number.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    values = row(
        身份证号=f" {full_width}　", 姓名=" 王五 ", 残疾等级="２", 联系电话=" 13900001111 "
    )
    batch = checked(county, xlsx_bytes([values]))
    assert batch.rows_invalid == 0
    actions.apply_import(county, batch)
    person = Person.objects.get()
    assert (person.id_number, person.name, person.phone) == (id_number, "王五", "13900001111")
    assert person.certificate.grade == 2


def test_a_hundred_thousand_bad_rows_give_a_report_and_write_nothing(county):
    bad = row(身份证号="511902196005170011")  # wrong check character
    data = csv_bytes([bad] * 100_000)
    batch = checked(county, data, "bad.csv")
    assert (batch.rows_total, batch.rows_invalid) == (100_000, 100_000)
    assert batch.problems.filter(code="id_check_character").count() == 100_000
    with pytest.raises(ValidationError):
        actions.apply_import(county, batch)
    assert registry_state() == (0, 0, 0)


def test_an_applied_import_cannot_be_applied_twice(county):
    batch = actions.apply_import(county, checked(county, xlsx_bytes([row()])))
    with pytest.raises(ValidationError):
        actions.apply_import(county, batch)
    assert batch.state == ImportState.APPLIED
    assert Person.objects.count() == 1


@pytest.fixture
def row_checks_spy(monkeypatch):
    """Counts how often a file is checked row by row (the real checks still run)."""
    from tongxing.exchange.validation import Validator

    calls = []
    real = Validator.check_sheet

    def counted(self, sheet):
        calls.append(sheet)
        return real(self, sheet)

    monkeypatch.setattr(Validator, "check_sheet", counted)
    return calls


def _household_file() -> bytes:
    head = row()
    return xlsx_bytes(
        [
            head,
            row(姓名="王小五", 户主身份证号=head["身份证号"], 与户主关系="子女"),
            row(姓名="", 残疾等级="五级"),
            row(姓名="李四", 残疾类别="多重", 多重残疾包含类别="听力、言语", 有效期至="2030-01-01"),
        ]
    )


def test_applying_after_the_dry_run_uses_its_row_checks_and_then_forgets_them(
    county, row_checks_spy
):
    batch = checked(county, _household_file())
    assert len(row_checks_spy) == 1
    kept = actions.checks_path(batch)
    assert kept.exists() and len(batch.checked_digest) == 64
    batch = actions.apply_import(county, batch, ApplyMode.VALID_ROWS)
    assert len(row_checks_spy) == 1  # not checked again
    assert (batch.created_count, batch.rows_invalid) == (3, 1)
    assert not kept.exists() and batch.checked_digest == ""
    child = Person.objects.get(name="王小五")
    assert child.household_id == Person.objects.get(name="王五").household_id
    assert child.relation_to_head == "child"
    multiple = Person.objects.get(name="李四").certificate
    assert (multiple.multiple_detail, multiple.valid_until) == ("2,3", dt.date(2030, 1, 1))
    assert problems(batch) == [(4, "姓名", "required"), (4, "残疾等级", "bad_choice")]


def test_applying_after_the_dry_run_writes_the_blind_indexes_it_computed_without_again(
    county, monkeypatch
):
    from tongxing.core.crypto import Keyring
    from tongxing.core.fields import keyring

    batch = checked(county, _household_file())
    indexed = []
    real = Keyring.blind_index

    def counting(self, value, *, context, version=None):
        indexed.append(value)
        return real(self, value, context=context, version=version)

    monkeypatch.setattr(Keyring, "blind_index", counting)
    batch = actions.apply_import(county, batch, ApplyMode.VALID_ROWS)
    assert batch.created_count == 3
    assert indexed == ["tongxing import checks"]  # the key check of the kept row checks
    monkeypatch.undo()
    for person in Person.objects.select_related("certificate"):
        assert person.id_number_index == keyring().blind_index(
            person.id_number, context="resident_id"
        )
        assert person.certificate.number_index == keyring().blind_index(
            person.certificate.number, context="certificate_number"
        )


@pytest.fixture
def fresh_keyring():
    """The process-wide keyring read again from the test's database, before and after."""
    from tongxing.core import keys

    keys.reset_keyring()
    yield
    keys.reset_keyring()


def test_row_checks_kept_before_a_key_rotation_are_not_used_and_the_new_key_indexes(
    county, row_checks_spy, fresh_keyring
):
    from tongxing.core.fields import keyring
    from tongxing.core.rotation import rotate

    batch = checked(county, _household_file())
    assert rotate(batch_size=100).active_version == 2
    batch = actions.apply_import(county, batch, ApplyMode.VALID_ROWS)
    assert len(row_checks_spy) == 2  # checked again: the kept indexes are version 1's
    assert batch.created_count == 3
    for person in Person.objects.select_related("certificate"):
        assert person.id_number_index == keyring().blind_index(
            person.id_number, context="resident_id", version=2
        )
        assert person.certificate.number_index == keyring().blind_index(
            person.certificate.number, context="certificate_number", version=2
        )


def test_row_checks_altered_on_disk_are_not_trusted_and_the_file_is_checked_again(
    county, row_checks_spy
):
    batch = checked(county, _household_file())
    kept = actions.checks_path(batch)
    data = bytearray(kept.read_bytes())
    data[len(data) // 2] ^= 0x01
    kept.write_bytes(bytes(data))
    batch = actions.apply_import(county, batch, ApplyMode.VALID_ROWS)
    assert len(row_checks_spy) == 2
    assert (batch.created_count, batch.rows_invalid) == (3, 1)


def test_row_checks_made_under_another_key_are_not_used(county):
    from tongxing.exchange.validation import Validator, pack_checks, unpack_checks

    batch = actions.upload_import(county, upload(_household_file(), "persons.xlsx"))
    validator, checks = actions._row_checks(county, batch, lambda *args: None)
    data = pack_checks(checks, validator.checks_key())
    tomorrow = Validator(county, dt.date.today() + dt.timedelta(days=1))
    assert unpack_checks(data, tomorrow.checks_key(), tomorrow.villages) is None
    again = unpack_checks(data, validator.checks_key(), validator.villages)
    assert [(c.row, c.person, c.certificate, c.relation) for c in again.candidates] == [
        (c.row, c.person, c.certificate, c.relation) for c in checks.candidates
    ]
    assert again.problems == checks.problems and again.rows_total == checks.rows_total == 4


def test_a_failed_apply_forgets_the_row_checks(county, monkeypatch):
    batch = checked(county, xlsx_bytes([row()]))
    monkeypatch.setattr(
        bulk.BulkInserter, "insert", lambda self, rows: (_ for _ in ()).throw(OSError("disk"))
    )
    with pytest.raises(OSError):
        actions.apply_import(county, batch)
    batch.refresh_from_db()
    assert (batch.state, batch.checked_digest) == ("failed", "")
    assert not actions.checks_path(batch).exists()
    assert registry_state() == (0, 0, 0)
