"""Each registry action: what it changes, what it records, and what it refuses."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from tongxing.areas.models import Area
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.registry import actions
from tongxing.registry.models import (
    CertificateStatus,
    DisabilityCertificate,
    Household,
    LifeEvent,
    Person,
    PersonStatus,
)


def counts():
    return (
        Person.objects.count(),
        DisabilityCertificate.objects.count(),
        Household.objects.count(),
        LifeEvent.objects.count(),
        AuditEvent.objects.count(),
    )


def snapshot(person):
    person = Person.objects.select_related("certificate").get(pk=person.pk)
    c = person.certificate
    return (
        person.status,
        person.area_id,
        person.date_of_death,
        c.number,
        c.category,
        c.grade,
        c.status,
        c.issue_date,
        c.valid_until,
    )


def test_registering_creates_person_certificate_household_and_one_masked_audit_row(village):
    id_number = factories.new_id_number(dt.date(1958, 2, 3))
    person = factories.make_person(village, id_number=id_number, name="李四")
    person.refresh_from_db()
    assert person.birth_date == dt.date(1958, 2, 3)
    assert person.name_pinyin == "lisi"
    assert person.name_initials == "ls"
    assert person.relation_to_head == "head"
    assert person.household.area_id == factories.VILLAGE
    assert person.certificate.number == id_number + "42"
    assert person.certificate.valid_until == dt.date(2030, 3, 1)
    event = AuditEvent.objects.get(person_id=person.pk)
    assert event.action == AuditAction.CREATE
    assert event.actor == village
    assert event.changes["id_number"] == [None, id_number[:6] + "********" + id_number[-4:]]
    assert id_number not in str(event.changes)


def test_a_second_person_can_join_the_household_of_the_first(village, person):
    spouse = actions.register_person(
        village,
        factories.person_data(name="王芳"),
        factories.certificate_data(category=1, grade=1),
        household_head=person,
        relation_to_head="spouse",
    )
    assert spouse.household_id == person.household_id
    assert spouse.relation_to_head == "spouse"
    assert Household.objects.count() == 1


def test_a_multiple_disability_lists_the_kinds_it_combines(village):
    person = factories.make_person(
        village, certificate={"category": 7, "grade": 1, "multiple_detail": "4,1"}
    )
    assert person.certificate.multiple_detail == "1,4"
    assert person.certificate.multiple_kinds == [1, 4]


@pytest.mark.parametrize(
    ("person_overrides", "certificate_overrides", "field"),
    [
        ({"id_number": "110105194912310021"}, {}, "id_number"),
        ({"id_number": "110105194902300028"}, {}, "id_number"),
        ({"id_number": "1101051949123100"}, {}, "id_number"),
        ({"name": "  "}, {}, "name"),
        ({"guardian_id_number": "110105194912310021"}, {}, "guardian_id_number"),
        (
            {"id_number": "11010519491231002X"},
            {"number": "11010519491231002X44"},
            "certificate_number",
        ),
        (
            {"id_number": "11010519491231002X"},
            {"number": "36042619910101007142"},
            "certificate_number",
        ),
        ({}, {"issue_date": dt.date(1900, 1, 1)}, "issue_date"),
        ({}, {"category": 4, "multiple_detail": "1,2"}, "multiple_detail"),
        ({}, {"category": 7, "multiple_detail": "1"}, "multiple_detail"),
        ({}, {"valid_until": dt.date(2019, 1, 1)}, "valid_until"),
    ],
)
def test_registering_with_bad_input_names_the_field_and_saves_nothing(
    village, person_overrides, certificate_overrides, field
):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        actions.register_person(
            village,
            factories.person_data(**person_overrides),
            factories.certificate_data(**certificate_overrides),
        )
    assert field in caught.value.message_dict
    assert counts() == before


def test_a_person_must_live_in_a_village_or_township_not_a_county(county):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        actions.register_person(
            county, factories.person_data(area_code="511902"), factories.certificate_data()
        )
    assert caught.value.message_dict["area"] == [
        "Choose the village or community where the person's hukou is."
    ]
    assert counts() == before


def test_registering_the_same_id_number_twice_is_refused(village, person):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        factories.make_person(village, id_number=person.id_number)
    assert caught.value.message_dict["id_number"] == [
        "A person with this ID number is already registered."
    ]
    assert counts() == before


def test_a_village_worker_cannot_register_a_person_in_the_next_village(village):
    before = counts()
    with pytest.raises(PermissionDenied):
        factories.make_person(village, area_code=factories.NEXT_VILLAGE)
    assert counts() == before


def test_updating_a_person_records_before_and_after(village, person):
    data = factories.person_data(id_number=person.id_number, name="张三丰", phone="13900001111")
    actions.update_person(village, person, data)
    person.refresh_from_db()
    assert person.name == "张三丰"
    assert person.name_initials == "zsf"
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).get()
    assert event.changes == {"name": ["张三", "张三丰"], "phone": ["138****5678", "139****1111"]}


def test_correcting_the_id_number_renumbers_the_certificate(village, person):
    corrected = factories.new_id_number(dt.date(1961, 1, 9))
    actions.update_person(village, person, factories.person_data(id_number=corrected))
    person.refresh_from_db()
    assert person.birth_date == dt.date(1961, 1, 9)
    assert person.certificate.number == corrected + "42"


def test_recording_a_death_cancels_the_certificate_and_writes_the_event(village, person):
    actions.record_death(village, person, dt.date(2024, 5, 6), note="病故")
    person.refresh_from_db()
    assert person.status == PersonStatus.DECEASED
    assert person.date_of_death == dt.date(2024, 5, 6)
    assert person.certificate.status == CertificateStatus.CANCELLED
    event = LifeEvent.objects.get(person=person)
    assert (event.kind, event.effective_date, event.note) == ("death", dt.date(2024, 5, 6), "病故")
    assert event.details["status"] == ["active", "deceased"]
    assert event.details["certificate.status"] == ["valid", "cancelled"]
    audit_row = AuditEvent.objects.get(action=AuditAction.LIFE_EVENT)
    assert audit_row.summary == "death 2024-05-06"


def test_a_death_before_birth_is_refused_and_nothing_changes(village, person):
    before, rows = snapshot(person), counts()
    with pytest.raises(ValidationError) as caught:
        actions.record_death(village, person, dt.date(1950, 1, 1))
    assert "effective_date" in caught.value.message_dict
    assert snapshot(person) == before
    assert counts() == rows


def test_an_event_in_the_future_is_refused(village, person):
    rows = counts()
    with pytest.raises(ValidationError):
        actions.record_death(village, person, dt.date(2999, 1, 1))
    assert counts() == rows


def test_nothing_can_be_recorded_after_death(village, county, person):
    actions.record_death(village, person, dt.date(2024, 5, 6))
    rows = counts()
    with pytest.raises(ValidationError):
        actions.record_move_out(village, person, dt.date(2024, 6, 1), destination="成都")
    with pytest.raises(ValidationError) as caught:
        actions.cancel_certificate(county, person, dt.date(2024, 6, 1), reason="核查")
    assert "effective_date" in caught.value.message_dict
    assert counts() == rows


def test_a_move_within_the_region_changes_the_area(village, person):
    to_area = Area.objects.get(code="511921001001")
    actions.record_move(village, person, dt.date(2024, 1, 2), to_area, address="壁州街道5号")
    person.refresh_from_db()
    assert person.area_id == "511921001001"
    assert person.address == "壁州街道5号"
    assert LifeEvent.objects.get(person=person).details["area_id"] == [
        factories.VILLAGE,
        "511921001001",
    ]


def test_after_a_move_the_old_village_worker_no_longer_reaches_the_person(village, person):
    actions.record_move(village, person, dt.date(2024, 1, 2), Area.objects.get(code="511921001001"))
    with pytest.raises(PermissionDenied):
        actions.record_death(village, person, dt.date(2024, 3, 1))


def test_a_move_out_of_the_region_marks_the_person_moved_out(village, person):
    actions.record_move_out(village, person, dt.date(2024, 1, 2), destination="重庆市渝北区")
    person.refresh_from_db()
    assert person.status == PersonStatus.MOVED_OUT
    assert LifeEvent.objects.get(person=person).note == "重庆市渝北区"


def test_reassessment_issues_a_new_number_and_a_new_ten_year_term(county, person):
    actions.record_reassessment(county, person, dt.date(2024, 7, 1), category=4, grade=1)
    person.refresh_from_db()
    certificate = person.certificate
    assert certificate.number == person.id_number + "41"
    assert (certificate.issue_date, certificate.valid_until) == (
        dt.date(2024, 7, 1),
        dt.date(2034, 7, 1),
    )
    assert LifeEvent.objects.get(person=person).details["certificate.grade"] == [2, 1]


def test_reassessment_to_the_same_category_and_grade_is_refused(county, person):
    before = snapshot(person)
    with pytest.raises(ValidationError):
        actions.record_reassessment(county, person, dt.date(2024, 7, 1), category=4, grade=2)
    assert snapshot(person) == before


def test_renewal_keeps_the_number_and_starts_a_new_term(county, person):
    number = person.certificate.number
    actions.renew_certificate(county, person, dt.date(2025, 2, 28))
    person.refresh_from_db()
    assert person.certificate.number == number
    assert person.certificate.valid_until == dt.date(2035, 2, 28)


def test_reissues_append_b1_then_b2(county, person):
    actions.reissue_certificate(county, person, dt.date(2024, 1, 5))
    actions.reissue_certificate(county, person, dt.date(2024, 9, 5))
    person.refresh_from_db()
    assert person.certificate.number == person.id_number + "42B2"
    assert person.certificate.reissue_count == 2


def test_freeze_unfreeze_and_cancel_follow_the_certificate_lifecycle(county, person):
    actions.freeze_certificate(county, person, dt.date(2024, 1, 5), reason="迁出满6个月未迁移")
    person.refresh_from_db()
    assert person.certificate.status == CertificateStatus.FROZEN
    with pytest.raises(ValidationError):
        actions.freeze_certificate(county, person, dt.date(2024, 1, 6), reason="again")
    actions.unfreeze_certificate(county, person, dt.date(2024, 2, 5), reason="已迁回")
    actions.cancel_certificate(county, person, dt.date(2024, 3, 5), reason="不再符合标准")
    person.refresh_from_db()
    assert person.certificate.status == CertificateStatus.CANCELLED
    assert list(LifeEvent.objects.filter(person=person).values_list("kind", flat=True)) == [
        "cancel",
        "unfreeze",
        "freeze",
    ]


def test_a_status_change_without_a_reason_is_refused(county, person):
    rows = counts()
    with pytest.raises(ValidationError) as caught:
        actions.freeze_certificate(county, person, dt.date(2024, 1, 5), reason=" ")
    assert "note" in caught.value.message_dict
    assert counts() == rows


def test_a_village_worker_cannot_change_a_certificate(village, person):
    before, rows = snapshot(person), counts()
    with pytest.raises(PermissionDenied):
        actions.record_reassessment(village, person, dt.date(2024, 7, 1), category=4, grade=1)
    with pytest.raises(PermissionDenied):
        actions.cancel_certificate(village, person, dt.date(2024, 7, 1), reason="x")
    assert snapshot(person) == before
    assert counts() == rows


def test_a_county_officer_of_another_county_cannot_record_a_death(other_county, person):
    before, rows = snapshot(person), counts()
    with pytest.raises(PermissionDenied):
        actions.record_death(other_county, person, dt.date(2024, 5, 6))
    assert snapshot(person) == before
    assert counts() == rows


def test_household_status_periods_may_not_overlap(village, person):
    household = person.household
    actions.set_household_status(
        village, household, "dibao", dt.date(2020, 1, 1), dt.date(2022, 12, 31)
    )
    with pytest.raises(ValidationError):
        actions.set_household_status(village, household, "dibao", dt.date(2022, 6, 1))
    actions.set_household_status(village, household, "dibao", dt.date(2023, 1, 1))
    assert [s.in_force_on(dt.date(2024, 1, 1)) for s in household.statuses.all()] == [True, False]
