"""The education-aid service pre-checks with the benefits engine's education_aid rule:
a person the rule's conditions exclude is refused with the rule's own wording and no
application is made; the amounts the region has not entered do not refuse anyone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.services.conftest import DAY, applicant, document, enrol
from tongxing.benefits.parameters import ParameterLookupError, ParameterSet
from tongxing.registry.models import PersonFact
from tongxing.services import actions
from tongxing.services.definitions import ServiceDefinition
from tongxing.services.models import Application, ApplicationEvent, ServiceType

ANSWERS = {"level": "junior", "school": "巴中三中", "enrolment_year": "2024"}


def apply_for_aid(village, person):
    return actions.submit_application(
        village,
        person,
        "education_aid",
        ANSWERS,
        {
            "enrolment_proof": document(
                village, person, "enrolment_proof", "p.png", b"\x89PNG\r\n\x1a\n..."
            )
        },
        day=DAY,
    )


def test_the_region_has_not_entered_the_education_aid_amounts(services):
    # The premise of the next test: the amounts are "not configured".
    with pytest.raises(ParameterLookupError):
        ParameterSet.load().at("education_aid.amount_junior", DAY)


def test_an_enrolled_student_may_apply_although_the_amounts_are_not_configured(
    village, services, documents_dir
):
    person = applicant(village, born=dt.date(2012, 3, 1))
    enrol(person)
    assert actions.eligibility_reasons(person, _definition(), ANSWERS, DAY) == []
    app = apply_for_aid(village, person)
    assert (app.person_id, app.service_type.code, app.current_step) == (
        person.pk,
        "education_aid",
        "verify",
    )


def test_a_person_not_enrolled_in_school_is_refused_with_the_rules_wording(
    village, services, documents_dir
):
    person = applicant(village, born=dt.date(2012, 3, 1))
    expected = (
        "Education aid for disabled students (残疾学生教育资助) requires: enrolled in school."
    )
    assert actions.eligibility_reasons(person, _definition(), ANSWERS, DAY) == [expected]
    with pytest.raises(ValidationError) as error:
        apply_for_aid(village, person)
    assert expected in error.value.messages
    assert Application.objects.count() == 0
    assert ApplicationEvent.objects.count() == 0


def test_a_school_fact_that_ended_before_the_day_does_not_count(village, services):
    person = applicant(village, born=dt.date(2006, 3, 1))
    enrol(person, "senior", since=dt.date(2021, 9, 1))
    PersonFact.objects.filter(person=person).update(end_date=dt.date(2025, 6, 30))
    reasons = actions.eligibility_reasons(person, _definition(), ANSWERS, DAY)
    assert reasons == [
        "Education aid for disabled students (残疾学生教育资助) requires: enrolled in school."
    ]


def _definition() -> ServiceDefinition:
    return ServiceDefinition.from_type(ServiceType.objects.get(code="education_aid"))
