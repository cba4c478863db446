"""The two service types end to end through the application engine: the step handlers
record each step's device or rehabilitation data inside the engine's transition, and a
refusal in a handler refuses the step with nothing changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.provision.conftest import child
from tests.services.conftest import document
from tongxing.benefits.parameters import load_parameters
from tongxing.devices.models import CaseStatus, DeviceCase, Handover
from tongxing.rehab import actions as rehab
from tongxing.rehab.models import CaseStatus as RehabStatus
from tongxing.rehab.models import Placement, RehabCase
from tongxing.services import actions
from tongxing.services.calendar import load_holidays
from tongxing.services.definitions import load_services
from tongxing.services.models import ApplicationEvent, ApplicationStatus

REGION = "sichuan-bazhong"
DAY = dt.date(2025, 11, 3)  # a Monday

pytestmark = pytest.mark.usefixtures("documents_dir", "engine")


@pytest.fixture
def engine(db, catalogue):
    load_parameters(REGION)
    load_holidays(REGION)
    load_services(REGION)


def apply_for(village, person, item="wheelchair_manual"):
    card = document(village, person)
    return actions.submit_application(
        village,
        person,
        "assistive_device",
        {"item": item, "need": "行走困难"},
        {"id_card": card},
        day=DAY,
    )


def carry_to_handover(village, county, provider, centre, person, price="1280.50", day=DAY):
    app = apply_for(village, person)
    actions.complete_step(village, app, "review", {"opinion": "属实"}, day=day)
    actions.complete_step(
        county,
        app,
        "assessment",
        {"notes": "双下肢无力，需轮椅", "remote_guidance": True},
        facility=centre,
        day=day,
    )
    actions.approve_application(county, app, "decision", day=day)
    actions.complete_step(
        provider, app, "fitting", {"fitted_item": "wheelchair_manual", "price": price}, day=day
    )
    return app


def test_a_wheelchair_application_is_carried_to_handover_with_the_subsidy_settled(
    village, county, provider, centre, wheelchair_user
):
    app = carry_to_handover(village, county, provider, centre, wheelchair_user)
    case = DeviceCase.objects.get(application=app)
    assert (case.status, case.centre, case.remote_guidance) == (CaseStatus.FITTED, centre, True)
    actions.complete_step(provider, app, "handover", {}, day=DAY)
    app.refresh_from_db()
    handover = Handover.objects.get(case=case)
    assert (handover.subsidy, handover.person_pays, app.amount) == (
        Decimal("800.00"),
        Decimal("480.50"),
        Decimal("800.00"),
    )
    assert app.step_data["handover"]["subsidy"] == "800.00"
    assert app.step_data["handover"]["cap_verified"] is False
    actions.complete_step(provider, app, "follow_up", {"follow_up_notes": "使用良好"}, day=DAY)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.COMPLETED
    assert DeviceCase.objects.get(pk=case.pk).status == CaseStatus.FOLLOWED_UP


def test_a_second_wheelchair_within_the_period_is_refused_at_submission(
    village, county, provider, centre, wheelchair_user
):
    app = carry_to_handover(village, county, provider, centre, wheelchair_user)
    actions.complete_step(provider, app, "handover", {}, day=DAY)
    actions.complete_step(provider, app, "follow_up", {"follow_up_notes": "好"}, day=DAY)
    with pytest.raises(ValidationError, match="due for replacement only after 5 years"):
        apply_for(village, wheelchair_user, item="wheelchair_electric")
    assert DeviceCase.objects.count() == 1


def test_a_refused_handover_leaves_the_application_at_handover(
    village, county, provider, centre, wheelchair_user
):
    """A wheelchair handed over outside the engine (an earlier programme) within the
    period: the handover step is refused by its handler and nothing moves."""
    earlier = carry_to_handover(village, county, provider, centre, wheelchair_user)
    actions.complete_step(provider, earlier, "handover", {}, day=DAY)
    actions.complete_step(provider, earlier, "follow_up", {"follow_up_notes": "好"}, day=DAY)
    Handover.objects.filter(case__application=earlier).update(
        handed_over_on=DAY - dt.timedelta(days=5 * 365 + 10)
    )
    second = carry_to_handover(village, county, provider, centre, wheelchair_user)
    Handover.objects.filter(case__application=earlier).update(handed_over_on=DAY)
    events = ApplicationEvent.objects.filter(application=second).count()
    with pytest.raises(ValidationError, match="replacement is due only after 5 years"):
        actions.complete_step(provider, second, "handover", {}, day=DAY)
    second.refresh_from_db()
    assert (second.current_step, second.amount) == ("handover", None)
    assert ApplicationEvent.objects.filter(application=second).count() == events
    assert Handover.objects.count() == 1


def test_a_hearing_aid_for_a_person_with_a_physical_disability_is_refused_at_submission(
    village, wheelchair_user
):
    with pytest.raises(ValidationError, match="not in the catalogue for this disability"):
        apply_for(village, wheelchair_user, item="hearing_aid_bte")


def test_a_child_is_screened_diagnosed_accepted_and_placed_in_chengdu_through_the_engine(
    village, county, city, provider, chengdu
):
    kid = child(village, born=dt.date(2021, 3, 15))
    card = document(village, kid)
    app = actions.submit_application(
        village, kid, "child_rehabilitation", {"concern": "不会说话"}, {"id_card": card}, day=DAY
    )
    actions.complete_step(
        county,
        app,
        "screening",
        {"screened_on": "2025-10-20", "screening_result": "语言发育迟缓"},
        day=DAY,
    )
    actions.complete_step(
        county,
        app,
        "diagnosis",
        {"diagnosed_on": "2025-10-28", "diagnosis": "智力障碍", "diagnosed_by": "巴中市中心医院"},
        day=DAY,
    )
    actions.approve_application(county, app, "decision", day=DAY)
    actions.complete_step(county, app, "placement", facility=chengdu, day=DAY)
    case = RehabCase.objects.get(application=app)
    placement = Placement.objects.get(case=case)
    assert (case.status, placement.institution, placement.start) == (
        RehabStatus.PLACED,
        chengdu,
        DAY,
    )
    actions.complete_step(provider, app, "admission", {"start_date": "2025-11-03"}, day=DAY)
    rehab.record_service(
        provider, placement, month=dt.date(2025, 11, 1), sessions=12, amount=Decimal("1500.00")
    )
    settlement = rehab.settle_month(city, chengdu, dt.date(2025, 11, 1))
    assert (settlement.claimed, settlement.payable) == (Decimal("1500.00"), Decimal("1500.00"))


def test_a_child_over_the_age_range_cannot_apply(village):
    kid = child(village, name="大宝", born=dt.date(2017, 1, 1))
    card = document(village, kid)
    with pytest.raises(ValidationError):
        actions.submit_application(
            village, kid, "child_rehabilitation", {"concern": "x"}, {"id_card": card}, day=DAY
        )
    assert not RehabCase.objects.exists()


def test_the_centre_sees_the_fitting_step_on_the_engines_application_page(
    client, village, county, provider, other_provider, centre, wheelchair_user
):
    app = apply_for(village, wheelchair_user)
    actions.complete_step(village, app, "review", {"opinion": "属实"}, day=DAY)
    actions.complete_step(
        county,
        app,
        "assessment",
        {"notes": "需要", "remote_guidance": False},
        facility=centre,
        day=DAY,
    )
    actions.approve_application(county, app, "decision", day=DAY)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(provider)
    page = client.get(reverse("services:application", args=[app.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "辅具服务中心适配" in html and 'name="step-f_price"' in html
    client.force_login(other_provider)
    assert client.get(reverse("services:application", args=[app.pk])).status_code == 404
