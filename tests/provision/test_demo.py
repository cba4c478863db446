"""The provision demo reaches the issue's "Done when" state and runs once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tongxing.accounts.demo import ensure_demo_accounts
from tongxing.devices.demo import KEY_DONE, KEY_WAITING, generate_provision_demo
from tongxing.devices.models import Handover, LoanItem, LoanState
from tongxing.rehab.models import ServiceRecord, Settlement
from tongxing.services.models import Application, Facility, FacilityKind

pytestmark = pytest.mark.usefixtures("documents_dir")


@pytest.fixture
def loaded(db, parameters):
    from tongxing.services.calendar import load_holidays
    from tongxing.services.definitions import load_services

    load_holidays("sichuan-bazhong")
    load_services("sichuan-bazhong")
    ensure_demo_accounts()


def test_the_demo_leaves_a_wheelchair_at_review_one_handed_over_and_a_child_settled_in_chengdu(
    loaded,
):
    report = generate_provision_demo()
    counties = Facility.objects.filter(kind=FacilityKind.DEVICE_CENTRE).count()
    assert report.created and counties == report.centres >= 3
    assert LoanItem.objects.count() == 12 * counties
    assert LoanItem.objects.filter(state=LoanState.LENT).count() == 1
    assert LoanItem.objects.filter(state=LoanState.IN_REPAIR).count() == counties
    waiting = Application.objects.get(idempotency_key=KEY_WAITING)
    assert (waiting.current_step, waiting.step_role) == ("review", "village_worker")
    done = Handover.objects.get(case__application__idempotency_key=KEY_DONE)
    assert (done.subsidy, done.person_pays) == (Decimal("800.00"), Decimal("380.00"))
    chengdu = Facility.objects.get(name="成都市儿童康复中心（演示）")
    assert ServiceRecord.objects.filter(institution=chengdu).count() == 3
    settled = Settlement.objects.filter(institution=chengdu).order_by("month")
    assert [(s.month.month, s.payable, s.cap_missing) for s in settled] == [
        (9, Decimal("2400.00"), True),
        (10, Decimal("2100.00"), True),
    ]
    again = generate_provision_demo()
    assert again.created is False
    assert Settlement.objects.count() == 2 and Handover.objects.count() == 1
