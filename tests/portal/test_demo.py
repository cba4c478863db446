"""The portal demo: the demo citizen and guardian linked deterministically, once."""

from __future__ import annotations

import datetime as dt

from tests import factories
from tongxing.accounts.demo import ensure_demo_accounts
from tongxing.portal.demo import GUARDIAN_PHONE, generate_portal_demo, login_lines
from tongxing.portal.models import CitizenLink
from tongxing.registry import actions as registry_actions
from tongxing.services import actions as service_actions


def test_the_demo_links_the_first_certified_adult_and_child_and_a_second_run_does_nothing(
    village, county
):
    ensure_demo_accounts(password="test-pass-12345")
    expired = factories.make_person(
        village, name="甲", certificate={"issue_date": dt.date(2010, 1, 1)}
    )
    assert expired.certificate.valid_until < dt.date(2025, 12, 31)
    child = factories.make_person(
        village, name="乙", id_number=factories.new_id_number(dt.date(2019, 6, 1))
    )
    frozen = factories.make_person(village, name="丙")
    registry_actions.freeze_certificate(county, frozen, dt.date(2025, 3, 1), reason="核查")
    adult = factories.make_person(village, name="丁")
    factories.make_person(village, name="戊")

    demo = generate_portal_demo()
    assert (demo.created, demo.citizen_person, demo.child) == (True, adult, child)
    links = {
        link.user.username: (link.person, link.acting_as, link.relation, link.verified_by.username)
        for link in CitizenLink.objects.select_related("user", "person", "verified_by")
    }
    assert links == {
        "citizen": (adult, "self", "", "village"),
        "guardian": (child, "parent_of_child", "母亲", "village"),
    }
    assert any(GUARDIAN_PHONE in line and "乙" in line for line in login_lines())

    again = generate_portal_demo()
    assert again.created is False
    assert CitizenLink.objects.count() == 2


def test_a_child_outside_the_community_is_linked_by_the_township_officer(village, neighbour):
    ensure_demo_accounts(password="test-pass-12345")
    adult = factories.make_person(village, name="丁")
    child = factories.make_person(
        neighbour,
        name="乙",
        area_code=factories.NEXT_VILLAGE,
        id_number=factories.new_id_number(dt.date(2019, 6, 1)),
    )
    demo = generate_portal_demo()
    assert (demo.citizen_person, demo.child) == (adult, child)
    verified = dict(CitizenLink.objects.values_list("person_id", "verified_by__username"))
    assert verified == {adult.pk: "village", child.pk: "township"}


def test_the_guardian_gets_the_youngest_child_without_a_child_rehabilitation_application(
    village, county, services, documents_dir
):
    ensure_demo_accounts(password="test-pass-12345")
    adult = factories.make_person(village, name="丁")
    older = factories.make_person(
        village, name="乙", id_number=factories.new_id_number(dt.date(2019, 6, 1))
    )
    applied = factories.make_person(
        village,
        name="丙",
        id_number=factories.new_id_number(dt.date(2023, 1, 1)),
        certificate={"issue_date": dt.date(2024, 1, 10)},
    )
    youngest_free = factories.make_person(
        village,
        name="庚",
        id_number=factories.new_id_number(dt.date(2022, 7, 1)),
        certificate={"issue_date": dt.date(2024, 1, 10)},
    )
    id_card = service_actions.upload_document(village, applied, "id_card", "id.pdf", b"%PDF-1.4")
    service_actions.submit_application(
        village,
        applied,
        "child_rehabilitation",
        {"concern": "说话晚"},
        {"id_card": id_card},
        idempotency_key="test-demo-applied",
        day=dt.date(2025, 8, 4),
    )
    demo = generate_portal_demo()
    assert (demo.citizen_person, demo.child) == (adult, youngest_free)
    assert older.pk < youngest_free.pk
