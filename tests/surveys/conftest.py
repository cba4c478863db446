"""Fixtures for the survey tests: the Bazhong questionnaire loaded, and answers that agree
with the registry for a person, screen by screen."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tongxing.surveys import actions
from tongxing.surveys.definitions import Questionnaire, load_surveys
from tongxing.surveys.models import Survey, SurveyDefinition

REGION = "sichuan-bazhong"


@pytest.fixture
def definition(db) -> SurveyDefinition:
    load_surveys(REGION)
    return SurveyDefinition.objects.get(year=2025)


def answers_for(person, day: dt.date | None = None, **overrides: Any) -> dict[str, dict]:
    """``{screen: {question: answer}}`` that agree with ``person``'s registry record and
    state no need, with ``overrides`` (question → answer) applied."""
    day = day or timezone.localdate()
    screens = {
        "basic": {
            "age": person.age_on(day),
            "disability_category": str(person.certificate.category),
            "mobility": "walks",
            "lives_alone": False,
            "has_caregiver": True,
            "power_dependent_device": False,
        },
        "rehabilitation": {"rehabilitation_need": False, "rehabilitation_kind": []},
        "assistive_devices": {"device_need": []},
        "education_employment": {
            "education_need": False,
            "employment_status": "farming",
            "employment_need": False,
        },
        "care_home": {"care_need": False, "home_renovation_need": False},
        "subsidies_legal": {"subsidy_need": False, "legal_aid_need": False},
        "culture_sports": {"culture_need": []},
        "income_insurance": {
            "household_income": 8000,
            "medical_insurance": True,
            "pension_insurance": True,
            "remarks": "",
        },
    }
    for key, value in overrides.items():
        screen = next(s for s, questions in screens.items() if key in questions)
        screens[screen][key] = value
    return screens


def fill_survey(
    actor, person, definition, *, complete: bool = True, screens: int | None = None, **overrides
) -> Survey:
    """Start ``person``'s survey and save its screens (the first ``screens`` of them)."""
    survey = actions.start_survey(actor, person, definition)
    questionnaire = Questionnaire.from_definition(definition)
    answers = answers_for(person, **overrides)
    for group in questionnaire.groups[:screens]:
        survey = actions.save_survey_step(actor, survey, group.key, answers[group.key])
    if complete:
        actions.complete_survey(actor, survey)
        survey.refresh_from_db()
    return survey
