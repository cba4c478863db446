"""Applying for a service in the portal: one question per screen, documents on file
reused, a check screen, one application however often the last screen is sent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.registry import actions as registry_actions
from tongxing.services import actions as service_actions
from tongxing.services.models import Application, ApplicationDocument, Document

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SERVICE = "home_renovation"


@pytest.fixture
def signed_in(client, linked_citizen, services, documents_dir):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(linked_citizen)
    return client


def base(person) -> str:
    return f"/portal/person/{person.pk}/apply/{SERVICE}/"


def test_a_citizen_applies_reusing_a_document_on_file_and_uploading_another(
    signed_in, linked_citizen, self_person, village
):
    id_card = service_actions.upload_document(
        village, self_person, "id_card", "id.pdf", b"%PDF-1.4 card"
    )
    listing = signed_in.get(f"/portal/person/{self_person.pk}/services/").content.decode()
    assert f'href="{base(self_person)}"' in listing
    start = signed_in.get(base(self_person))
    assert start.status_code == 200
    assert start.context["first"] == base(self_person) + "question/1/"

    empty = signed_in.post(base(self_person) + "question/1/", {"needs": ""})
    assert empty.status_code == 200
    assert empty.context["form"].errors["needs"] == ["This field is required."]
    step = signed_in.post(base(self_person) + "question/1/", {"needs": "门口台阶"})
    assert step.url == base(self_person) + "question/2/"
    step = signed_in.post(base(self_person) + "question/2/", {"owner_consent": "yes"})
    assert step.url == base(self_person) + "documents/"

    page = signed_in.get(base(self_person) + "documents/")
    assert page.context["form"].fields["doc_id_card"].choices[0][0] == str(id_card.pk)
    step = signed_in.post(
        base(self_person) + "documents/",
        {
            "doc_id_card": str(id_card.pk),
            "doc_home_photo": "new",
            "file_home_photo": SimpleUploadedFile("home.png", PNG, "image/png"),
        },
    )
    assert step.url == base(self_person) + "check/"
    photo = Document.objects.get(person=self_person, kind="home_photo")
    assert photo.uploaded_by == linked_citizen

    check = signed_in.get(base(self_person) + "check/")
    token = check.context["token"]
    shown = [(spec.key, value) for spec, value, _url in check.context["rows"]]
    assert shown == [("needs", "门口台阶"), ("owner_consent", "Yes")]
    sent = signed_in.post(base(self_person) + "check/", {"token": token})
    application = Application.objects.get(person=self_person)
    assert sent.url == f"/portal/application/{application.pk}/"
    assert application.answers == {"needs": "门口台阶", "owner_consent": True}
    assert application.submitted_by == linked_citizen
    assert application.current_step == "survey"
    assert set(
        ApplicationDocument.objects.filter(application=application).values_list(
            "requirement", "document_id"
        )
    ) == {("id_card", id_card.pk), ("home_photo", photo.pk)}

    again = signed_in.post(base(self_person) + "check/", {"token": token})
    assert again.url == f"/portal/application/{application.pk}/"
    assert Application.objects.filter(person=self_person).count() == 1


def test_a_file_that_is_not_a_pdf_jpeg_or_png_is_refused_and_nothing_is_kept(
    signed_in, self_person
):
    signed_in.post(base(self_person) + "question/1/", {"needs": "扶手"})
    response = signed_in.post(
        base(self_person) + "documents/",
        {
            "doc_id_card": "new",
            "file_id_card": SimpleUploadedFile("id.pdf", b"MZ\x90\x00 not a pdf"),
            "doc_home_photo": "none",
        },
    )
    assert response.status_code == 200
    assert "not a PDF, JPEG or PNG file" in response.context["form"].errors["file_id_card"][0]
    assert Document.objects.count() == 0


def test_choosing_to_upload_without_a_file_asks_for_the_file(signed_in, self_person):
    response = signed_in.post(
        base(self_person) + "documents/", {"doc_id_card": "new", "doc_home_photo": "none"}
    )
    assert response.context["form"].errors["file_id_card"] == ["Choose the file to upload."]


def test_a_document_of_another_person_cannot_be_chosen(signed_in, self_person, village):
    other = factories.make_person(village, name="李四")
    theirs = service_actions.upload_document(village, other, "id_card", "id.pdf", b"%PDF-1.4 x")
    response = signed_in.post(
        base(self_person) + "documents/",
        {"doc_id_card": str(theirs.pk), "doc_home_photo": "none"},
    )
    assert response.status_code == 200
    assert "doc_id_card" in response.context["form"].errors
    assert not Application.objects.exists()


def test_sending_without_the_required_document_names_it_and_sends_nothing(signed_in, self_person):
    signed_in.post(base(self_person) + "question/1/", {"needs": "扶手"})
    signed_in.post(base(self_person) + "question/2/", {"owner_consent": "no"})
    check = signed_in.get(base(self_person) + "check/")
    response = signed_in.post(base(self_person) + "check/", {"token": check.context["token"]})
    assert response.status_code == 200
    assert response.context["problems"] == ["身份证或户口簿: a document is required."]
    assert not Application.objects.exists()


def test_a_person_who_may_not_apply_is_told_why_and_cannot_reach_the_questions(
    signed_in, self_person, county
):
    registry_actions.freeze_certificate(county, self_person, dt.date(2025, 6, 1), reason="核查")
    start = signed_in.get(base(self_person))
    assert start.context["reasons"] == [
        "The person has no valid disability certificate on that day."
    ]
    assert signed_in.get(base(self_person) + "question/1/").url == base(self_person)


@pytest.mark.parametrize("role", ["guardian", "stranger", "village", "county"])
def test_nobody_else_applies_for_the_person_through_the_portal(
    client, request, role, self_person, linked_citizen, services, documents_dir
):
    client.force_login(request.getfixturevalue(role))
    before = AuditEvent.objects.filter(action=AuditAction.REFUSED).count()
    for path in ("", "question/1/", "documents/", "check/"):
        assert client.get(base(self_person) + path).status_code == 404
    assert client.post(base(self_person) + "check/", {"token": "x"}).status_code == 404
    assert client.get(f"/portal/person/{self_person.pk}/services/").status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.REFUSED).count() == before + 6
    assert not Application.objects.exists()


def test_a_guardian_applies_for_their_child(client, guardian, child, services, documents_dir):
    client.force_login(guardian)
    path = f"/portal/person/{child.pk}/apply/legal_aid/"
    client.post(path + "question/1/", {"matter": "family"})
    client.post(path + "question/2/", {"description": "抚养费"})
    client.post(path + "question/3/", {"urgent": "no"})
    check = client.get(path + "check/")
    client.post(path + "check/", {"token": check.context["token"]})
    application = Application.objects.get(person=child)
    assert application.answers == {"matter": "family", "description": "抚养费", "urgent": False}
    assert application.submitted_by == guardian
