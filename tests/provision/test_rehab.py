"""Child rehabilitation: a case from screening to placement, the age range, monthly
service records, and the settlement against each child's yearly cap across institutions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.provision.conftest import DAY, child, placed_child, set_value
from tongxing.core.models import AuditEvent
from tongxing.devices.access import settling_area_code
from tongxing.rehab import actions
from tongxing.rehab.actions import AGE_MAX
from tongxing.rehab.models import CaseStatus, ServiceRecord, Settlement, SettlementLine
from tongxing.rehab.settlement import CAP_FIRST_BAND, CAP_OLDER_BAND
from tongxing.services.actions import add_facility_member

JUNE, JULY = dt.date(2025, 6, 1), dt.date(2025, 7, 1)


def test_a_child_is_screened_diagnosed_accepted_and_placed_at_a_chengdu_institution(
    county, chengdu
):
    placement = placed_child(county, chengdu)
    assert placement.case.status == CaseStatus.PLACED
    assert placement.institution.area_id is None
    assert settling_area_code(placement.institution) == "5119"


def test_a_child_older_than_the_age_range_is_refused_and_the_case_stays_diagnosed(
    county, parameters
):
    kid = child(county, name="小刚", born=dt.date(2017, 1, 5))
    case = actions.record_screening(county, kid, on=dt.date(2025, 5, 1), result="肢体")
    actions.record_diagnosis(
        county, case, on=dt.date(2025, 5, 2), diagnosis="脑瘫", diagnosed_by="医院"
    )
    with pytest.raises(
        ValidationError, match="The child is 8: assistance covers children aged 0 to 6"
    ):
        actions.record_application(county, case, on=dt.date(2025, 5, 3))
    case.refresh_from_db()
    assert case.status == CaseStatus.DIAGNOSED


def test_an_institution_whose_designation_ended_cannot_take_a_placement(county, city, chengdu):
    kid = child(county)
    case = actions.record_screening(county, kid, on=dt.date(2026, 12, 1), result="x")
    actions.record_diagnosis(county, case, on=dt.date(2026, 12, 2), diagnosis="y", diagnosed_by="z")
    actions.record_application(county, case, on=dt.date(2026, 12, 3))
    with pytest.raises(ValidationError, match="not designated on 2027-01-04"):
        actions.place_child(county, case, chengdu, start=dt.date(2027, 1, 4))
    assert not case.placements.exists()


def _second_case(county, kid, on: dt.date):
    case = actions.record_screening(county, kid, on=on, result="复查")
    actions.record_diagnosis(county, case, on=on, diagnosis="智力障碍", diagnosed_by="医院")
    return actions.record_application(county, case, on=on)


def test_a_second_application_for_a_placed_child_cannot_place_them_there_again(county, chengdu):
    first = placed_child(county, chengdu)
    case = _second_case(county, first.child, dt.date(2025, 9, 1))
    with pytest.raises(ValidationError, match="The child is already placed there"):
        actions.place_child(county, case, chengdu, start=dt.date(2025, 9, 2))
    assert not case.placements.exists()
    first.refresh_from_db()
    assert first.end is None


def test_a_second_application_moves_a_placed_child_and_ends_the_earlier_placement(
    county, chengdu, local_institution
):
    first = placed_child(county, chengdu)
    case = _second_case(county, first.child, dt.date(2025, 9, 1))
    moved = actions.place_child(county, case, local_institution, start=dt.date(2025, 9, 2))
    first.refresh_from_db()
    assert (first.end, moved.start, moved.end) == (dt.date(2025, 9, 1), dt.date(2025, 9, 2), None)


def test_a_move_under_a_new_application_closes_the_earlier_case_and_says_so_in_the_audit_log(
    county, chengdu, local_institution
):
    first = placed_child(county, chengdu)
    case = _second_case(county, first.child, dt.date(2025, 9, 1))
    actions.place_child(county, case, local_institution, start=dt.date(2025, 9, 2))
    first.case.refresh_from_db()
    case.refresh_from_db()
    assert (first.case.status, case.status) == (CaseStatus.CLOSED, CaseStatus.PLACED)
    event = AuditEvent.objects.get(
        object_type="rehab.rehabcase",
        object_id=str(first.case.pk),
        summary__startswith="case closed",
    )
    assert (event.changes, event.person_id) == (
        {"status": ["placed", "closed"]},
        first.child_id,
    )


def test_a_refused_move_leaves_the_earlier_case_placed(county, chengdu):
    first = placed_child(county, chengdu)
    case = _second_case(county, first.child, dt.date(2025, 9, 1))
    with pytest.raises(ValidationError):
        actions.place_child(county, case, chengdu, start=dt.date(2025, 9, 2))
    first.case.refresh_from_db()
    assert first.case.status == CaseStatus.PLACED


def test_only_the_institutions_staff_record_its_services(county, provider, other_provider, chengdu):
    placement = placed_child(county, chengdu)
    with pytest.raises(PermissionDenied):
        actions.record_service(
            other_provider, placement, month=JUNE, sessions=8, amount=Decimal("1000.00")
        )
    with pytest.raises(PermissionDenied):
        actions.record_service(county, placement, month=JUNE, sessions=8, amount=Decimal("1000.00"))
    assert not ServiceRecord.objects.exists()


def test_a_month_is_recorded_once_and_not_before_the_placement(county, provider, chengdu):
    placement = placed_child(county, chengdu)
    actions.record_service(provider, placement, month=JUNE, sessions=8, amount=Decimal("1000.00"))
    with pytest.raises(ValidationError, match="already recorded"):
        actions.record_service(provider, placement, month=JUNE, sessions=9, amount=Decimal("1.00"))
    with pytest.raises(ValidationError, match="not placed here"):
        actions.record_service(
            provider, placement, month=dt.date(2025, 5, 1), sessions=1, amount=Decimal("1.00")
        )
    assert ServiceRecord.objects.count() == 1


def test_without_a_cap_in_force_the_claims_are_settled_as_claimed_and_the_settlement_says_so(
    county, city, provider, chengdu
):
    placement = placed_child(county, chengdu)
    second = placed_child(county, chengdu, name="小红", born=dt.date(2020, 8, 1))
    actions.record_service(provider, placement, month=JUNE, sessions=8, amount=Decimal("1200.50"))
    actions.record_service(provider, second, month=JUNE, sessions=4, amount=Decimal("600.25"))
    settlement = actions.settle_month(city, chengdu, JUNE)
    assert (settlement.claimed, settlement.payable, settlement.children) == (
        Decimal("1800.75"),
        Decimal("1800.75"),
        2,
    )
    assert settlement.cap_missing is True
    assert list(settlement.lines.values_list("cap", flat=True)) == [None, None]


def test_the_yearly_cap_applies_per_child_across_institutions(
    county, city, provider, chengdu, local_institution
):
    set_value(CAP_FIRST_BAND, "2000.00")
    set_value(CAP_OLDER_BAND, "500.00")
    set_value(AGE_MAX, 8, dt.date(2025, 1, 1))  # a province extending the range to 8
    from tests.conftest import cast_member
    from tongxing.accounts.roles import Role

    local_staff = cast_member("local_rehab", Role.PROVIDER, "511902")
    add_facility_member(county, local_institution, local_staff)
    at_home = placed_child(county, local_institution, start=dt.date(2025, 5, 2))
    actions.record_service(
        local_staff, at_home, month=dt.date(2025, 5, 1), sessions=10, amount=Decimal("1500.00")
    )
    may = actions.settle_month(county, local_institution, dt.date(2025, 5, 1))
    assert may.payable == Decimal("1500.00")
    # The child moves to Chengdu: 500.00 of the 2000.00 cap is left for the year.
    in_chengdu = actions.place_child(county, at_home.case, chengdu, start=DAY)
    actions.record_service(provider, in_chengdu, month=JUNE, sessions=8, amount=Decimal("800.40"))
    older = placed_child(county, chengdu, name="小强", born=dt.date(2018, 2, 1))  # 7 in June
    actions.record_service(provider, older, month=JUNE, sessions=3, amount=Decimal("300.33"))
    june = actions.settle_month(city, chengdu, JUNE)
    assert (june.claimed, june.payable, june.cap_missing) == (
        Decimal("1100.73"),
        Decimal("800.33"),
        False,
    )
    lines = {
        line.child_id: (line.claimed, line.paid_before, line.cap, line.payable)
        for line in SettlementLine.objects.filter(settlement=june)
    }
    assert lines == {
        at_home.child_id: (
            Decimal("800.40"),
            Decimal("1500.00"),
            Decimal("2000.00"),
            Decimal("500.00"),
        ),
        older.child_id: (Decimal("300.33"), Decimal("0.00"), Decimal("500.00"), Decimal("300.33")),
    }
    # July: the first child's cap is used up, the older child has 199.67 left.
    actions.record_service(provider, in_chengdu, month=JULY, sessions=8, amount=Decimal("800.00"))
    actions.record_service(provider, older, month=JULY, sessions=3, amount=Decimal("300.00"))
    july = actions.settle_month(city, chengdu, JULY)
    assert (july.claimed, july.payable) == (Decimal("1100.00"), Decimal("199.67"))


def test_a_month_is_settled_once_and_then_takes_no_more_records(county, city, provider, chengdu):
    placement = placed_child(county, chengdu)
    actions.record_service(provider, placement, month=JUNE, sessions=8, amount=Decimal("1000.00"))
    actions.settle_month(city, chengdu, JUNE)
    with pytest.raises(ValidationError, match="already settled"):
        actions.settle_month(city, chengdu, JUNE)
    other = placed_child(county, chengdu, name="小红")
    with pytest.raises(ValidationError, match="already settled"):
        actions.record_service(provider, other, month=JUNE, sessions=1, amount=Decimal("1.00"))
    assert Settlement.objects.count() == 1 and ServiceRecord.objects.count() == 1


def test_a_county_cannot_settle_an_institution_outside_bazhong(county, provider, chengdu):
    placement = placed_child(county, chengdu)
    actions.record_service(provider, placement, month=JUNE, sessions=8, amount=Decimal("1000.00"))
    with pytest.raises(PermissionDenied):
        actions.settle_month(county, chengdu, JUNE)
    assert not Settlement.objects.exists()


def test_a_month_without_records_is_not_settled(city, chengdu):
    with pytest.raises(ValidationError, match="no service records"):
        actions.settle_month(city, chengdu, JUNE)
    assert not Settlement.objects.exists()
