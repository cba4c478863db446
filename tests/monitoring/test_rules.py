"""Each risk rule on crafted cases at its boundary, for the screening of December 2025
(look-back window 2025-01-01 – 2025-12-31 with the pack's 12 months)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories
from tests.monitoring.conftest import MONTH, approve, fill_survey, risks, rows
from tongxing.benefits.inputs import Scope
from tongxing.benefits.parameters import ParameterSet
from tongxing.employment.actions import record_employment_status
from tongxing.monitoring import actions, engine
from tongxing.monitoring.inputs import read_inputs
from tongxing.monitoring.models import CircumstanceKind
from tongxing.monitoring.ruleset import ruleset_on
from tongxing.registry import actions as registry
from tongxing.registry.models import HouseholdStatusKind, Relation

TODAY = dt.date(2026, 1, 15)
YOUNG = dt.date(1990, 4, 1)


def young_person(actor, **certificate):
    return factories.make_person(
        actor, id_number=factories.new_id_number(YOUNG), certificate=certificate or None
    )


def member_of(actor, head, name, relation):
    return registry.register_person(
        actor,
        factories.person_data(name=name),
        factories.certificate_data(),
        household_head=head,
        relation_to_head=relation,
    )


def hardship(actor, person, kind, day, amount=None):
    return actions.report_circumstance(actor, person, kind, day, amount, "", TODAY)


def test_the_window_counts_the_screened_month_and_the_months_before_it():
    assert engine.window_start(dt.date(2025, 12, 1), 12) == dt.date(2025, 1, 1)
    assert engine.window_start(dt.date(2025, 3, 1), 3) == dt.date(2025, 1, 1)
    assert engine.window_start(dt.date(2025, 3, 1), 4) == dt.date(2024, 12, 1)
    assert engine.window_start(dt.date(2025, 3, 1), 1) == dt.date(2025, 3, 1)


def test_income_below_the_monitoring_range_is_a_risk_and_income_at_it_is_not(
    loaded, village, definition
):
    approve("monitoring.income_threshold", "6000.00")
    below = factories.make_person(village, name="低")
    at = factories.make_person(village, name="等")
    fill_survey(village, below, definition, household_income=5999)
    fill_survey(village, at, definition, household_income=6000)
    found = risks()
    assert found == {below.pk: ["low_income"]}


def test_without_an_income_threshold_the_income_rule_is_reported_not_configured(
    loaded, village, definition
):
    person = factories.make_person(village)
    fill_survey(village, person, definition, household_income=0)
    screened = engine.screen(
        read_inputs(Scope.area(factories.VILLAGE)), MONTH, ParameterSet.load(), ruleset_on(MONTH)
    )
    assert screened.results.num_rows == 0
    assert set(screened.not_configured) == {"low_income", "medical_expense"}
    assert (
        "monitoring.income_threshold has no approved value"
        in (screened.not_configured["low_income"])
    )


def test_medical_expenses_in_the_window_count_from_the_threshold(loaded, village):
    approve("monitoring.medical_expense_threshold", "10000.00")
    reached = factories.make_person(village, name="够")
    short = factories.make_person(village, name="差")
    hardship(
        village, reached, CircumstanceKind.MEDICAL_EXPENSE, dt.date(2025, 1, 1), Decimal("6000")
    )
    hardship(
        village, reached, CircumstanceKind.MEDICAL_EXPENSE, dt.date(2025, 12, 31), Decimal("4000")
    )
    hardship(
        village, short, CircumstanceKind.MEDICAL_EXPENSE, dt.date(2025, 6, 1), Decimal("9999.99")
    )
    # Before the window: not counted.
    hardship(
        village, short, CircumstanceKind.MEDICAL_EXPENSE, dt.date(2024, 12, 31), Decimal("5000")
    )
    assert risks() == {reached.pk: ["medical_expense"]}


def test_a_job_ended_in_the_window_is_a_risk_unless_working_again_at_the_months_end(
    loaded, village
):
    in_window = young_person(village)
    before_window = young_person(village)
    back_at_work = young_person(village)
    ended_on_last_day = young_person(village)
    for person, seeking_from in (
        (in_window, dt.date(2025, 1, 2)),  # employment ended 2025-01-01
        (before_window, dt.date(2025, 1, 1)),  # ended 2024-12-31
        (back_at_work, dt.date(2025, 5, 1)),
        (ended_on_last_day, dt.date(2026, 1, 1)),  # employed until 2025-12-31
    ):
        record_employment_status(
            village, person, status="employed", start_date=dt.date(2023, 1, 1), form="flexible"
        )
        record_employment_status(village, person, status="seeking", start_date=seeking_from)
    record_employment_status(
        village, back_at_work, status="employed", start_date=dt.date(2025, 12, 31), form="flexible"
    )
    assert risks() == {in_window.pk: ["job_loss"]}


def test_a_disaster_reported_in_the_window_is_a_risk(loaded, village):
    first_day = factories.make_person(village)
    too_early = factories.make_person(village)
    too_late = factories.make_person(village)
    hardship(village, first_day, CircumstanceKind.DISASTER, dt.date(2025, 1, 1))
    hardship(village, too_early, CircumstanceKind.DISASTER, dt.date(2024, 12, 31))
    hardship(village, too_late, CircumstanceKind.DISASTER, dt.date(2026, 1, 1))
    assert risks() == {first_day.pk: ["disaster"]}


def test_the_death_of_the_head_of_household_in_the_window_puts_the_members_at_risk(loaded, village):
    head = factories.make_person(village, name="户主")
    member = member_of(village, head, "成员", Relation.CHILD)
    other_head = factories.make_person(village, name="早户主")
    other_member = member_of(village, other_head, "早成员", Relation.SPOUSE)
    registry.record_death(village, head, dt.date(2025, 1, 1))
    registry.record_death(village, other_head, dt.date(2024, 12, 31))
    found = risks()
    assert found == {member.pk: ["breadwinner"]}
    assert other_member.pk not in found


def test_the_breadwinners_serious_illness_in_the_window_is_a_risk(loaded, village):
    person = factories.make_person(village)
    hardship(village, person, CircumstanceKind.BREADWINNER_ILLNESS, dt.date(2025, 12, 31))
    assert risks() == {person.pk: ["breadwinner"]}
    assert risks(dt.date(2025, 11, 1)) == {}


@pytest.mark.parametrize(
    ("grade", "caregiver", "at_risk"),
    [(1, False, True), (2, False, True), (3, False, False), (2, True, False)],
)
def test_severe_disability_without_a_caregiver_is_a_risk(
    loaded, village, definition, grade, caregiver, at_risk
):
    person = factories.make_person(village, certificate={"grade": grade})
    fill_survey(village, person, definition, has_caregiver=caregiver)
    assert risks() == ({person.pk: ["no_caregiver"]} if at_risk else {})


def test_the_end_of_dibao_in_the_window_is_a_risk_unless_granted_again(loaded, village):
    ended = factories.make_person(village, name="停")
    ended_early = factories.make_person(village, name="早停")
    granted_again = factories.make_person(village, name="续")
    ends_on_last_day = factories.make_person(village, name="末")
    for person, end in (
        (ended, dt.date(2025, 1, 1)),
        (ended_early, dt.date(2024, 12, 31)),
        (granted_again, dt.date(2025, 6, 30)),
        (ends_on_last_day, dt.date(2025, 12, 31)),
    ):
        registry.set_household_status(
            village, person.household, HouseholdStatusKind.DIBAO, dt.date(2020, 1, 1), end
        )
    registry.set_household_status(
        village, granted_again.household, HouseholdStatusKind.DIBAO, dt.date(2025, 7, 1)
    )
    assert risks() == {ended.pk: ["dibao_ended"]}


def test_the_level_follows_the_weights_of_the_rules_met(loaded, village, definition):
    approve("monitoring.income_threshold", "6000.00")
    high = factories.make_person(village, certificate={"grade": 1})
    fill_survey(village, high, definition, household_income=100, has_caregiver=False)
    medium = factories.make_person(village)
    fill_survey(village, medium, definition, household_income=100)
    low = factories.make_person(village)
    hardship(village, low, CircumstanceKind.DISASTER, dt.date(2025, 8, 1))
    found = rows()
    assert {pk: (r["score"], r["level"], r["rules"]) for pk, r in found.items()} == {
        high.pk: (5, "high", "low_income,no_caregiver"),
        medium.pk: (3, "medium", "low_income"),
        low.pk: (2, "low", "disaster"),
    }


def test_the_dead_and_those_moved_out_are_not_screened(loaded, village):
    dead = factories.make_person(village)
    hardship(village, dead, CircumstanceKind.DISASTER, dt.date(2025, 8, 1))
    registry.record_death(village, dead, dt.date(2025, 9, 1))
    assert risks() == {}
    assert dead.pk in risks(dt.date(2025, 8, 1))


def test_the_explanation_shows_each_rule_with_its_facts_and_thresholds(loaded, village, definition):
    approve("monitoring.income_threshold", "6000.00")
    person = factories.make_person(village, certificate={"grade": 2})
    fill_survey(village, person, definition, household_income=5000, has_caregiver=False)
    actions.refresh_survey_facts(factories.VILLAGE)
    explained = engine.explain(
        read_inputs(Scope.persons([person.pk])),
        person.pk,
        MONTH,
        ParameterSet.load(),
        ruleset_on(MONTH),
    )
    assert (explained.score, explained.level) == (5, "high")
    by_code = {o.rule.code: o for o in explained.outcomes}
    assert by_code["low_income"].met is True
    assert by_code["low_income"].facts == {
        "survey_year": 2025,
        "household_income": Decimal("5000.00"),
    }
    assert [(p.key, p.value, p.verified) for p in by_code["low_income"].parameters] == [
        ("monitoring.income_threshold", Decimal("6000.00"), False)
    ]
    assert by_code["no_caregiver"].met is True
    assert by_code["no_caregiver"].facts == {"grade": 2, "has_caregiver": False}
    assert by_code["no_caregiver"].parameters[0].value == (1, 2)
    assert by_code["disaster"].met is False
    assert by_code["medical_expense"].problem.startswith("monitoring.medical_expense_threshold")
    assert explained.since == dt.date(2025, 1, 1)
