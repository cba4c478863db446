"""Page flows: applying with a document uploaded on the form (a double submit makes one
application), the inbox with overdue first, a step recorded from its page, a refused
upload's message, and the audited document download."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories
from tests.services.conftest import DAY, applicant, document
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.services import actions
from tongxing.services.models import Application, Document

pytestmark = pytest.mark.usefixtures("documents_dir")


@pytest.fixture
def client_as(client):
    def login(user):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        client.force_login(user)
        return client

    return login


def test_applying_twice_with_the_same_form_makes_one_application(client_as, village, services):
    person = applicant(village)
    client = client_as(village)
    url = reverse("services:apply", args=[person.pk, "legal_aid"])
    form = {"token": "tok-1", "f_matter": "labour", "f_description": "欠薪"}
    first = client.post(url, form)
    second = client.post(url, form)
    app = Application.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("services:application", args=[app.pk])
    assert app.answers == {"matter": "labour", "description": "欠薪", "urgent": False}


def test_an_upload_on_the_apply_form_is_kept_on_the_person(client_as, village, services):
    person = applicant(village)
    response = client_as(village).post(
        reverse("services:apply", args=[person.pk, "certificate_home"]),
        {
            "token": "tok-2",
            "f_request": "reissue",
            "f_reason": "卧床",
            "file_id_card": SimpleUploadedFile("id.pdf", b"%PDF-1.4 z"),
        },
    )
    assert response.status_code == 302
    kept = Document.objects.get(person=person)
    assert (kept.kind, kept.content_type) == ("id_card", "application/pdf")
    assert Application.objects.get().attachments.get().document == kept


def test_a_missing_document_is_named_and_nothing_is_submitted(client_as, village, services):
    person = applicant(village)
    response = client_as(village).post(
        reverse("services:apply", args=[person.pk, "certificate_home"]),
        {"token": "tok-3", "f_request": "reissue", "f_reason": "卧床"},
    )
    assert response.status_code == 200
    assert "身份证或户口簿: a document is required." in response.content.decode()
    assert Application.objects.count() == 0


def test_a_disguised_file_is_refused_with_its_reason(client_as, village, services):
    person = applicant(village)
    response = client_as(village).post(
        reverse("services:person", args=[person.pk]),
        {"kind": "id_card", "file": SimpleUploadedFile("id.pdf", b"<html>not a pdf</html>")},
    )
    assert response.status_code == 200
    assert "id.pdf is not a PDF, JPEG or PNG file" in response.content.decode()
    assert Document.objects.count() == 0


def test_the_inbox_lists_the_overdue_application_first(client_as, village, services):
    early, late = applicant(village), applicant(village)
    newer = actions.submit_application(
        village, late, "legal_aid", {"matter": "other", "description": "x"}, day=DAY
    )
    older = actions.submit_application(
        village,
        early,
        "legal_aid",
        {"matter": "other", "description": "x"},
        day=dt.date(2025, 9, 1),
    )
    county = factories.make_user("c2", "county_officer", "511902")
    response = client_as(county).get(reverse("services:inbox"))
    assert [a.pk for a in response.context["page"]] == [older.pk, newer.pk]
    assert "Overdue" in response.content.decode()


def test_a_step_recorded_from_its_page_moves_the_application_on(client_as, village, services):
    person = applicant(village)
    app = actions.submit_application(
        village,
        person,
        "certificate_home",
        {"request": "reissue", "reason": "x"},
        {"id_card": document(village, person)},
        day=DAY,
    )
    response = client_as(village).post(
        reverse("services:application_step", args=[app.pk]),
        {"step": "check", "step-f_mobility": "卧床多年"},
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert (app.current_step, app.step_data["check"]) == ("decision", {"mobility": "卧床多年"})


def test_opening_a_document_is_audited(client_as, village, services):
    person = applicant(village)
    card = document(village, person)
    response = client_as(village).get(reverse("services:document", args=[card.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="document-{card.pk}.pdf"'
    event = AuditEvent.objects.filter(object_type="services.document").latest("id")
    assert (event.action, event.person_id, event.actor_id) == (
        AuditAction.VIEW,
        person.pk,
        village.pk,
    )
