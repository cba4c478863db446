"""The need → application pages in real Chromium with axe-core: the needs list with its
"Start an application" button, the person's survey page, and the apply form pre-filled
from the survey; in Chinese at 200 % text, in large text + high contrast, and in English."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.browser.conftest import CHROMIUM, REGION
from tests.browser.test_accessibility import Case, check_in_every_mode
from tests.surveys.conftest import fill_survey
from tongxing.benefits.parameters import load_parameters
from tongxing.services import actions
from tongxing.services.calendar import load_holidays
from tongxing.services.definitions import load_services
from tongxing.surveys.definitions import load_surveys
from tongxing.surveys.models import Need, SurveyDefinition

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]

CASES = [
    Case("needs with the start button", "village", "/surveys/needs/"),
    Case("a person's needs", "village", "/surveys/2025/persons/{person}/"),
    Case("apply form pre-filled from a need", "village", "/surveys/needs/{need}/apply/"),
]


@pytest.fixture
def records(request, settings, tmp_path):
    settings.TONGXING_DOCUMENTS_DIR = tmp_path / "documents"
    village = request.getfixturevalue("village")
    load_parameters(REGION)
    load_holidays(REGION)
    load_services(REGION)
    load_surveys(REGION)
    person = factories.make_person(
        village,
        name="王芳",
        id_number=factories.new_id_number(dt.date(1990, 5, 1)),
        certificate={"category": 5, "grade": 2, "issue_date": dt.date(2022, 3, 1)},
    )
    actions.upload_document(village, person, "id_card", "id.pdf", b"%PDF-1.4 x")
    fill_survey(
        village,
        person,
        SurveyDefinition.objects.get(year=2025),
        care_need=True,
        lives_alone=True,
        has_caregiver=False,
    )
    return {"person": person.pk, "need": Need.objects.get(person=person, kind="care").pk}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_need_application_page_is_accessible(case: Case, request, open_session, records):
    user = request.getfixturevalue(case.role)
    path = case.path.format(**records)
    session = open_session(user)
    check_in_every_mode(session, case, path)
