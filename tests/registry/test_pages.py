"""What the person page tells its reader, in words rather than codes."""

import datetime as dt

from tests import factories
from tongxing.registry import actions


def test_the_change_history_names_fields_and_values_in_words(client, county, person):
    actions.record_reassessment(county, person, dt.date(2024, 7, 1), category=4, grade=1)
    client.force_login(county)
    page = client.get(f"/persons/{person.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "grade</span>：Grade 2 → Grade 1" in page
    assert "certificate.grade" not in page


def test_the_change_history_is_in_chinese_by_default(client, county, person):
    actions.record_reassessment(county, person, dt.date(2024, 7, 1), category=4, grade=1)
    client.force_login(county)
    page = client.get(f"/persons/{person.pk}/").content.decode()
    assert "二级 → 一级" in page


def test_the_overview_counts_by_category_grade_status_and_sub_area(client, township, village):
    factories.make_person(village, certificate={"category": 1, "grade": 1})
    factories.make_person(village, certificate={"category": 1, "grade": 2})
    factories.make_person(
        township, area_code=factories.NEXT_VILLAGE, certificate={"category": 4, "grade": 2}
    )
    gone = factories.make_person(village, certificate={"category": 5, "grade": 3})
    actions.record_death(village, gone, dt.date(2024, 1, 1))
    client.force_login(township)
    summary = client.get("/").context["summary"]
    assert (summary["total"], summary["deceased"], summary["moved_out"]) == (3, 1, 0)
    assert summary["by_category"] == {1: 2, 4: 1}
    assert summary["by_grade"] == {1: 1, 2: 2}
    assert summary["by_certificate_status"] == {"valid": 3}
    counts = {row["area"].code: row["count"] for row in summary["by_sub_area"]}
    assert counts[factories.VILLAGE] == 2
    assert counts[factories.NEXT_VILLAGE] == 1
    assert sum(counts.values()) == 3


def test_a_certificate_past_its_term_is_flagged_for_renewal(client, village):
    person = factories.make_person(
        village, certificate={"issue_date": dt.date(2015, 1, 10)}
    )  # valid until 2025-01-10
    client.force_login(village)
    page = client.get(f"/persons/{person.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Expired: the certificate is due for renewal." in page


def test_a_certificate_within_its_term_is_not_flagged(client, village, person):
    client.force_login(village)
    page = client.get(f"/persons/{person.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Expired" not in page
