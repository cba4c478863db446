"""Fixtures for needs turned into service applications: the questionnaire and the
service types loaded, and a person in 东城街道第1社区 whose completed survey states a
care need (category 5, grade 2: eligible for care services)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.services.conftest import (  # noqa: F401 (fixtures shared with the services tests)
    applicant,
    care_home,
    document,
    documents_dir,
    services,
)
from tests.surveys.conftest import fill_survey
from tongxing.surveys.definitions import load_surveys
from tongxing.surveys.models import Need, SurveyDefinition

REGION = "sichuan-bazhong"


@pytest.fixture
def definition(services) -> SurveyDefinition:  # noqa: F811
    load_surveys(REGION)
    return SurveyDefinition.objects.get(year=2025)


@pytest.fixture
def care_need(village, definition, documents_dir) -> Need:  # noqa: F811
    person = applicant(village, born=dt.date(1990, 5, 1), category=5, grade=2)
    document(village, person)
    fill_survey(
        village,
        person,
        definition,
        care_need=True,
        lives_alone=True,
        has_caregiver=False,
        mobility="wheelchair",
    )
    return Need.objects.get(person=person, kind="care")
