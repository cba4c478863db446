"""Survey progress per area: exact figures on crafted data, one GROUP BY per figure set."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.surveys.conftest import fill_survey
from tongxing.areas.models import Area
from tongxing.registry.actions import record_death
from tongxing.surveys import actions, queries
from tongxing.surveys.models import Need


@pytest.fixture
def crafted(village, neighbour, county, other_county, definition):
    """东城街道第1社区: a done survey with 2 needs, one started, one not started, and a
    person who died after being surveyed; 第2社区: a done survey whose need was met, and
    one not started; 通江县: a done survey (outside 巴州区)."""
    done = factories.make_person(village, name="甲")
    fill_survey(village, done, definition, care_need=True, subsidy_need=True)
    started = factories.make_person(village, name="乙")
    fill_survey(village, started, definition, complete=False, screens=3)
    factories.make_person(village, name="丙")
    died = factories.make_person(village, name="丁")
    fill_survey(village, died, definition)
    record_death(village, died, dt.date(2025, 6, 1))

    next_done = factories.make_person(neighbour, name="戊", area_code=factories.NEXT_VILLAGE)
    fill_survey(neighbour, next_done, definition, legal_aid_need=True)
    actions.close_need(
        Need.objects.get(person=next_done), user=neighbour, outcome="met", reference="法援 1"
    )
    factories.make_person(neighbour, name="己", area_code=factories.NEXT_VILLAGE)

    far = factories.make_person(other_county, name="庚", area_code=factories.OTHER_COUNTY_VILLAGE)
    fill_survey(other_county, far, definition)


def test_township_progress_counts_each_village_exactly(township, crafted):
    area = Area.objects.get(code="511902001")
    progress = queries.survey_progress(township, area, 2025)
    rows = {
        row.area.code: (row.total, row.done, row.in_progress, row.needs_open, row.needs_met)
        for row in progress.rows
        if row.total
    }
    assert rows == {
        factories.VILLAGE: (3, 1, 1, 2, 0),
        factories.NEXT_VILLAGE: (2, 1, 0, 0, 1),
    }
    total = progress.total
    assert (total.total, total.done, total.in_progress, total.not_started) == (5, 2, 1, 2)
    assert (total.done_percent, total.needs_total, total.needs_met, total.met_percent) == (
        40,
        3,
        1,
        33,
    )


def test_city_progress_rolls_up_by_county(city, crafted):
    progress = queries.survey_progress(city, Area.objects.get(code="5119"), 2025)
    by_county = {row.area.code: (row.total, row.done) for row in progress.rows}
    assert by_county["511902"] == (5, 2)
    assert by_county["511921"] == (1, 1)
    assert by_county["511923"] == (0, 0)
    assert (progress.total.total, progress.total.done) == (6, 3)


def test_a_year_without_surveys_counts_nobody_done(township, crafted):
    progress = queries.survey_progress(township, Area.objects.get(code="511902001"), 2026)
    assert (progress.total.total, progress.total.done, progress.total.needs_total) == (5, 0, 0)


def test_the_counts_are_one_query_each(city, crafted, django_assert_num_queries):
    area = Area.objects.get(code="5119")
    with django_assert_num_queries(1):
        queries.survey_counts(city, area, 2025)
    with django_assert_num_queries(1):
        queries.need_counts(city, area, 2025)


def test_a_village_page_lists_its_persons_started_ones_first(client, village, crafted):
    client.force_login(village)
    response = client.get("/surveys/", {"area": factories.VILLAGE})
    assert response.status_code == 200
    names = [(p.name, p.survey_status) for p in response.context["page"]]
    assert names == [("乙", 0), ("丙", 1), ("甲", 2)]


def test_the_progress_page_drills_down_and_refuses_areas_outside(client, county, crafted):
    client.force_login(county)
    page = client.get("/surveys/", {"area": "511902001"})
    assert page.status_code == 200
    assert page.context["progress"].total.done == 2
    assert client.get("/surveys/", {"area": "511921"}).status_code == 404
