"""Documents: type read from the content, size checked, kept once on the person and
reused by later applications; stored outside the web root."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.services.conftest import DAY, applicant
from tongxing.services import actions
from tongxing.services.models import Document

pytestmark = pytest.mark.usefixtures("services")


def test_a_pdf_is_kept_once_and_stored_by_its_hash(village, documents_dir):
    person = applicant(village)
    first = actions.upload_document(village, person, "id_card", "id.pdf", b"%PDF-1.7 a")
    again = actions.upload_document(village, person, "id_card", "copy.pdf", b"%PDF-1.7 a")
    assert again.pk == first.pk
    assert Document.objects.count() == 1
    assert (documents_dir / first.sha256[:2] / first.sha256).read_bytes() == b"%PDF-1.7 a"


def test_an_executable_named_pdf_is_refused_and_nothing_kept(village, documents_dir):
    person = applicant(village)
    with pytest.raises(ValidationError) as error:
        actions.upload_document(village, person, "id_card", "id.pdf", b"MZ\x90\x00 program")
    assert error.value.messages == [
        "id.pdf is not a PDF, JPEG or PNG file (its content was checked, not its name)."
    ]
    assert Document.objects.count() == 0


def test_a_png_named_jpg_is_refused(village, documents_dir):
    person = applicant(village)
    with pytest.raises(ValidationError) as error:
        actions.upload_document(village, person, "photo", "a.jpg", b"\x89PNG\r\n\x1a\nxx")
    assert error.value.messages == ["a.jpg is named as another type than its content (image/png)."]


def test_an_oversized_file_is_refused(village, documents_dir, settings):
    settings.TONGXING_DOCUMENT_MAX_BYTES = 1024 * 1024
    person = applicant(village)
    with pytest.raises(ValidationError) as error:
        actions.upload_document(
            village, person, "id_card", "big.pdf", b"%PDF-" + b"0" * (2 * 1024 * 1024)
        )
    assert error.value.messages == ["big.pdf is 2.0 MB; the largest allowed is 1.0 MB."]
    assert Document.objects.count() == 0


def test_a_kept_document_is_reused_by_a_later_application(village, documents_dir):
    person = applicant(village)
    card = actions.upload_document(village, person, "id_card", "id.pdf", b"%PDF-1.7 a")
    first = actions.submit_application(
        village,
        person,
        "certificate_home",
        {"request": "reissue", "reason": "x"},
        {"id_card": card},
        day=DAY,
    )
    second = actions.submit_application(
        village,
        person,
        "home_renovation",
        {"needs": "x", "owner_consent": "yes"},
        {"id_card": card},
        day=DAY,
    )
    assert first.attachments.get().document == second.attachments.get().document == card


def test_another_persons_document_cannot_be_attached(village, documents_dir):
    person, other = applicant(village), applicant(village)
    card = actions.upload_document(village, other, "id_card", "id.pdf", b"%PDF-1.7 b")
    with pytest.raises(ValidationError):
        actions.submit_application(
            village,
            person,
            "certificate_home",
            {"request": "reissue", "reason": "x"},
            {"id_card": card},
            day=DAY,
        )
    assert person.service_applications.count() == 0


def test_staff_of_another_village_cannot_upload(village, neighbour, documents_dir):
    person = applicant(village)
    with pytest.raises(PermissionDenied):
        actions.upload_document(neighbour, person, "id_card", "id.pdf", b"%PDF-1.7 a")
    assert Document.objects.count() == 0


def test_the_documents_directory_is_outside_the_static_root(settings):
    documents = str(settings.TONGXING_DOCUMENTS_DIR)
    assert not documents.startswith(str(settings.STATIC_ROOT))
    assert "documents" in documents
