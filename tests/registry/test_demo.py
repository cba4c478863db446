"""The demo population: valid identifiers, determinism, idempotence, the status mix."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tongxing.core import audit
from tongxing.core.idnumbers import parse_certificate_number, parse_id_number
from tongxing.core.models import AuditEvent
from tongxing.registry.demo import (
    MARKER_TYPE,
    PERSON_TYPE,
    DemoDataError,
    generate_population,
)
from tongxing.registry.models import (
    DisabilityCertificate,
    Household,
    HouseholdStatus,
    LifeEvent,
    Person,
)

SIZE = 300
SEED = 11
ID_NUMBER = re.compile(r"\d{17}[\dX]")
PHONE = re.compile(r"1[3-9]\d{9}")


def snapshot() -> list[tuple[str, str, int, int]]:
    return list(
        Person.objects.order_by("pk").values_list(
            "id_number", "name", "certificate__category", "certificate__grade"
        )
    )


@pytest.fixture
def demo(db):
    return generate_population(SIZE, SEED)


def test_the_demo_creates_exactly_the_persons_asked_for_each_with_one_certificate_and_audit_row(
    demo,
):
    assert demo.created is True
    assert Person.objects.count() == SIZE
    assert DisabilityCertificate.objects.count() == SIZE
    assert (
        AuditEvent.objects.filter(object_type=PERSON_TYPE, source="demo", action="create").count()
        == SIZE
    )
    assert Household.objects.count() == demo.households


def test_every_id_number_is_valid_and_agrees_with_sex_and_birth_date(demo):
    for id_number, sex, birth_date in Person.objects.values_list("id_number", "sex", "birth_date"):
        parsed = parse_id_number(id_number)
        assert (parsed.sex, parsed.birth_date) == (sex, birth_date)


def test_every_guardian_id_number_is_valid(demo):
    guardians = [g for g in Person.objects.values_list("guardian_id_number", flat=True) if g]
    assert len(guardians) > 0
    for id_number in guardians:
        parse_id_number(id_number)


def test_a_guardian_is_either_unregistered_or_the_parent_heading_the_household(demo):
    by_id = {
        id_number: (household, relation)
        for id_number, household, relation in Person.objects.values_list(
            "id_number", "household_id", "relation_to_head"
        )
    }
    # Encrypted columns cannot be filtered in SQL: decrypt, then pick.
    guardians = [
        row
        for row in Person.objects.values_list(
            "guardian_id_number", "household_id", "guardian_relation"
        )
        if row[0]
    ]
    registered = 0
    for id_number, household, relation in guardians:
        if id_number in by_id:
            registered += 1
            assert by_id[id_number] == (household, "head")
            assert relation in ("父亲", "母亲")
    unregistered = [g for g in guardians if g[0] not in by_id]
    assert len({g[0] for g in unregistered}) == len(unregistered)
    assert registered + len(unregistered) == len(guardians)


def test_every_certificate_number_agrees_with_its_holder_category_and_grade(demo):
    rows = DisabilityCertificate.objects.values_list(
        "number", "person__id_number", "category", "grade", "reissue_count"
    )
    for number, id_number, category, grade, reissues in rows:
        parsed = parse_certificate_number(
            number, id_number=id_number, category=category, grade=grade
        )
        assert parsed.reissue == reissues


def test_multiple_disabilities_list_their_kinds_and_others_do_not(demo):
    details = dict(DisabilityCertificate.objects.values_list("pk", "multiple_detail"))
    categories = dict(DisabilityCertificate.objects.values_list("pk", "category"))
    for pk, detail in details.items():
        if categories[pk] == 7:
            kinds = [int(k) for k in detail.split(",")]
            assert len(kinds) >= 2
            assert kinds == sorted(kinds)
        else:
            assert detail == ""


def test_certificates_are_valid_for_ten_years_from_issue(demo):
    for issued, until in DisabilityCertificate.objects.values_list("issue_date", "valid_until"):
        assert until.year - issued.year == 10


def test_persons_land_only_in_village_level_areas(demo):
    assert Person.objects.exclude(area__level="village").count() == 0
    assert Household.objects.exclude(area__level="village").count() == 0


def test_households_hold_one_or_two_members_who_share_its_area(demo):
    sizes = {}
    for household, area, household_area in Person.objects.values_list(
        "household_id", "area_id", "household__area_id"
    ):
        assert area == household_area
        sizes[household] = sizes.get(household, 0) + 1
    assert set(sizes.values()) == {1, 2}
    assert len(sizes) == demo.households


def test_a_deceased_person_has_a_death_event_and_a_cancelled_certificate(demo):
    deceased = Person.objects.filter(status="deceased")
    assert deceased.exists()
    for person in deceased:
        assert person.date_of_death is not None
        assert person.certificate.status == "cancelled"
        death = person.life_events.get(kind="death")
        assert death.effective_date == person.date_of_death


def test_some_households_receive_dibao(demo):
    assert HouseholdStatus.objects.filter(kind="dibao").exists()
    for start, end in HouseholdStatus.objects.values_list("start_date", "end_date"):
        assert end is None or end >= start


def test_no_audit_row_contains_an_id_number(demo):
    for row in AuditEvent.objects.values("summary", "changes", "object_id"):
        assert not ID_NUMBER.search(json.dumps(row, ensure_ascii=False))


def test_identifiers_are_stored_encrypted_and_found_through_the_blind_index(demo):
    columns = {
        "registry_person": (
            "id_number",
            "phone",
            "guardian_id_number",
            "guardian_phone",
            "address",
        ),
        "registry_disabilitycertificate": ("number",),
        "registry_household": ("address",),
    }
    leaks = []
    with connection.cursor() as cursor:
        for table, names in columns.items():
            cursor.execute(f"SELECT {', '.join(names)} FROM {table}")
            for row in cursor.fetchall():
                leaks += [v for v in row if ID_NUMBER.search(v) or PHONE.search(v) or "组" in v]
    assert leaks == []
    someone = Person.objects.order_by("pk").last()
    assert list(Person.objects.with_id_number(someone.id_number)) == [someone]
    number = someone.certificate.number
    assert list(Person.objects.with_certificate_number(number)) == [someone]


def test_the_audit_chain_verifies_after_generating_and_replacing(demo):
    generate_population(SIZE, SEED + 1, replace=True)
    checked, problem = audit.verify_chain()
    assert problem is None
    assert checked == AuditEvent.objects.count()


def test_the_run_records_its_size_and_seed(demo):
    marker = AuditEvent.objects.get(object_type=MARKER_TYPE)
    assert marker.changes["persons"] == SIZE
    assert marker.changes["seed"] == SEED


def test_re_running_with_the_same_size_and_seed_creates_nothing(demo):
    counts = (Person.objects.count(), LifeEvent.objects.count(), AuditEvent.objects.count())
    again = generate_population(SIZE, SEED)
    assert again.created is False
    assert (
        Person.objects.count(),
        LifeEvent.objects.count(),
        AuditEvent.objects.count(),
    ) == counts


def test_another_seed_is_refused_without_replace(demo):
    with pytest.raises(DemoDataError):
        generate_population(SIZE, SEED + 1)
    assert Person.objects.count() == SIZE


def test_the_same_seed_regenerates_identical_persons(demo):
    first = snapshot()
    report = generate_population(SIZE, SEED, replace=True)
    assert report.deleted_persons == SIZE
    assert snapshot() == first
    assert Person.objects.count() == SIZE
    assert Household.objects.count() == demo.households


def test_another_seed_gives_other_persons(demo):
    first = snapshot()
    generate_population(SIZE, SEED + 1, replace=True)
    second = snapshot()
    assert len(second) == SIZE
    assert [row[0] for row in second] != [row[0] for row in first]
    assert Person.objects.count() == SIZE


def test_replace_keeps_persons_that_are_not_demo_persons(demo, person):
    generate_population(SIZE, SEED + 1, replace=True)
    assert Person.objects.filter(pk=person.pk).exists()
    assert Person.objects.count() == SIZE + 1


def test_the_command_prints_progress_and_refuses_another_size(db, capsys):
    call_command("generate_demo", persons=120, seed=3)
    out = capsys.readouterr().out
    assert "120/120 persons" in out
    assert "Created 120 demo persons" in out
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_demo", persons=121, seed=3)
    call_command("generate_demo", persons=120, seed=3)
    assert "nothing created" in capsys.readouterr().out
    assert Person.objects.count() == 120
