"""Who may open the import pages: county and city officers, for imports of their area.
Everyone else gets 403 (302 to the login when signed out); an import of another county
does not exist for its officer (404), and a refused apply changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.exchange.files import row, upload, xlsx_bytes
from tongxing.exchange import actions
from tongxing.exchange.demo import make_demo_file
from tongxing.registry.models import Person

ROLES = (
    "anonymous",
    "village",
    "neighbour",
    "township",
    "county",
    "other_county",
    "city",
    "department",
    "provider",
    "auditor",
    "citizen",
)
IMPORTERS = {"county", "city", "other_county"}


@pytest.fixture
def batch(county):
    made = actions.upload_import(county, upload(xlsx_bytes([row()])))
    return actions.validate_import(county, made)


def status_for(role: str, scoped: bool) -> int:
    if role == "anonymous":
        return 302
    if role not in IMPORTERS:
        return 403
    if scoped and role == "other_county":
        return 404
    return 200


def login(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["import_list", "import_template"])
def test_unscoped_import_pages(client, request, role, name):
    response = login(client, request, role).get(reverse(f"exchange:{name}"))
    assert response.status_code == status_for(role, scoped=False)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["import_detail", "import_report"])
def test_an_import_is_seen_only_inside_its_area(client, request, role, name, batch):
    response = login(client, request, role).get(reverse(f"exchange:{name}", args=[batch.pk]))
    assert response.status_code == status_for(role, scoped=True)


@pytest.mark.parametrize("role", ROLES)
def test_only_officers_of_the_area_can_apply(client, request, role, batch):
    response = login(client, request, role).post(
        reverse("exchange:import_apply", args=[batch.pk]), {"mode": "all"}
    )
    expected = status_for(role, scoped=True)
    assert response.status_code == (302 if expected == 200 else expected)
    batch.refresh_from_db()
    if role in ("county", "city"):
        assert (batch.state, Person.objects.count()) == ("applied", 1)
    else:
        assert (batch.state, Person.objects.count()) == ("validated", 0)


@pytest.mark.parametrize("role", ROLES)
def test_the_demo_file_is_offered_to_importers(client, request, role, db):
    make_demo_file()
    response = login(client, request, role).get(reverse("exchange:import_demo"))
    assert response.status_code == status_for(role, scoped=False)


def test_upload_through_the_page_checks_the_file_and_shows_the_report(client, county):
    client.force_login(county)
    bad = row(姓名="")
    response = client.post(
        reverse("exchange:import_list"), {"file": upload(xlsx_bytes([row(), bad]))}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "“姓名”必须填写。" in page  # the report speaks the page's language
    assert response.context["batch"].rows_invalid == 1
    assert [c["code"] for c in response.context["counts"]] == ["required"]


def test_the_demo_file_has_the_planted_errors(county):
    path = make_demo_file()
    batch = actions.validate_import(
        county, actions.upload_import(county, upload(path.read_bytes()))
    )
    codes = sorted(set(batch.problems.values_list("code", flat=True)))
    assert codes == [
        "area_not_village",
        "area_unknown",
        "bad_choice",
        "bad_date",
        "certificate_category_mismatch",
        "duplicate_in_file",
        "head_not_found",
        "id_check_character",
        "id_stored_as_number",
        "issued_before_birth",
        "required",
    ]
    assert (batch.rows_total, batch.rows_invalid) == (51, 12)


def test_a_large_file_is_checked_and_applied_as_background_jobs(
    client, county, settings, django_capture_on_commit_callbacks
):
    from tongxing.core.jobs import run_queued_jobs
    from tongxing.core.models import Job, JobStatus
    from tongxing.exchange.models import ImportBatch

    settings.TONGXING_IMPORT_INLINE_BYTES = 0  # every file counts as large
    client.force_login(county)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exchange:import_list"), {"file": upload(xlsx_bytes([row(), row()]))}
        )
    check = Job.objects.get(kind="imports.validate")
    assert response["Location"] == reverse("jobs:detail", args=[check.pk])
    assert ImportBatch.objects.get().state == "uploaded"  # nothing checked yet
    run_queued_jobs()
    check.refresh_from_db()
    batch = ImportBatch.objects.get()
    assert (check.status, batch.state, batch.rows_total) == (JobStatus.SUCCEEDED, "validated", 2)
    assert check.result["url"] == batch.get_absolute_url()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:import_apply", args=[batch.pk]), {"mode": "all"})
    assert Person.objects.count() == 0
    run_queued_jobs()
    batch.refresh_from_db()
    assert (batch.state, batch.created_count, Person.objects.count()) == ("applied", 2, 2)
