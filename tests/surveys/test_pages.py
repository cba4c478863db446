"""The survey pages as a village worker uses them: start, one screen per POST, a dropped
connection (the next request simply resumes), the registry-difference flag on the screen,
the review and completion."""

from __future__ import annotations

import pytest

from tests.surveys.conftest import answers_for
from tongxing.surveys.models import Need, Survey, SurveyStatus

URL = "/surveys/2025/persons/{pk}/"


def post_screen(client, person, screen: str, answers: dict, **extra):
    data = {}
    for key, value in answers.items():
        if isinstance(value, bool):
            data[key] = "yes" if value else "no"
        elif value is None:
            continue
        else:
            data[key] = value
    return client.post(URL.format(pk=person.pk) + f"screens/{screen}/", data | extra)


@pytest.fixture
def worker(client, village):
    client.force_login(village)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read the English text
    return client


def test_starting_opens_the_first_screen(worker, person, definition):
    response = worker.post(URL.format(pk=person.pk))
    assert response.status_code == 302
    assert response["Location"] == URL.format(pk=person.pk) + "screens/basic/"
    page = worker.get(response["Location"])
    assert page.status_code == 200
    assert "Screen 1 of 8" in page.content.decode()


def test_each_screen_posts_to_the_next_and_the_survey_resumes_after_a_reconnect(
    worker, person, definition
):
    worker.post(URL.format(pk=person.pk))
    answers = answers_for(person)
    response = post_screen(worker, person, "basic", answers["basic"])
    assert response["Location"].endswith("screens/rehabilitation/")
    response = post_screen(worker, person, "rehabilitation", answers["rehabilitation"])
    assert response["Location"].endswith("screens/assistive_devices/")
    # The connection drops here; later the worker opens the person again and resumes.
    resumed = worker.get(URL.format(pk=person.pk), {"resume": "1"})
    assert resumed["Location"].endswith("screens/assistive_devices/")
    # A screen already saved shows the saved answers.
    basic = worker.get(URL.format(pk=person.pk) + "screens/basic/").content.decode()
    assert 'value="walks" id="id_mobility_0" required checked' in basic


def test_a_difference_from_the_registry_is_shown_on_the_screen_and_must_be_checked(
    worker, person, definition
):
    worker.post(URL.format(pk=person.pk))
    basic = answers_for(person, disability_category="2")["basic"]
    response = post_screen(worker, person, "basic", basic)
    assert response["Location"].endswith("screens/basic/")
    page = worker.get(response["Location"]).content.decode()
    assert "Differs from the registry:" in page
    assert "the answer is 听力残疾, the registry says 肢体残疾." in page
    survey = Survey.objects.get()
    assert survey.flags["disability_category"]["confirmed"] is False

    response = post_screen(worker, person, "basic", basic, confirm_disability_category="on")
    assert response["Location"].endswith("screens/rehabilitation/")
    survey.refresh_from_db()
    assert survey.flags["disability_category"]["confirmed"] is True


def test_an_invalid_screen_shows_the_error_summary_and_saves_nothing(worker, person, definition):
    worker.post(URL.format(pk=person.pk))
    basic = answers_for(person)["basic"] | {"age": "abc"}
    response = post_screen(worker, person, "basic", basic)
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    assert Survey.objects.get().saved_groups == []


def test_the_review_completes_the_survey_and_the_person_page_lists_the_needs(
    worker, person, definition
):
    worker.post(URL.format(pk=person.pk))
    answers = answers_for(person, legal_aid_need=True)
    for screen, values in answers.items():
        response = post_screen(worker, person, screen, values)
    assert response["Location"] == URL.format(pk=person.pk) + "review/"
    review = worker.get(response["Location"]).content.decode()
    assert "Complete the survey" in review
    assert Survey.objects.get().status == SurveyStatus.IN_PROGRESS
    done = worker.post(URL.format(pk=person.pk) + "review/")
    assert done["Location"] == URL.format(pk=person.pk)
    assert Survey.objects.get().status == SurveyStatus.COMPLETED
    page = worker.get(URL.format(pk=person.pk)).content.decode()
    assert "Legal aid: Open" in page
    assert list(Need.objects.values_list("kind", flat=True)) == ["legal_aid"]


def test_the_review_refuses_to_complete_a_half_finished_survey(worker, person, definition):
    worker.post(URL.format(pk=person.pk))
    post_screen(worker, person, "basic", answers_for(person)["basic"])
    response = worker.post(URL.format(pk=person.pk) + "review/")
    assert response.status_code == 200
    assert "The survey cannot be completed yet" in response.content.decode()
    assert Survey.objects.get().status == SurveyStatus.IN_PROGRESS
