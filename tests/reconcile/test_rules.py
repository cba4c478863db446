"""Each reconciliation rule on crafted persons, lists and payroll, with the exact findings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests import factories
from tests.reconcile.helpers import ON, findings, paid, upload
from tongxing.benefits.models import BatchStatus, BenefitClaim, ClaimStatus
from tongxing.core.models import AuditEvent
from tongxing.reconcile import actions
from tongxing.reconcile.models import Finding, Rule
from tongxing.registry import actions as registry_actions

DEATHS = ["身份证号", "姓名", "死亡日期"]
ASSISTANCE = ["身份证号", "姓名", "救助类别"]
ENROLMENT = ["身份证号", "姓名"]
OPEN = "open"


def living_subsidy(person) -> None:
    BenefitClaim.objects.create(
        person=person,
        benefit="living_subsidy",
        applied_on=dt.date(2024, 1, 10),
        status=ClaimStatus.APPROVED,
        decided_at=dt.datetime(2024, 1, 20, tzinfo=dt.UTC),
    )


def test_a_death_on_a_list_before_paid_months_is_money_to_recover(village, county):
    still_paid = factories.make_person(village, name="甲")
    only_alive = factories.make_person(village, name="乙")
    recorded = factories.make_person(village, name="丙")
    paid_unlocked = factories.make_person(village, name="丁")
    factories.make_person(village, name="戊")  # not on the list
    paid(still_paid, dt.date(2025, 3, 1), "100.00")  # the month of death is due
    paid(still_paid, dt.date(2025, 4, 1), "100.00")
    paid(still_paid, dt.date(2025, 5, 1), "120.50")
    registry_actions.record_death(village, recorded, dt.date(2025, 3, 20))
    paid(recorded, dt.date(2025, 3, 1), "100.00")
    paid(paid_unlocked, dt.date(2025, 6, 1), "100.00", status=BatchStatus.PREPARED)
    deaths = upload(
        county,
        "civil_deaths",
        DEATHS,
        [
            [p.id_number, p.name, "2025-03-20"]
            for p in (still_paid, only_alive, recorded, paid_unlocked)
        ],
    )

    counts = actions.run_reconciliation(county, ON)

    assert findings() == {
        (Rule.DECEASED_PAID, "甲", deaths.pk, Decimal("220.50"), OPEN),
        (Rule.DECEASED_ALIVE, "乙", deaths.pk, None, OPEN),
        (Rule.DECEASED_ALIVE, "丁", deaths.pk, None, OPEN),
    }
    assert Finding.objects.get(person=still_paid).evidence == {
        "event_date": "2025-03-20",
        "months": 2,
        "first_month": "2025-04-01",
        "last_month": "2025-05-01",
    }
    assert counts[Rule.DECEASED_PAID] == 1 and counts[Rule.DECEASED_ALIVE] == 2


def test_the_earliest_death_date_of_two_lists_counts(village, county):
    person = factories.make_person(village, name="甲")
    paid(person, dt.date(2025, 5, 1), "100.00")
    upload(county, "civil_deaths", DEATHS, [[person.id_number, "甲", "2025-05-10"]])
    police = upload(county, "police_deaths", DEATHS, [[person.id_number, "甲", "2025-04-28"]])

    actions.run_reconciliation(county, ON)

    assert findings() == {(Rule.DECEASED_PAID, "甲", police.pk, Decimal("100.00"), OPEN)}


def test_assistance_on_the_list_and_in_the_registry_must_agree(village, county):
    only_listed = factories.make_person(village, name="甲")
    both = factories.make_person(village, name="乙")
    only_recorded = factories.make_person(village, name="丙")
    no_subsidy = factories.make_person(village, name="丁")
    for person in (both, no_subsidy):
        registry_actions.set_household_status(
            village, person.household, "dibao", dt.date(2024, 1, 1)
        )
    registry_actions.set_household_status(
        village, only_recorded.household, "tekun", dt.date(2024, 1, 1)
    )
    living_subsidy(only_listed)
    living_subsidy(both)
    assistance = upload(
        county,
        "assistance",
        ASSISTANCE,
        [
            [only_listed.id_number, "甲", "低保"],
            [both.id_number, "乙", "城乡低保"],
            [no_subsidy.id_number, "丁", "低保"],
        ],
    )

    actions.run_reconciliation(county, ON)

    assert findings() == {
        (Rule.ASSISTANCE_NOT_RECORDED, "甲", assistance.pk, None, OPEN),
        (Rule.ASSISTANCE_NOT_LISTED, "丙", assistance.pk, None, OPEN),
        (Rule.ASSISTANCE_NO_SUBSIDY, "丁", None, None, OPEN),
    }
    assert Finding.objects.get(rule=Rule.ASSISTANCE_NOT_LISTED).evidence == {"detail": "tekun"}


def test_a_disabled_member_of_a_dibao_household_without_the_subsidy_is_found_without_any_list(
    village, county
):
    member = factories.make_person(village, name="甲")
    ended = factories.make_person(village, name="乙")
    registry_actions.set_household_status(village, member.household, "dibao", dt.date(2024, 1, 1))
    registry_actions.set_household_status(village, ended.household, "dibao", dt.date(2024, 1, 1))
    BenefitClaim.objects.create(
        person=ended,
        benefit="living_subsidy",
        applied_on=dt.date(2024, 1, 10),
        status=ClaimStatus.ENDED,
        ended_on=dt.date(2025, 2, 28),
    )
    former = factories.make_person(village, name="丙")
    registry_actions.set_household_status(
        village, former.household, "dibao", dt.date(2023, 1, 1), dt.date(2024, 12, 31)
    )

    actions.run_reconciliation(county, ON)

    assert findings() == {
        (Rule.ASSISTANCE_NO_SUBSIDY, "甲", None, None, OPEN),
        (Rule.ASSISTANCE_NO_SUBSIDY, "乙", None, None, OPEN),
    }


def test_severely_disabled_persons_of_working_age_missing_from_the_pension_list(
    village, neighbour, county
):
    missing = factories.make_person(
        village,
        name="甲",
        id_number=factories.new_id_number(dt.date(1985, 1, 1)),
        certificate={"grade": 1},
    )
    enrolled = factories.make_person(
        village, name="乙", id_number=factories.new_id_number(dt.date(1985, 1, 1))
    )
    factories.make_person(  # 60 on the day: drawing the pension, not enrolling
        village,
        name="丙",
        id_number=factories.new_id_number(dt.date(1965, 6, 15)),
        certificate={"grade": 1},
    )
    factories.make_person(  # grade 3 is not severe
        village,
        name="丁",
        id_number=factories.new_id_number(dt.date(1985, 1, 1)),
        certificate={"grade": 3},
    )
    sixteen = factories.make_person(
        neighbour,
        name="戊",
        area_code=factories.NEXT_VILLAGE,
        id_number=factories.new_id_number(dt.date(2009, 6, 15)),
    )
    pension = upload(county, "pension_enrolment", ENROLMENT, [[enrolled.id_number, "乙"]])

    actions.run_reconciliation(county, ON)

    assert findings() == {
        (Rule.SEVERE_NO_PENSION, missing.name, pension.pk, None, OPEN),
        (Rule.SEVERE_NO_PENSION, sixteen.name, pension.pk, None, OPEN),
    }


def test_a_list_speaks_only_for_the_area_it_was_uploaded_for(village, county, other_county):
    factories.make_person(
        village, name="甲", id_number=factories.new_id_number(dt.date(1985, 1, 1))
    )
    upload(other_county, "pension_enrolment", ENROLMENT, [[factories.new_id_number(), "乙"]])

    actions.run_reconciliation(county, ON)

    assert findings() == set()


def test_school_age_disabled_children_missing_from_the_enrolment_list(village, county):
    missing = factories.make_person(
        village,
        name="甲",
        id_number=factories.new_id_number(dt.date(2015, 1, 1)),
        certificate={"grade": 3},
    )
    enrolled = factories.make_person(
        village,
        name="乙",
        id_number=factories.new_id_number(dt.date(2013, 1, 1)),
        certificate={"grade": 4},
    )
    factories.make_person(  # 16 on the day
        village,
        name="丙",
        id_number=factories.new_id_number(dt.date(2009, 6, 15)),
        certificate={"grade": 3},
    )
    factories.make_person(  # 5 on the day
        village,
        name="丁",
        id_number=factories.new_id_number(dt.date(2019, 6, 16)),
        certificate={"grade": 3},
    )
    school = upload(county, "school_enrolment", ENROLMENT, [[enrolled.id_number, "乙"]])

    actions.run_reconciliation(county, ON)

    assert findings() == {(Rule.CHILD_NOT_ENROLLED, missing.name, school.pk, None, OPEN)}


def test_a_second_run_adds_no_duplicate_of_an_open_finding(village, county):
    person = factories.make_person(village, name="甲")
    upload(county, "civil_deaths", DEATHS, [[person.id_number, "甲", "2025-03-20"]])
    actions.run_reconciliation(county, ON)
    audit_rows = AuditEvent.objects.count()

    counts = actions.run_reconciliation(county, ON)

    assert Finding.objects.count() == 1
    assert sum(counts.values()) == 0
    assert AuditEvent.objects.count() == audit_rows + 1
