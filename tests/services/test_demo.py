"""The services demo: facilities in every county, applications in several states, the
provider linked to a facility, deterministic, and a second run does nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.services.conftest import applicant
from tongxing.accounts.demo import ensure_demo_accounts
from tongxing.services.demo import generate_services_demo
from tongxing.services.models import Application, Facility, FacilityKind, FacilityMember


@pytest.mark.usefixtures("documents_dir")
def test_the_demo_makes_facilities_and_applications_once(services):
    users = {u.username: u for u in ensure_demo_accounts()}
    for n in range(12):
        applicant(users["village"], born=dt.date(1980 + n, 3, 1), category=5, grade=2)
    report = generate_services_demo(seed=7)
    assert report.created is True
    assert Facility.objects.filter(kind=FacilityKind.CARE_INSTITUTION).count() == 5
    assert Facility.objects.filter(kind=FacilityKind.LEGAL_AID_STATION).count() == 5
    assert FacilityMember.objects.filter(user=users["provider"]).count() == 1
    assert Application.objects.count() == report.applications > 0
    states = set(Application.objects.values_list("status", flat=True))
    assert len(states) >= 2
    again = generate_services_demo(seed=7)
    assert again.created is False
    assert Application.objects.count() == report.applications
