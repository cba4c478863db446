"""The unemployment warning: the rules at their boundaries on crafted tables, the list per
area with training and matching history, follow-ups with their refusals, the export."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from tests.employment.conftest import worker
from tongxing.areas.models import Area
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.employment import actions, queries, warning
from tongxing.employment.models import WarningFollowUp

DAY = dt.date(2025, 12, 31)
CUTOFF = dt.date(2025, 6, 30)  # six months before DAY
YOUNG, OLD = dt.date(1990, 1, 1), dt.date(1950, 1, 1)


def run(persons, statuses, day=DAY):
    p = pa.table(
        {
            "person_id": [r[0] for r in persons],
            "area": ["511902001001"] * len(persons),
            "birth_date": [r[1] for r in persons],
            "status": [r[2] if len(r) > 2 else "active" for r in persons],
        }
    )
    s = pa.table(
        {
            "person_id": pa.array([r[0] for r in statuses], pa.int64()),
            "status": pa.array([r[1] for r in statuses], pa.string()),
            "start_date": pa.array([r[2] for r in statuses], pa.date32()),
            "end_date": pa.array([r[3] for r in statuses], pa.date32()),
        }
    )
    out = ibis.duckdb.connect().to_pyarrow(warning.warnings(p, s, day, 16, 59, 6))
    return sorted((r["person_id"], r["reason"], r["since"]) for r in out.to_pylist())


@pytest.mark.parametrize(
    ("case", "born", "statuses", "expected"),
    [
        (
            "seeking since the cutoff: not more than 6 months",
            YOUNG,
            [("seeking", CUTOFF, None)],
            [],
        ),
        (
            "seeking since the day before the cutoff",
            YOUNG,
            [("seeking", CUTOFF - dt.timedelta(1), None)],
            [("long_seeking", CUTOFF - dt.timedelta(1))],
        ),
        ("not seeking for years", YOUNG, [("not_seeking", dt.date(2020, 1, 1), None)], []),
        (
            "employment ended on the cutoff",
            YOUNG,
            [
                ("employed", dt.date(2020, 1, 1), CUTOFF),
                ("not_seeking", CUTOFF + dt.timedelta(1), None),
            ],
            [("ended", CUTOFF + dt.timedelta(1))],
        ),
        (
            "employment ended the day before the cutoff",
            YOUNG,
            [
                ("employed", dt.date(2020, 1, 1), CUTOFF - dt.timedelta(1)),
                ("not_seeking", CUTOFF, None),
            ],
            [],
        ),
        (
            "employment ended, no status since",
            YOUNG,
            [("employed", dt.date(2020, 1, 1), dt.date(2025, 11, 30))],
            [("ended", dt.date(2025, 12, 1))],
        ),
        (
            "employed again after an ended job",
            YOUNG,
            [
                ("employed", dt.date(2020, 1, 1), dt.date(2025, 10, 31)),
                ("employed", dt.date(2025, 11, 1), None),
            ],
            [],
        ),
        (
            "employed now, ending in the future",
            YOUNG,
            [("employed", dt.date(2020, 1, 1), dt.date(2026, 3, 31))],
            [],
        ),
        (
            "ended then seeking briefly: one warning, the ending",
            YOUNG,
            [
                ("employed", dt.date(2020, 1, 1), dt.date(2025, 9, 30)),
                ("seeking", dt.date(2025, 10, 1), None),
            ],
            [("ended", dt.date(2025, 10, 1))],
        ),
        ("aged 60: outside working age", OLD, [("seeking", dt.date(2020, 1, 1), None)], []),
        (
            "turns 16 on the day",
            dt.date(2009, 12, 31),
            [("seeking", dt.date(2025, 1, 1), None)],
            [("long_seeking", dt.date(2025, 1, 1))],
        ),
        (
            "turns 16 the day after",
            dt.date(2010, 1, 1),
            [("seeking", dt.date(2025, 1, 1), None)],
            [],
        ),
    ],
)
def test_the_warning_rules_at_their_boundaries(case, born, statuses, expected):
    rows = run([(1, born)], [(1, *s) for s in statuses])
    assert rows == [(1, *e) for e in expected], case


def test_a_deceased_person_is_not_warned():
    assert run([(1, YOUNG, "deceased")], [(1, "seeking", dt.date(2020, 1, 1), None)]) == []


def test_months_before_keeps_the_day_or_takes_the_shorter_months_last_day():
    assert warning.months_before(dt.date(2025, 12, 31), 6) == dt.date(2025, 6, 30)
    assert warning.months_before(dt.date(2025, 8, 31), 6) == dt.date(2025, 2, 28)
    assert warning.months_before(dt.date(2025, 3, 15), 12) == dt.date(2024, 3, 15)


@pytest.fixture
def warned(village, neighbour, county, employer, parameters):
    seeker = worker(village, name="久寻")
    actions.record_employment_status(
        village, seeker, status="seeking", start_date=dt.date(2025, 1, 1)
    )
    laid_off = worker(neighbour, name="失业", area_code=factories.NEXT_VILLAGE)
    actions.record_employment_status(
        neighbour, laid_off, status="employed", form="flexible", start_date=dt.date(2024, 1, 1)
    )
    actions.record_employment_status(
        neighbour, laid_off, status="seeking", start_date=dt.date(2025, 12, 1)
    )
    working = worker(village, name="在岗")
    actions.record_employment_status(
        village, working, status="employed", form="quota", start_date=dt.date(2024, 1, 1)
    )
    course = actions.create_course(
        county,
        actions.CourseData(
            title="电商培训",
            provider="巴州区残联",
            skill="ecommerce",
            area=Area.objects.get(code="511902"),
            start_date=dt.date(2025, 3, 1),
            end_date=dt.date(2026, 3, 31),
            places=10,
        ),
    )
    actions.enrol(village, course, seeker)
    return {"seeker": seeker, "laid_off": laid_off, "course": course}


def test_the_warning_list_counts_per_area_and_lists_training_and_matching_history(township, warned):
    result = queries.unemployment_warnings(township, township.area, DAY)
    assert result.total == 2
    counts = {row["area"].code: row["count"] for row in result.by_sub_area}
    assert (counts[factories.VILLAGE], counts[factories.NEXT_VILLAGE]) == (1, 1)
    rows = {r.person.name: r for r in result.rows}
    assert (rows["久寻"].reason, rows["久寻"].since) == ("long_seeking", dt.date(2025, 1, 1))
    assert (rows["失业"].reason, rows["失业"].since) == ("ended", dt.date(2025, 12, 1))
    assert [e.course.title for e in rows["久寻"].enrolments] == ["电商培训"]


def test_a_warning_is_followed_up_with_history_and_bad_follow_ups_change_nothing(
    village, neighbour, warned
):
    seeker, course = warned["seeker"], warned["course"]
    key = {"reason": "long_seeking", "since": dt.date(2025, 1, 1), "today": DAY}
    actions.follow_up_warning(village, seeker, action="acknowledged", **key)
    before = (WarningFollowUp.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError, match="already been acknowledged"):
        actions.follow_up_warning(village, seeker, action="acknowledged", **key)
    with pytest.raises(ValidationError, match="no such warning today"):
        actions.follow_up_warning(
            village, seeker, action="acknowledged", reason="ended", since=DAY, today=DAY
        )
    with pytest.raises(ValidationError) as error:
        actions.follow_up_warning(village, seeker, action="training", **key)
    assert error.value.message_dict == {"course": ["Choose the course the person is referred to."]}
    with pytest.raises(ValidationError, match="Describe the follow-up"):
        actions.follow_up_warning(village, seeker, action="other", note=" ", **key)
    with pytest.raises(PermissionDenied):
        actions.follow_up_warning(neighbour, seeker, action="acknowledged", **key)
    assert (WarningFollowUp.objects.count(), AuditEvent.objects.count()) == before
    actions.follow_up_warning(village, seeker, action="training", course=course, **key)
    result = queries.unemployment_warnings(village, village.area, DAY)
    assert [f.action for f in result.rows[0].follow_ups] == ["acknowledged", "training"]
    assert result.rows[0].follow_ups[1].course == course


def test_the_export_is_masked_and_logged_and_pages_follow_up_through_the_form(
    client, village, township, warned
):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(township)
    response = client.get("/employment/warnings/", {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0] == "Area,Name,ID number (masked),Warning,Since"
    assert len(lines) == 3
    seeker = warned["seeker"]
    assert seeker.id_number not in body
    assert seeker.masked_id_number in body
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.EXPORT, object_type="employment.unemploymentwarning"
        ).count()
        == 1
    )
    client.force_login(village)
    person_page = client.get(f"/employment/persons/{seeker.pk}/").content.decode()
    assert "Unemployment warning:</strong> Seeking work for a long time (since" in (person_page)
    page = client.get(f"/employment/warnings/{seeker.pk}/")
    assert page.status_code == 200
    # The page works on today's date: the crafted seeker (since 2025-01-01) is warned today too.
    assert "Seeking work for a long time" in page.content.decode()
    client.post(
        f"/employment/warnings/{seeker.pk}/",
        {"warning": "long_seeking|2025-01-01", "action": "acknowledged", "note": ""},
    )
    assert WarningFollowUp.objects.filter(person=seeker).count() == 1
