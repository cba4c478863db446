"""Who may open which indicator page, reported values, reports, and the public page."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tongxing.areas.models import Area
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.indicators import actions
from tongxing.indicators.catalogue import CatalogueError, load_indicators, read_catalogue
from tongxing.indicators.models import (
    Indicator,
    Origin,
    Report,
    ReportedStatus,
    ReportedValue,
    ReportStatus,
    Snapshot,
)

CAST = ["village", "township", "county", "other_county", "city", "department", "provider",
        "auditor", "citizen"]  # fmt: skip


def evidence(content: bytes = b"%PDF-1.4 notice") -> SimpleUploadedFile:
    return SimpleUploadedFile("notice.pdf", content, content_type="application/pdf")


def put(code: str, area: str, year: int, value: str, numerator=None, denominator=None) -> None:
    Snapshot.objects.update_or_create(
        indicator=Indicator.objects.get(code=code),
        area_id=area,
        year=year,
        quarter=0,
        defaults={
            "value": Decimal(value),
            "numerator": numerator,
            "denominator": denominator,
            "origin": Origin.COMPUTED,
            "computed_at": timezone.now(),
        },
    )


@pytest.fixture
def figures(catalogue):
    put("certified_persons", "5119", 2025, "1234", 1234)
    put("certified_persons", "511902", 2025, "3", 3)  # a small cell
    put("resident_pension_rate", "5119", 2025, "91.50", 183, 200)
    put("resident_pension_rate", "511902", 2025, "50.00", 1, 2)  # a rate over 2 persons
    put("zero_employment_households", "5119", 2025, "4", 4)


@pytest.fixture
def issued(figures, city):
    report = actions.generate_report(city, "annual", 2025, Area.objects.get(code="5119"))
    return actions.issue_report(city, report.pk)


def client_for(client, user):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    if user is not None:
        client.force_login(user)
    return client


# --- access matrix -------------------------------------------------------------------------

STAFF_PAGES = {
    # page: roles that see it (everyone else: 403; anonymous: sent to sign in)
    "/indicators/": {"township", "county", "other_county", "city", "department"},
    "/indicators/certified_persons/": {"township", "county", "other_county", "city", "department"},
    "/indicators/reported/": {"township", "county", "other_county", "city", "department"},
    "/indicators/reports/": {"township", "county", "other_county", "city", "department"},
}


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("page", list(STAFF_PAGES))
def test_the_access_matrix_of_the_staff_pages(client, request, figures, who, page):
    user = request.getfixturevalue(who)
    response = client_for(client, user).get(page)
    assert response.status_code == (200 if who in STAFF_PAGES[page] else 403)


@pytest.mark.parametrize("page", [*STAFF_PAGES, "/indicators/reports/1/"])
def test_an_anonymous_visitor_is_sent_to_sign_in_for_staff_pages(client, page):
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", [*CAST, None])
def test_everyone_may_open_the_public_page_and_its_data(client, request, issued, who):
    user = request.getfixturevalue(who) if who else None
    c = client_for(client, user)
    assert c.get("/open/plan/").status_code == 200
    assert c.get("/open/plan/indicators.csv").status_code == 200
    assert c.get(f"/open/plan/reports/{issued.pk}/").status_code == 200


def test_a_county_officer_asking_for_another_county_gets_404_and_the_refusal_is_audited(
    client, figures, county
):
    c = client_for(client, county)
    assert c.get("/indicators/?area=511921").status_code == 404
    assert c.get("/indicators/certified_persons/?area=5119").status_code == 404
    refused = AuditEvent.objects.filter(action=AuditAction.REFUSED, area_code="511921")
    assert refused.count() == 1


def test_a_county_officer_cannot_open_the_city_report(client, issued, county):
    response = client_for(client, county).get(f"/indicators/reports/{issued.pk}/")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.REFUSED, area_code="5119").exists()


def test_the_public_page_does_not_show_a_draft_report(client, figures, city):
    draft = actions.generate_report(city, "annual", 2025, Area.objects.get(code="5119"))
    assert client.get(f"/open/plan/reports/{draft.pk}/").status_code == 404


# --- dashboards ----------------------------------------------------------------------------


def test_the_city_dashboard_shows_every_indicator_with_its_target_and_status(client, figures, city):
    page = client_for(client, city).get("/indicators/?year=2025").content.decode()
    assert page.count('<th scope="row"><a href="/indicators/') == Indicator.objects.count() == 32
    assert "城乡居民基本养老保险参保率" in page
    # 91.50 against the (unverified) target of 90: on track.
    assert "91.50 %" in page
    assert "On track" in page
    assert "(unverified)" in page
    # Drill-down links to the five counties.
    assert page.count("?area=5119") >= 5


def test_the_indicator_page_ranks_the_counties_and_repeats_the_chart_as_a_table(
    client, figures, city
):
    put("resident_pension_rate", "511921", 2025, "88.00", 88, 100)
    page = client_for(client, city).get("/indicators/resident_pension_rate/?year=2025")
    text = page.content.decode()
    assert 'id="trend-data"' in text and 'id="trend-caption"' in text
    ranking = [r["area"].code for r in page.context["ranking"]]
    assert ranking[:2] == ["511921", "511902"]  # 88 % before 50 %
    assert page.context["ranking"][1]["status"] == "off_track"
    assert "In 2025 巴中市 stands at 91.50 %: On track." in text


# --- the public page and its data: small cells ----------------------------------------------


def test_the_public_page_suppresses_small_counts_and_rates_over_few_persons(client, figures):
    city_page = client.get("/open/plan/?year=2025").content.decode()
    assert "1234" in city_page
    county = client.get("/open/plan/?area=511902&year=2025").context["rows"]
    shown = {row["indicator"].code: (row["value"], row["withheld"]) for row in county}
    assert shown["certified_persons"] == ("<5", False)
    assert shown["resident_pension_rate"] == ("withheld", True)
    county_page = client.get("/open/plan/?area=511902&year=2025").content.decode()
    assert "&lt;5" in county_page
    assert "50.00" not in county_page


def test_the_open_data_file_suppresses_the_same_cells(client, figures):
    response = client.get("/open/plan/indicators.csv?year=2025", HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    by_key = {(r[0], r[3]): r[6] for r in rows[1:]}
    assert by_key[("5119", "certified_persons")] == "1234"
    assert by_key[("511902", "certified_persons")] == "<5"
    assert by_key[("511902", "resident_pension_rate")] == "withheld (fewer than 5 persons)"
    assert by_key[("5119", "zero_employment_households")] == "<5"
    assert {r[0] for r in rows[1:]} == {"5119", "511902", "511903", "511921", "511922", "511923"}


def test_the_public_report_suppresses_small_counts_but_staff_see_them(client, issued, city):
    put("zero_employment_households", "5119", 2025, "4", 4)
    public = client.get(f"/open/plan/reports/{issued.pk}/").content.decode()
    assert "&lt;5" in public
    staff = client_for(client, city).get(f"/indicators/reports/{issued.pk}/").content.decode()
    assert "<td>4</td>" in staff


# --- reported values -------------------------------------------------------------------------


def test_a_department_reports_a_value_and_a_second_officer_confirms_it(catalogue, department, city):
    indicator = Indicator.objects.get(code="entrepreneurship_bases")
    reported = actions.enter_reported_value(
        department, indicator, Area.objects.get(code="5119"), 2024, Decimal(372), evidence()
    )
    assert not Snapshot.objects.filter(indicator=indicator).exists()
    actions.confirm_reported_value(city, reported.pk)
    snapshot = Snapshot.objects.get(indicator=indicator, area_id="5119", year=2024, quarter=0)
    assert (snapshot.value, snapshot.numerator, snapshot.origin) == (Decimal(372), None, "reported")
    reported.refresh_from_db()
    assert reported.status == ReportedStatus.CONFIRMED
    assert [e.action for e in reported.events.all()] == ["entered", "confirmed"]


def test_the_officer_who_entered_a_value_cannot_confirm_it(catalogue, city):
    indicator = Indicator.objects.get(code="entrepreneurship_bases")
    reported = actions.enter_reported_value(
        city, indicator, Area.objects.get(code="5119"), 2024, Decimal(372), evidence()
    )
    with pytest.raises(ValidationError, match="second officer"):
        actions.confirm_reported_value(city, reported.pk)
    assert ReportedValue.objects.get(pk=reported.pk).status == ReportedStatus.ENTERED
    assert not Snapshot.objects.exists()


@pytest.mark.parametrize(
    ("code", "value", "file", "field", "reason"),
    [
        ("entrepreneurship_bases", "372", None, "evidence", "Attach the document"),
        ("entrepreneurship_bases", "372", b"", "evidence", "Attach the document"),
        ("medical_insurance_rate", "101", b"x", "value", "cannot be more than 100"),
        ("entrepreneurship_bases", "-1", b"x", "value", "cannot be negative"),
        ("entrepreneurship_bases", "3.5", b"x", "value", "whole"),
        ("certified_persons", "3", b"x", "indicator", "computed from the platform"),
    ],
)
def test_a_reported_value_without_evidence_or_outside_its_unit_is_refused(
    catalogue, department, code, value, file, field, reason
):
    upload = None if file is None else evidence(file)
    with pytest.raises(ValidationError) as refused:
        actions.enter_reported_value(
            department,
            Indicator.objects.get(code=code),
            Area.objects.get(code="5119"),
            2024,
            Decimal(value),
            upload,
        )
    assert reason in " ".join(refused.value.message_dict[field])
    assert not ReportedValue.objects.exists()


def test_a_county_officer_cannot_report_for_another_county(catalogue, county):
    with pytest.raises(PermissionDenied):
        actions.enter_reported_value(
            county,
            Indicator.objects.get(code="entrepreneurship_bases"),
            Area.objects.get(code="511921"),
            2024,
            Decimal(3),
            evidence(),
        )
    assert not ReportedValue.objects.exists()


def test_the_reported_value_page_shows_errors_next_to_the_fields(client, catalogue, department):
    c = client_for(client, department)
    indicator = Indicator.objects.get(code="entrepreneurship_bases")
    response = c.post(
        "/indicators/reported/",
        {"indicator": indicator.pk, "area": "5119", "year": 2024, "value": "12"},
    )
    assert response.status_code == 200
    assert "Attach the document" in response.content.decode()
    assert not ReportedValue.objects.exists()


# --- reports -------------------------------------------------------------------------------


def test_an_issued_report_keeps_its_numbers_when_the_snapshots_change(client, issued, city):
    put("resident_pension_rate", "5119", 2025, "70.00", 140, 200)
    again = actions.generate_report(city, "annual", 2025, Area.objects.get(code="5119"))
    assert again.pk == issued.pk
    row = next(r for r in again.rows if r["code"] == "resident_pension_rate")
    assert (row["value"], row["status"]) == ("91.50", "on_track")
    page = client_for(client, city).get(f"/indicators/reports/{issued.pk}/").content.decode()
    assert "91.50" in page and "70.00" not in page


def test_an_issued_report_cannot_be_changed(issued, city):
    with pytest.raises(ValidationError, match="issued"):
        actions.save_narrative(city, issued.pk, {"summary": "later"})
    with pytest.raises(ValidationError, match="issued"):
        actions.issue_report(city, issued.pk)
    assert Report.objects.get(pk=issued.pk).narrative == {}


def test_the_mid_term_evaluation_is_for_2023_only(figures, city):
    with pytest.raises(ValidationError) as refused:
        actions.generate_report(city, "midterm", 2024, Area.objects.get(code="5119"))
    assert "2023" in refused.value.message_dict["year"][0]
    assert not Report.objects.exists()


def test_a_report_is_issued_from_the_page_and_downloaded_as_a_workbook(client, figures, city):
    c = client_for(client, city)
    response = c.post("/indicators/reports/", {"kind": "annual", "year": 2025, "area": "5119"})
    report = Report.objects.get()
    assert response["Location"] == f"/indicators/reports/{report.pk}/"
    c.post(response["Location"], {"summary": "总体良好", "action": "issue"})
    report.refresh_from_db()
    assert (report.status, report.narrative["summary"]) == (ReportStatus.ISSUED, "总体良好")
    workbook = openpyxl.load_workbook(
        io.BytesIO(b"".join(c.get(f"/indicators/reports/{report.pk}/xlsx/").streaming_content))
    )
    sheet = workbook.worksheets[0]
    names = [sheet.cell(row=r, column=1).value for r in range(5, 5 + 32)]
    assert "城乡居民基本养老保险参保率" in names
    pension = names.index("城乡居民基本养老保险参保率") + 5
    assert sheet.cell(row=pension, column=6).value == "90 *"  # unverified target
    assert sheet.cell(row=pension, column=11).value == "91.50"  # 2025
    assert workbook.worksheets[1].cell(row=2, column=1).value == "总体良好"


# --- the catalogue -------------------------------------------------------------------------


def test_loading_the_catalogue_again_changes_nothing(catalogue):
    report = load_indicators("sichuan-bazhong")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 32)


def test_the_catalogue_names_the_line_and_reason_of_each_problem(tmp_path):
    path = tmp_path / "indicators.yaml"
    path.write_text(
        "indicators:\n"
        "  - code: a\n"
        "    name: A\n"
        "    definition: d\n"
        "    unit: percent\n"
        "    attribute: binding\n"
        "    method: guessed\n"
        "    plan: bazhong\n"
        "    source_document: s\n"
        "    baseline: {value: 120, source: s, verified: true}\n"
        "    target: {value: 90}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as error:
        read_catalogue(path)
    text = str(error.value)
    assert "line 7: a.method: 'guessed' is not one of computed, when_available, reported" in text
    assert "a.baseline: a percentage cannot exceed 100" in text
    assert "line 11: a.target: a value needs its source" in text


def test_a_target_cannot_change_after_a_report_that_states_it_was_issued(issued, monkeypatch):
    from tongxing.indicators import catalogue as module

    rows = module.read_catalogue(module.region_dir("sichuan-bazhong") / module.FILE)
    for row in rows:
        if row["code"] == "resident_pension_rate":
            row["target"] = Decimal(95)
    monkeypatch.setattr(module, "read_catalogue", lambda path: rows)
    with pytest.raises(CatalogueError, match=r"resident_pension_rate\.target: cannot change"):
        load_indicators("sichuan-bazhong")
    assert Indicator.objects.get(code="resident_pension_rate").target == Decimal(90)


def test_the_evidence_is_downloaded_under_its_name_by_staff_of_the_area_only(
    client, catalogue, department, other_county
):
    reported = actions.enter_reported_value(
        department,
        Indicator.objects.get(code="entrepreneurship_bases"),
        Area.objects.get(code="5119"),
        2024,
        Decimal(372),
        SimpleUploadedFile("创业基地统计.pdf", b"%PDF-1.4 table", content_type="application/pdf"),
    )
    response = client_for(client, department).get(f"/indicators/reported/{reported.pk}/evidence/")
    assert response.content == b"%PDF-1.4 table"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    client.logout()
    refused = client_for(client, other_county).get(f"/indicators/reported/{reported.pk}/evidence/")
    assert refused.status_code == 404
