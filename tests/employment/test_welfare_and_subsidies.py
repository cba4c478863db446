"""Public welfare posts (payer, term, priority for disabled persons) and employer subsidy
applications with their four-eyes decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from tests.conftest import cast_member
from tests.employment.conftest import worker
from tongxing.accounts.roles import Role
from tongxing.core.models import AuditEvent
from tongxing.employment import actions, matching
from tongxing.employment.models import JobPost, Placement, SubsidyApplication
from tongxing.registry.models import DisabilityCertificate

DAY = dt.date(2025, 6, 30)
TERM = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def welfare(county, employer, **overrides):
    data = dict(
        title="公益性岗位：社区助残员",
        area=employer.area,
        kind="welfare",
        paid_by="就业补助资金",
        term_start=TERM[0],
        term_end=TERM[1],
        places=2,
    )
    return actions.create_job_post(county, employer, actions.PostData(**(data | overrides)))


def test_a_welfare_post_says_who_pays_and_for_which_term_and_a_regular_one_does_not(
    county, employer
):
    with pytest.raises(ValidationError) as error:
        welfare(county, employer, paid_by=" ", term_start=None, term_end=None)
    assert error.value.message_dict == {
        "paid_by": ["Enter who pays for the welfare post."],
        "term_start": ["Enter the first day of the post's term."],
        "term_end": ["Enter the last day of the post's term."],
    }
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        welfare(county, employer, term_end=dt.date(2024, 12, 31))
    with pytest.raises(ValidationError, match="Only a public welfare post"):
        welfare(county, employer, kind="regular")
    assert JobPost.objects.count() == 0
    post = welfare(county, employer)
    assert (post.kind, post.paid_by, post.term_start, post.term_end) == (
        "welfare",
        "就业补助资金",
        *TERM,
    )


def test_a_welfare_placement_is_of_that_form_within_the_term_and_ranks_certificate_holders_first(
    village, county, employer
):
    post = welfare(county, employer)
    holder = worker(village, name="持证")
    without = worker(village, name="无证")
    DisabilityCertificate.objects.filter(person=without).delete()
    for person in (holder, without):
        actions.record_employment_status(
            village, person, status="seeking", start_date=dt.date(2025, 1, 1)
        )
    ranked = matching.candidates(post, factories.VILLAGE, DAY)
    assert [(c.person_id, c.score) for c in ranked] == [(holder.pk, 7), (without.pk, 3)]
    assert ranked[0].reasons[0] == "priority for a disabled person (public welfare post)"
    with pytest.raises(ValidationError, match="welfare post placement"):
        actions.place_seeker(county, post, holder, start_date=DAY, form="quota")
    with pytest.raises(ValidationError, match="within the post's term"):
        actions.place_seeker(
            county, post, holder, start_date=dt.date(2026, 1, 1), form="welfare_post"
        )
    assert Placement.objects.count() == 0
    placement = actions.place_seeker(county, post, holder, start_date=DAY, form="welfare_post")
    assert placement.status.form == "welfare_post"


@pytest.fixture
def employee(village, county, employer):
    person = worker(village, name="员工")
    actions.record_employment_status(
        county,
        person,
        status="employed",
        form="quota",
        employer=employer,
        start_date=dt.date(2025, 1, 1),
    )
    return person


@pytest.fixture
def reviewer(db):
    return cast_member("county_reviewer", Role.COUNTY_OFFICER, "511902")


def state():
    return (
        SubsidyApplication.objects.count(),
        SubsidyApplication.objects.filter(status="submitted").count(),
        AuditEvent.objects.count(),
    )


def test_a_post_subsidy_is_applied_for_and_approved_by_a_second_officer_stating_the_basis(
    county, reviewer, employer, employee
):
    application = actions.apply_for_subsidy(
        county,
        employer,
        kind="post",
        person=employee,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 6, 30),
        amount_claimed=Decimal("3000.00"),
    )
    # The standard is declared not_found: the page says so and the basis is required.
    ceiling, why, verified = actions.subsidy_ceiling(application)
    assert (ceiling, verified) == (None, False)
    assert "has no approved value yet" in why
    before = state()
    with pytest.raises(ValidationError) as error:
        actions.decide_subsidy(reviewer, application, approve=True, amount=Decimal("3000.00"))
    assert error.value.message_dict == {
        "reason": ["No verified standard is in force: state the basis for this amount."]
    }
    with pytest.raises(ValidationError, match="cannot exceed the amount claimed"):
        actions.decide_subsidy(
            reviewer, application, approve=True, amount=Decimal("3000.01"), reason="x"
        )
    with pytest.raises(ValidationError, match="Another officer must decide"):
        actions.decide_subsidy(county, application, approve=True, amount=Decimal("1"), reason="x")
    assert state() == before
    actions.decide_subsidy(
        reviewer,
        application,
        approve=True,
        amount=Decimal("2400.00"),
        reason="巴残联〔2025〕号文：每人每月400元",
    )
    application.refresh_from_db()
    assert (application.status, application.amount_approved, application.decided_by) == (
        "approved",
        Decimal("2400.00"),
        reviewer,
    )
    with pytest.raises(ValidationError, match="already been decided"):
        actions.decide_subsidy(reviewer, application, approve=False, reason="x")


def test_subsidy_applications_refuse_bad_input_duplicates_and_outsiders_and_change_nothing(
    village, county, other_county, reviewer, employer, employee
):
    stranger = worker(village, name="外人")
    before = state()
    with pytest.raises(ValidationError) as error:
        actions.apply_for_subsidy(
            county,
            employer,
            kind="insurance",
            person=stranger,
            period_start=dt.date(2025, 7, 1),
            period_end=dt.date(2025, 6, 1),
            amount_claimed=Decimal("0.001"),
        )
    assert error.value.message_dict == {
        "person": [f"This person is not recorded as employed by {employer.name} on 2025-07-01."],
        "period_end": ["The period cannot end before it starts."],
        "amount_claimed": ["Enter the amount in yuan, more than 0, with at most 2 decimal places."],
    }
    with pytest.raises(ValidationError) as error:
        actions.apply_for_subsidy(
            county,
            employer,
            kind="facility",
            person=employee,
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 12, 31),
            amount_claimed=Decimal("5000"),
        )
    assert set(error.value.message_dict) == {"person", "description"}
    with pytest.raises(PermissionDenied):
        actions.apply_for_subsidy(
            other_county,
            employer,
            kind="facility",
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 12, 31),
            amount_claimed=Decimal("5000"),
            description="坡道",
        )
    with pytest.raises(PermissionDenied):
        actions.apply_for_subsidy(
            village,
            employer,
            kind="facility",
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 12, 31),
            amount_claimed=Decimal("5000"),
            description="坡道",
        )
    assert state() == before
    first = actions.apply_for_subsidy(
        county,
        employer,
        kind="facility",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
        amount_claimed=Decimal("5000"),
        description="入口坡道和无障碍卫生间",
    )
    actions.apply_for_subsidy(
        county,
        employer,
        kind="insurance",
        person=employee,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 3, 31),
        amount_claimed=Decimal("900"),
    )
    before = state()
    with pytest.raises(ValidationError, match="already been recorded"):
        actions.apply_for_subsidy(
            county,
            employer,
            kind="insurance",
            person=employee,
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 3, 31),
            amount_claimed=Decimal("900"),
        )
    with pytest.raises(ValidationError, match="why the application is refused"):
        actions.decide_subsidy(reviewer, first, approve=False)
    with pytest.raises(PermissionDenied):
        actions.decide_subsidy(other_county, first, approve=False, reason="x")
    assert state() == before
    actions.decide_subsidy(reviewer, first, approve=False, reason="改造已由住建部门补贴")
    first.refresh_from_db()
    assert (first.status, first.amount_approved) == ("refused", None)


def test_the_subsidy_pages_record_an_application_and_the_other_officer_decides_it(
    client, county, reviewer, employer, employee
):
    client.force_login(county)
    url = f"/employment/employers/{employer.pk}/subsidies/new/"
    bad = client.post(url, {"kind": "post", "period_start": "2025-01-01"})
    assert b'href="#id_period_end"' in bad.content
    response = client.post(
        url,
        {
            "kind": "post",
            "id_number": employee.id_number,
            "period_start": "2025-01-01",
            "period_end": "2025-03-31",
            "amount_claimed": "1200",
            "description": "",
        },
    )
    application = SubsidyApplication.objects.get()
    assert response.url == f"/employment/subsidies/{application.pk}/"
    page = client.get(response.url)
    assert page.context["can_decide"] is False
    assert "Not configured:" in page.content.decode()
    client.force_login(reviewer)
    assert client.get(response.url).context["can_decide"] is True
    client.post(response.url, {"decision": "approve", "amount": "1200", "reason": "按文件"})
    application.refresh_from_db()
    assert application.status == "approved"
