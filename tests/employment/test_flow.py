"""Employers, declarations and employment status through the pages and actions, and the
zero-employment households on crafted data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from tests.employment.conftest import worker
from tongxing.areas.models import Area
from tongxing.core.idnumbers import make_credit_code, parse_credit_code
from tongxing.core.models import AuditEvent
from tongxing.employment import actions, queries
from tongxing.employment.models import Declaration, Employer, EmploymentStatus
from tongxing.registry import actions as registry
from tongxing.registry.models import DisabilityCertificate

DAY = dt.date(2025, 6, 30)


def test_a_credit_code_with_a_wrong_check_character_is_refused_naming_the_right_one():
    assert parse_credit_code("91350100m000100y43") == "91350100M000100Y43"
    with pytest.raises(ValidationError) as error:
        parse_credit_code("91350100M000100Y44")
    assert error.value.messages == [
        "The last character of this credit code should be 3, not 4: "
        "please check the code for a typing mistake."
    ]
    with pytest.raises(ValidationError, match="cannot contain “I”"):
        parse_credit_code("91350100I000100Y43")
    with pytest.raises(ValidationError, match="18 characters; this one has 17"):
        parse_credit_code("91350100M000100Y4")


def test_the_county_registers_an_employer_and_a_bad_code_loses_nothing(client, county, parameters):
    client.force_login(county)
    data = {
        "credit_code": make_credit_code("511902", 7)[:-1] + "0",
        "name": "巴中市残联",
        "area": "511902001001",
        "sector": "机关",
        "is_public_body": "on",
    }
    if data["credit_code"] == make_credit_code("511902", 7):
        data["credit_code"] = data["credit_code"][:-1] + "1"
    refused = client.post("/employment/employers/new/", data)
    assert refused.status_code == 200
    assert "credit code should be" in refused.content.decode()
    assert refused.context["form"]["name"].value() == "巴中市残联"
    assert Employer.objects.count() == 0
    data["credit_code"] = make_credit_code("511902", 7)
    response = client.post("/employment/employers/new/", data)
    employer = Employer.objects.get()
    assert response.url == f"/employment/employers/{employer.pk}/"
    assert (employer.name, employer.is_public_body, employer.area_id) == (
        "巴中市残联",
        True,
        "511902001001",
    )
    assert AuditEvent.objects.filter(object_type="employment.employer").count() == 1


def test_a_declaration_entered_by_id_numbers_is_computed_and_explained(
    client, county, village, employer
):
    a = worker(village, name="甲")
    b = worker(village, name="乙", grade=3)
    client.force_login(county)
    unknown = client.post(
        f"/employment/employers/{employer.pk}/declare/",
        {
            "year": "2024",
            "average_staff": "100",
            "total_wages": "10000000",
            "employees": f"{a.id_number}\n110101199001011237\n",
        },
    )
    assert unknown.status_code == 200
    assert "on line 2: 110101…" in unknown.content.decode()
    assert Declaration.objects.count() == 0
    response = client.post(
        f"/employment/employers/{employer.pk}/declare/",
        {
            "year": "2024",
            "average_staff": "100",
            "total_wages": "10000000",
            "employees": f"{a.id_number}\n{b.id_number}\n{a.id_number}\n",
        },
    )
    declaration = Declaration.objects.get()
    assert response.url == f"/employment/declarations/{declaration.pk}/"
    page = client.get(response.url)
    explanation = page.context["explanation"]
    # 甲 is grade 2 (counts twice), 乙 grade 3, 甲 again is flagged: 3 of 1.6 required.
    assert [e["reason"] for e in explanation.employees] == [
        "",
        "",
        "listed twice in this declaration",
    ]
    assert (explanation.outcome.row["counted"], explanation.outcome.levy) == (3, Decimal("0.00"))
    assert "Unverified: confirm against the official text." in page.content.decode()


def test_a_person_declared_by_two_employers_counts_only_for_the_first(
    county, village, employer, declaration
):
    person = declaration.employees.get().person
    other = actions.register_employer(
        county,
        actions.EmployerData(
            credit_code=make_credit_code("511902", 2),
            name="第二公司",
            area=Area.objects.get(code="511902"),
            is_public_body=True,
        ),
    )
    second = actions.record_declaration(
        county,
        other,
        year=2024,
        average_staff=Decimal("100"),
        total_wages=Decimal("10000000"),
        employees=[person],
        today=dt.date(2025, 3, 1),
    )
    year = queries.fund_year(county, 2024)
    by_employer = {line.employer.name: line.outcome for line in year.lines}
    assert by_employer["巴中测试有限公司"].row["counted"] == 2  # grade 2 counts twice
    assert by_employer["第二公司"].row["counted"] == 0
    assert by_employer["第二公司"].levy == Decimal("144000.00")
    assert [line.employer.name for line in year.public_not_leading] == ["第二公司"]
    assert [line.employer.name for line in year.below_quota] == ["第二公司"]
    explained = queries.explain(county, second)
    assert [e["reason"] for e in explained.employees] == [
        "already declared by another employer for this year"
    ]
    assert explained.outcome.row == by_employer["第二公司"].row


def test_a_second_declaration_for_the_same_year_is_refused_and_nothing_changes(
    county, employer, declaration
):
    before = Declaration.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        actions.record_declaration(
            county,
            employer,
            year=2024,
            average_staff=Decimal("5"),
            total_wages=Decimal("1"),
            employees=[],
            today=dt.date(2025, 3, 1),
        )
    assert error.value.message_dict == {"year": ["This employer has already declared for 2024."]}
    assert (Declaration.objects.count(), AuditEvent.objects.count()) == before


def test_a_new_status_closes_the_open_one_and_forms_apply_only_when_employed(
    village, employer, parameters
):
    person = worker(village)
    actions.record_employment_status(
        village, person, status="seeking", start_date=dt.date(2025, 1, 1)
    )
    with pytest.raises(ValidationError) as error:
        actions.record_employment_status(
            village, person, status="employed", start_date=dt.date(2025, 3, 1)
        )
    assert error.value.message_dict == {"form": ["Choose how the person is employed."]}
    actions.record_employment_status(
        village,
        person,
        status="employed",
        form="quota",
        employer=employer,
        start_date=dt.date(2025, 3, 1),
    )
    assert list(
        EmploymentStatus.objects.filter(person=person)
        .order_by("start_date")
        .values_list("status", "form", "start_date", "end_date")
    ) == [
        ("seeking", "", dt.date(2025, 1, 1), dt.date(2025, 2, 28)),
        ("employed", "quota", dt.date(2025, 3, 1), None),
    ]


def test_a_status_outside_working_age_or_outside_the_area_is_refused(
    village, neighbour, parameters
):
    old = worker(village, born=dt.date(1960, 5, 17))
    with pytest.raises(ValidationError) as error:
        actions.record_employment_status(
            village, old, status="seeking", start_date=dt.date(2025, 1, 1)
        )
    assert error.value.message_dict == {
        "start_date": ["The person is not of working age on this date."]
    }
    young = worker(village)
    with pytest.raises(PermissionDenied):
        actions.record_employment_status(
            neighbour, young, status="seeking", start_date=dt.date(2025, 1, 1)
        )
    assert EmploymentStatus.objects.count() == 0


def _member(actor, head, name, born=dt.date(1985, 6, 1)):
    return registry.register_person(
        actor,
        factories.person_data(name=name, id_number=factories.new_id_number(born)),
        factories.certificate_data(),
        household_head=head,
        relation_to_head="sibling",
    )


def test_zero_employment_households_are_those_with_a_working_age_member_and_nobody_employed(
    village, neighbour, county, employer, parameters
):
    none_employed = worker(village, name="甲")  # household 1: two seekers, nobody employed
    _member(village, none_employed, "甲弟")
    one_employed = worker(village, name="乙")  # household 2: the brother works
    brother = _member(village, one_employed, "乙弟")
    worker(village, name="丙", born=dt.date(1950, 1, 1))  # household 3: nobody of working age
    cancelled = worker(village, name="丁")  # household 4: certificate cancelled
    DisabilityCertificate.objects.filter(person=cancelled).update(status="cancelled")
    ended = worker(village, name="戊")  # household 5: the job ended before the day
    next_door = worker(neighbour, name="己", area_code=factories.NEXT_VILLAGE)
    actions.record_employment_status(
        village, brother, status="employed", form="flexible", start_date=dt.date(2024, 1, 1)
    )
    actions.record_employment_status(
        village, ended, status="employed", form="welfare_post", start_date=dt.date(2024, 1, 1)
    )
    actions.record_employment_status(
        village, ended, status="seeking", start_date=dt.date(2025, 5, 1)
    )
    township = Area.objects.get(code="511902001")
    result = queries.zero_employment(county, township, DAY)
    counts = {row["area"].code: row["count"] for row in result.by_sub_area}
    assert (result.total, counts["511902001001"], counts["511902001002"]) == (3, 2, 1)
    in_village = queries.zero_employment(village, Area.objects.get(code=factories.VILLAGE), DAY)
    assert sorted([m.name for m in row["members"]] for row in in_village.households) == [
        ["戊"],
        ["甲", "甲弟"],
    ]
    # Placing one of household 1 in work takes it off the list.
    actions.record_employment_status(
        village, none_employed, status="employed", form="assisted", start_date=DAY
    )
    assert queries.zero_employment(county, township, DAY).total == 2
    assert next_door.household_id not in {
        row["household"].pk for row in in_village.households if row["household"]
    }


def test_seekers_are_ranked_for_a_post_with_reasons_and_placing_one_employs_them(
    client, county, village, employer, parameters
):
    from tongxing.employment.models import JobPost, Placement

    blind = worker(village, name="盲人", category=1, grade=3)
    deaf = worker(village, name="聋人", category=2, grade=3)
    far = worker(county, name="远方", area_code="511902002001", category=1, grade=3)
    worker(village, name="未登记求职")  # no status: not a seeker
    for person in (blind, deaf, far):
        actions.record_employment_status(
            county, person, status="seeking", start_date=dt.date(2025, 1, 1)
        )
    actions.save_job_profile(county, blind, wishes="想做按摩", abilities="盲人按摩")
    post = actions.create_job_post(
        county,
        employer,
        actions.PostData(
            title="按摩",
            area=Area.objects.get(code=factories.VILLAGE),
            accessibility=["screen_reader"],
            suitable_categories=[1],
        ),
    )
    client.force_login(county)
    page = client.get(f"/employment/posts/{post.pk}/")
    ranked = [(person.name, c.score, c.reasons) for c, person in page.context["candidates"]]
    assert ranked == [
        (
            "盲人",
            3 + 3 + 2 + 2 + 2,
            [
                "lives in the post's area",
                "the post suits their kind of disability",
                "the workplace is accessible for their disability",
                "wishes for this kind of work",
                "has the skills for it",
            ],
        ),
        (
            "远方",
            1 + 3 + 2,
            [
                "lives in the same county",
                "the post suits their kind of disability",
                "the workplace is accessible for their disability",
            ],
        ),
        ("聋人", 3, ["lives in the post's area"]),
    ]
    response = client.post(
        f"/employment/posts/{post.pk}/",
        {"person": blind.pk, "form": "quota", "start_date": "2025-07-01"},
    )
    assert response.status_code == 302
    placement = Placement.objects.get()
    assert (placement.person_id, placement.status.status, placement.status.employer_id) == (
        blind.pk,
        "employed",
        employer.pk,
    )
    full = client.post(
        f"/employment/posts/{post.pk}/",
        {"person": deaf.pk, "form": "quota", "start_date": "2025-07-01"},
    )
    assert "All places of this post are filled." in full.content.decode()
    assert (Placement.objects.count(), JobPost.objects.get().placements.count()) == (1, 1)


def test_a_placement_is_followed_up_at_3_and_6_months_not_before(
    client, county, village, employer, parameters
):
    from tongxing.employment.models import Placement

    seeker = worker(village, name="求职者")
    actions.record_employment_status(
        county, seeker, status="seeking", start_date=dt.date(2025, 1, 1)
    )
    post = actions.create_job_post(
        county, employer, actions.PostData(title="包装", area=employer.area)
    )
    placement = actions.place_seeker(
        county, post, seeker, start_date=dt.date(2025, 8, 31), form="quota"
    )
    assert [(m, due) for m, _c, _w, due in placement.follow_ups] == [
        (3, dt.date(2025, 11, 28)),
        (6, dt.date(2026, 2, 28)),
    ]
    client.force_login(county)
    early = client.post(
        f"/employment/posts/{post.pk}/",
        {"placement": placement.pk, "months": "3", "checked_on": "2025-11-01", "in_work": "yes"},
    )
    assert "This follow-up is due from 2025-11-28." in early.content.decode()
    done = client.post(
        f"/employment/posts/{post.pk}/",
        {"placement": placement.pk, "months": "3", "checked_on": "2025-12-01", "in_work": "no"},
    )
    assert done.status_code == 302
    placement = Placement.objects.get()
    assert (placement.checked_3m_on, placement.in_work_3m, placement.checked_6m_on) == (
        dt.date(2025, 12, 1),
        False,
        None,
    )
