"""Entitlement and payroll pages: who may open what, and what the pages show and do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests import factories
from tongxing.accounts.roles import Role
from tongxing.benefits import actions
from tongxing.benefits.models import BatchStatus, BenefitClaim, ClaimStatus, PayrollBatch
from tongxing.core.jobs import run_queued_jobs
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.registry import actions as registry_actions

OCTOBER = dt.date(2026, 10, 1)


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read the English text
    return client


@pytest.fixture
def parameters(db):
    call_command("load_parameters", "sichuan-bazhong", verbosity=0)


@pytest.fixture
def recipient(village, parameters):
    person = factories.make_person(village, name="李四", certificate={"grade": 1})
    registry_actions.set_household_status(village, person.household, "dibao", dt.date(2024, 1, 1))
    BenefitClaim.objects.create(
        person=person,
        benefit="nursing_subsidy",
        applied_on=dt.date(2025, 1, 1),
        status=ClaimStatus.APPROVED,
    )
    return person


@pytest.fixture
def batch(county, recipient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = actions.start_preparation(county, county.area, OCTOBER)
    run_queued_jobs()
    batch.refresh_from_db()
    return batch


ENTITLEMENT_ACCESS = [
    ("village", 200),
    ("neighbour", 404),
    ("township", 200),
    ("county", 200),
    ("other_county", 404),
    ("city", 200),
    ("department", 403),
    ("auditor", 403),
    ("citizen", 403),
]


@pytest.mark.parametrize(("role", "status"), ENTITLEMENT_ACCESS)
def test_the_entitlement_page_opens_only_within_the_users_area(
    client, request, recipient, role, status
):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("benefits:entitlements", args=[recipient.pk]))
    assert response.status_code == status


def test_an_anonymous_visitor_is_sent_to_sign_in(client, recipient):
    response = client.get(reverse("benefits:entitlements", args=[recipient.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_entitlement_page_explains_each_condition_and_is_logged(client, village, recipient):
    client.force_login(village)
    response = client.get(
        reverse("benefits:entitlements", args=[recipient.pk]), {"month": "2026-10"}
    )
    page = response.content.decode()
    assert "Paid: 110.00 yuan" in page
    assert "a grade that the nursing subsidy covers" in page
    assert "Entitled to 100.00 yuan, but not paid" in page  # living subsidy: no application
    assert AuditEvent.objects.filter(
        actor=village,
        action=AuditAction.VIEW,
        person_id=recipient.pk,
        summary="entitlements 2026-10",
    ).exists()


def test_a_what_if_shows_the_difference_a_changed_grade_makes(client, village, recipient):
    client.force_login(village)
    response = client.get(
        reverse("benefits:entitlements", args=[recipient.pk]),
        {"month": "2026-10", "what_if": "1", "grade": "2"},
    )
    rows = response.context["compared"]
    nursing = next(row for row in rows if row[0].benefit.code == "nursing_subsidy")
    assert (nursing[0].amount, nursing[1].amount, nursing[2]) == (
        pytest.approx(110),
        pytest.approx(80),
        pytest.approx(-30),
    )
    assert BenefitClaim.objects.count() == 1  # nothing saved


def test_a_village_worker_records_an_application_and_a_county_officer_decides_it(
    client, village, county, recipient
):
    client.force_login(village)
    response = client.post(
        reverse("benefits:claim_new", args=[recipient.pk]),
        {"benefit": "living_subsidy", "applied_on": "2026-10-12"},
    )
    assert response.status_code == 302
    claim = BenefitClaim.objects.get(benefit="living_subsidy")
    assert claim.status == ClaimStatus.PENDING

    assert client.get(reverse("benefits:claim_decide", args=[claim.pk])).status_code == 403
    client.force_login(county)
    response = client.post(
        reverse("benefits:claim_decide", args=[claim.pk]), {"decision": "refuse"}
    )
    assert response.status_code == 200
    assert "Say why the claim is refused." in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    client.post(reverse("benefits:claim_decide", args=[claim.pk]), {"decision": "approve"})
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by) == (ClaimStatus.APPROVED, county)


PAYROLL_ACCESS = [
    ("village", 403),
    ("township", 403),
    ("county", 200),
    ("other_county", 404),
    ("city", 200),
    ("auditor", 200),
    ("department", 403),
    ("citizen", 403),
]


@pytest.mark.parametrize(("role", "status"), PAYROLL_ACCESS)
def test_a_batch_is_seen_by_its_county_the_city_and_auditors_only(
    client, request, batch, role, status
):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("benefits:batch", args=[batch.pk]))
    assert response.status_code == status


def test_the_county_prepares_from_the_payroll_page(
    client, county, recipient, django_capture_on_commit_callbacks
):
    client.force_login(county)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("benefits:payroll_prepare"), {"month": "2026-10"})
    batch = PayrollBatch.objects.get()
    assert response["Location"] == reverse("benefits:batch", args=[batch.pk])
    assert batch.status == BatchStatus.PREPARING
    run_queued_jobs()
    page = client.get(reverse("benefits:batch", args=[batch.pk])).content.decode()
    assert "1 payments to 1 persons, 110.00 yuan in all." in page


def test_a_city_officer_cannot_prepare_a_county_payroll(client, city, recipient):
    client.force_login(city)
    assert client.post(reverse("benefits:payroll_prepare"), {"month": "2026-10"}).status_code == 403
    assert not PayrollBatch.objects.exists()


def test_the_preparer_is_told_they_cannot_approve_their_own_batch(client, county, batch):
    client.force_login(county)
    response = client.post(reverse("benefits:batch_approve_county", args=[batch.pk]))
    assert response.status_code == 400
    assert "Each step of a payroll must be taken by a different person" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREPARED


def test_a_payment_file_needs_a_purpose_and_its_download_is_logged(client, county, city, batch):
    reviewer = factories.make_user("reviewer", Role.COUNTY_OFFICER, "511902")
    finance = factories.make_user("finance", Role.CITY_OFFICER, "5119")
    actions.approve_county(reviewer, batch)
    actions.approve_city(city, batch, "checked")
    actions.lock_batch(finance, batch)
    client.force_login(county)
    url = reverse("benefits:batch_download", args=[batch.pk, "payment-csv"])

    assert client.post(url, {"purpose": ""}).status_code == 400
    response = client.post(url, {"purpose": "send to the bank"})
    assert response["Content-Disposition"] == (
        'attachment; filename="payroll-511902-2026-10-payment-csv.csv"'
    )
    assert "李四" in response.content.decode("utf-8-sig")
    assert (
        AuditEvent.objects.filter(
            actor=county, action=AuditAction.EXPORT, purpose="send to the bank"
        ).count()
        == 1
    )


def test_a_payment_file_of_an_unlocked_batch_cannot_be_downloaded(client, county, batch):
    client.force_login(county)
    url = reverse("benefits:batch_download", args=[batch.pk, "payment-csv"])
    response = client.post(url, {"purpose": "send to the bank"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
