"""Identifiers are masked unless revealed with a purpose; views and reveals are logged."""

from tests import factories
from tongxing.core.models import AuditAction, AuditEvent


def test_the_search_list_shows_only_masked_id_numbers(client, village, person):
    client.force_login(village)
    page = client.get("/persons/").content.decode()
    assert person.id_number not in page
    assert person.masked_id_number in page


def test_the_person_page_masks_id_certificate_and_phone_numbers(client, village, person):
    client.force_login(village)
    page = client.get(f"/persons/{person.pk}/").content.decode()
    assert person.id_number not in page
    assert person.phone not in page
    assert person.certificate.masked_number in page
    assert "138****5678" in page


def test_opening_a_person_page_is_logged(client, village, person):
    client.force_login(village)
    client.get(f"/persons/{person.pk}/")
    view = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert (view.actor, view.person_id, view.area_code) == (village, person.pk, person.area_id)


def test_revealing_with_a_purpose_shows_the_numbers_and_logs_the_purpose(client, village, person):
    client.force_login(village)
    response = client.post(f"/persons/{person.pk}/reveal/", {"purpose": "核对补贴申请身份证"})
    page = response.content.decode()
    assert response.status_code == 200
    assert person.id_number in page
    assert person.phone in page
    reveal = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert (reveal.actor, reveal.person_id, reveal.purpose) == (
        village,
        person.pk,
        "核对补贴申请身份证",
    )


def test_revealing_without_a_purpose_is_refused_and_not_logged(client, village, person):
    client.force_login(village)
    response = client.post(f"/persons/{person.pk}/reveal/", {"purpose": ""})
    assert response.status_code == 200
    assert person.id_number not in response.content.decode()
    assert "purpose" in response.context["form"].errors
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_the_next_page_after_a_reveal_is_masked_again(client, village, person):
    client.force_login(village)
    client.post(f"/persons/{person.pk}/reveal/", {"purpose": "核对身份"})
    assert person.id_number not in client.get(f"/persons/{person.pk}/").content.decode()


def test_the_audit_log_never_holds_a_full_id_number(village, county, person):
    from tongxing.registry import actions

    actions.update_person(
        village, person, factories.person_data(id_number=person.id_number, phone="13900001111")
    )
    rows = AuditEvent.objects.values_list("changes", "summary", "purpose")
    assert person.id_number not in str(list(rows))
    assert "13900001111" not in str(list(rows))


def test_an_auditor_filters_the_log_by_action_and_person(client, auditor, village, person):
    client.force_login(village)
    client.get(f"/persons/{person.pk}/")
    client.force_login(auditor)
    response = client.get("/audit/", {"action": "view", "person": person.pk})
    assert [(e.action, e.actor) for e in response.context["page"]] == [("view", village)]
