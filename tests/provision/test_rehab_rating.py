"""A child rehabilitation application is rated (好差评) once the service was delivered: a
month recorded by the institution, or the placement ended. Admission alone is not enough."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import cast_member
from tests.provision.conftest import child
from tests.provision.test_workflows import DAY, engine  # noqa: F401 - the fixture
from tests.services.conftest import document
from tongxing.accounts.roles import Role
from tongxing.portal import actions as portal
from tongxing.portal.models import ActingAs, ServiceRating
from tongxing.rehab import actions as rehab
from tongxing.rehab.models import CaseStatus, Placement, RehabCase
from tongxing.services import actions
from tongxing.services.models import ApplicationStatus

pytestmark = pytest.mark.usefixtures("documents_dir", "engine")


def admitted(village, county, provider, institution, kid):
    app = actions.submit_application(
        village,
        kid,
        "child_rehabilitation",
        {"concern": "不会说话"},
        {"id_card": document(village, kid)},
        day=DAY,
    )
    actions.complete_step(
        county, app, "screening", {"screened_on": "2025-10-20", "screening_result": "迟缓"}, day=DAY
    )
    actions.complete_step(
        county,
        app,
        "diagnosis",
        {"diagnosed_on": "2025-10-28", "diagnosis": "智力障碍", "diagnosed_by": "医院"},
        day=DAY,
    )
    actions.approve_application(county, app, "decision", day=DAY)
    actions.complete_step(county, app, "placement", facility=institution, day=DAY)
    actions.complete_step(provider, app, "admission", {"start_date": DAY.isoformat()}, day=DAY)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.COMPLETED
    return app


@pytest.fixture
def kid_and_guardian(village):
    kid = child(village, born=dt.date(2021, 3, 15))
    guardian = cast_member("guardian", Role.CITIZEN, None)
    portal.link_citizen(
        village, guardian, kid, ActingAs.PARENT_OF_CHILD, relation="母亲", phone="13900000022"
    )
    return kid, guardian


def test_an_admitted_child_without_a_recorded_month_cannot_be_rated_yet(
    village, county, provider, chengdu, kid_and_guardian
):
    kid, guardian = kid_and_guardian
    app = admitted(village, county, provider, chengdu, kid)
    with pytest.raises(ValidationError, match="at least one month of services"):
        portal.rate_service(guardian, app.pk, 5)
    assert not ServiceRating.objects.exists()


def test_once_a_month_is_recorded_the_guardian_rates_the_placement(
    village, county, provider, chengdu, kid_and_guardian
):
    kid, guardian = kid_and_guardian
    app = admitted(village, county, provider, chengdu, kid)
    placement = Placement.objects.get(case__application=app)
    rehab.record_service(
        provider, placement, month=dt.date(2025, 11, 1), sessions=4, amount=Decimal("600.00")
    )
    rating = portal.rate_service(guardian, app.pk, 4)
    assert (rating.stars, rating.facility_id) == (4, chengdu.pk)


def test_a_placement_ended_by_a_move_can_be_rated_without_a_recorded_month(
    village, county, provider, chengdu, local_institution, kid_and_guardian
):
    kid, guardian = kid_and_guardian
    app = admitted(village, county, provider, chengdu, kid)
    later = rehab.record_screening(county, kid, on=dt.date(2025, 12, 1), result="复查")
    rehab.record_diagnosis(county, later, on=dt.date(2025, 12, 1), diagnosis="x", diagnosed_by="y")
    rehab.record_application(county, later, on=dt.date(2025, 12, 1))
    rehab.place_child(county, later, local_institution, start=dt.date(2025, 12, 2))
    assert RehabCase.objects.get(application=app).status == CaseStatus.CLOSED
    assert portal.rate_service(guardian, app.pk, 3).stars == 3
