"""The emergency roster: what each person needs, from the certificate and the latest
survey; every use logged with its purpose; a purpose is required."""

from __future__ import annotations

import pytest

from tests import factories
from tests.surveys.conftest import fill_survey
from tongxing.areas.models import Area
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.surveys.roster import EmergencyNeed as E
from tongxing.surveys.roster import build_roster, emergency_needs


@pytest.mark.parametrize(
    ("category", "grade", "kinds", "answers", "expected"),
    [
        (4, 1, [], {}, {E.EVACUATION: "certificate"}),
        (4, 3, [], {}, {}),
        (4, 3, [], {"mobility": "wheelchair"}, {E.EVACUATION: "survey"}),
        (4, 4, [], {"mobility": "bedridden"}, {E.EVACUATION: "survey"}),
        (1, 1, [], {}, {E.GUIDED: "certificate"}),
        (1, 3, [], {}, {}),
        (2, 2, [], {}, {E.VISUAL_ALERTS: "certificate"}),
        (2, 4, [], {}, {}),
        (5, 4, [], {}, {E.ACCOMPANIED: "certificate"}),
        (6, 3, [], {}, {E.ACCOMPANIED: "certificate"}),
        (3, 1, [], {"power_dependent_device": True}, {E.POWER: "survey"}),
        (
            7,
            2,
            [1, 2, 5],
            {},
            {E.GUIDED: "certificate", E.VISUAL_ALERTS: "certificate", E.ACCOMPANIED: "certificate"},
        ),
        (
            7,
            1,
            [4, 6],
            {"power_dependent_device": True, "mobility": "wheelchair"},
            {E.EVACUATION: "certificate", E.ACCOMPANIED: "certificate", E.POWER: "survey"},
        ),
    ],
    ids=[
        "physical-grade-1",
        "physical-grade-3-walks",
        "wheelchair-from-survey",
        "bedridden-from-survey",
        "blind",
        "low-vision",
        "deaf",
        "hard-of-hearing",
        "intellectual",
        "mental",
        "powered-device",
        "multiple-vision-hearing-intellectual",
        "multiple-physical-mental-with-device",
    ],
)
def test_each_need_follows_from_the_certificate_or_the_survey(
    category, grade, kinds, answers, expected
):
    assert emergency_needs(category, grade, kinds, answers) == expected


def test_the_roster_lists_the_persons_with_needs_and_counts_the_others(
    township, village, definition
):
    blind = factories.make_person(
        village,
        name="盲人甲",
        certificate={"category": 1, "grade": 1},
        guardian_name="李四",
        guardian_relation="儿子",
        guardian_phone="13900001111",
    )
    walker = factories.make_person(village, name="乙", certificate={"category": 4, "grade": 3})
    fill_survey(village, walker, definition, mobility="wheelchair", lives_alone=True)
    factories.make_person(village, name="丙", certificate={"category": 4, "grade": 4})
    entries, without = build_roster(township, Area.objects.get(code="511902001"))
    # (In name order, which is the database's collation: pinyin on a Chinese PostgreSQL.)
    found = {e.person.name: (e.needs, e.lives_alone, e.survey_year) for e in entries}
    assert found == {"乙": ([E.EVACUATION], True, 2025), "盲人甲": ([E.GUIDED], None, None)}
    assert without == 1
    by_pk = {e.person.pk: e.person for e in entries}
    assert by_pk[blind.pk].guardian_phone == "13900001111"


def test_a_printed_roster_is_logged_with_its_purpose(client, township, village):
    factories.make_person(village, name="盲人甲", certificate={"category": 1, "grade": 2})
    client.force_login(township)
    response = client.post(
        "/surveys/roster/",
        {"area": "511902001", "purpose": "七月防汛演练", "output": "html"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "盲人甲" in page
    assert "13812345678" in page  # the full phone: masked numbers are useless in a flood
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.actor, event.purpose, event.area_code, event.summary) == (
        township,
        "七月防汛演练",
        "511902001",
        "emergency roster (html): 1 persons",
    )


def test_the_csv_export_is_logged_and_carries_the_needs(client, township, village):
    factories.make_person(village, name="聋人乙", certificate={"category": 2, "grade": 1})
    client.force_login(township)
    response = client.post(
        "/surveys/roster/",
        {"area": factories.VILLAGE, "purpose": "地震应急预案", "output": "csv"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert "聋人乙" in lines[1] and "Needs visual or text alerts (deaf)" in lines[1]
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).summary == (
        "emergency roster (csv): 1 persons"
    )


def test_without_a_purpose_nothing_is_shown_or_logged(client, township, village):
    factories.make_person(village, name="盲人甲", certificate={"category": 1, "grade": 2})
    client.force_login(township)
    response = client.post(
        "/surveys/roster/", {"area": "511902001", "purpose": "", "output": "html"}
    )
    assert response.status_code == 200
    assert "盲人甲" not in response.content.decode()
    assert list(response.context["form"].errors) == ["purpose"]
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_an_area_outside_the_users_own_is_not_offered(client, neighbour):
    client.force_login(neighbour)
    response = client.post(
        "/surveys/roster/", {"area": factories.VILLAGE, "purpose": "防汛演练", "output": "html"}
    )
    assert response.status_code == 200
    assert "area" in response.context["form"].errors
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
