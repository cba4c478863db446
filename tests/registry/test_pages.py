"""What the person page tells its reader, in words rather than codes."""

import datetime as dt

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
