"""The benefit engine's decisions in plain words on the citizen's own page."""

from __future__ import annotations

from django.utils import timezone

from tongxing.benefits.parameters import ParameterSet, load_parameters


def test_the_own_page_says_what_is_paid_possible_or_not_and_why_in_plain_words(
    client, linked_citizen, self_person
):
    load_parameters("sichuan-bazhong")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(linked_citizen)
    response = client.get(f"/portal/person/{self_person.pk}/")
    month = timezone.localdate().replace(day=1)
    by_name = {str(entry.name): entry for entry in response.context["entitlements"]}

    living = by_name["Living subsidy for disabled persons in hardship (困难残疾人生活补贴)"]
    assert living.state == "not_entitled"
    assert living.reasons_not_met == [
        "The household does not get the minimum living allowance (低保) and is not "
        "recorded as low-income."
    ]

    nursing = by_name["Nursing subsidy for severely disabled persons (重度残疾人护理补贴)"]
    grade_1 = ParameterSet.load().at("subsidies.nursing.amount_grade_1", month).value
    assert (nursing.state, nursing.amount, nursing.reasons_not_met) == ("entitled", grade_1, [])
    assert "The disability grade is one this subsidy covers." in nursing.reasons_met
    html = response.content.decode()
    assert f"You can get {grade_1} yuan, but there is no approved application yet." in html
    # the staff's technical labels are not shown to citizens
    assert "not under 特困 extreme poverty support" not in html
