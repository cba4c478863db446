"""The API call log page: auditors and city officers only, each within their area; exact
filters; exports through the shared writer (formula-neutralised, never the token); every
read and export audited; and the per-token summary on the token's page."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from tests import factories
from tests.api.test_tokens import ROLES, create, login
from tongxing.accounts.roles import Role
from tongxing.api.models import ApiCall
from tongxing.core.models import AuditEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = reverse("api_clients:calls")
EXPORT = reverse("api_clients:calls_export")


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


def call(token, when, status=200, endpoint="check_certificate", outcome=None) -> ApiCall:
    return ApiCall.objects.create(
        token=token,
        purpose=token.purpose if token else "",
        endpoint=endpoint,
        method="POST",
        status=status,
        outcome=outcome or ("ok" if status < 400 else f"http_{status}"),
        at=when,
        duration_ms=12,
    )


@pytest.fixture
def tokens(city, department, hospital):
    bus, _raw = create(city, hospital, name="巴中公交")
    deaths, _raw = create(city, department, name="民政 deaths", purpose="list.civil_deaths")
    return bus, deaths


@pytest.fixture
def calls(tokens):
    bus, deaths = tokens
    return {
        "bus_ok": call(bus, at(1)),
        "bus_refused": call(bus, at(2), status=429, outcome="rate_limited"),
        "deaths_ok": call(deaths, at(3), status=201, endpoint="submit_list"),
        "deaths_failed": call(deaths, at(4, 23), status=500, endpoint="submit_list"),
        "unknown": call(None, at(5), status=401, outcome="invalid_token"),
    }


@pytest.fixture
def tongjiang(city, db):
    """A 通江县 civil-affairs account with a token for its county, and one call."""
    account = factories.make_user("dept_tongjiang", Role.DEPARTMENT, "511921", "civil_affairs")
    token, _raw = create(city, account, name="通江 bus", area_code="511921")
    return call(token, at(6))


@pytest.fixture
def county_auditor(db):
    return factories.make_user("auditor_tongjiang", Role.AUDITOR, "511921")


def shown(response) -> list[int]:
    return [row.pk for row in response.context["page"].object_list]


def log_reads() -> list[tuple]:
    return list(
        AuditEvent.objects.filter(object_type="api.call")
        .order_by("id")
        .values_list("actor__username", "action", "summary", "changes")
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_call_log_opens_only_for_auditors_and_city_officers(client, request, role):
    response = login(client, request, role).get(URL)
    assert response.status_code == (200 if role in ("city", "auditor") else 403)
    export = client.get(EXPORT, {"format": "csv"})
    assert export.status_code == (200 if role in ("city", "auditor") else 403)
    readers = {"city", "auditor"} & {role}
    assert [r[0] for r in log_reads()] == [*readers, *readers]


def test_the_city_auditor_sees_every_call_of_the_region_newest_first(
    client, request, calls, tongjiang
):
    response = login(client, request, "auditor").get(URL)
    assert shown(response) == [
        tongjiang.pk,
        calls["unknown"].pk,
        calls["deaths_failed"].pk,
        calls["deaths_ok"].pk,
        calls["bus_refused"].pk,
        calls["bus_ok"].pk,
    ]


def test_a_county_auditor_sees_only_their_countys_calls_and_cannot_name_another_token(
    client, calls, tongjiang, county_auditor, tokens
):
    client.force_login(county_auditor)
    response = client.get(URL)
    assert shown(response) == [tongjiang.pk]
    assert "巴中公交" not in response.content.decode()
    refused = client.get(URL, {"token": tokens[0].pk})
    assert shown(refused) == []
    assert list(refused.context["form"].errors) == ["token"]
    assert "巴中公交" not in refused.content.decode()
    export = client.get(EXPORT, {"format": "csv", "token": tokens[0].pk})
    assert export.status_code == 302
    rows = list(csv.reader(io.StringIO(b"".join(client.get(EXPORT, {"format": "csv"})).decode())))
    assert [row[1] for row in rows[1:]] == ["通江 bus"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"purpose": "list.civil_deaths"}, ["deaths_failed", "deaths_ok"]),
        ({"endpoint": "check_certificate"}, ["unknown", "bus_refused", "bus_ok"]),
        ({"status": "2xx"}, ["deaths_ok", "bus_ok"]),
        ({"status": "4xx"}, ["unknown", "bus_refused"]),
        ({"status": "5xx"}, ["deaths_failed"]),
        (
            {"date_from": "2026-11-02", "date_to": "2026-11-04"},
            ["deaths_failed", "deaths_ok", "bus_refused"],
        ),
        ({"date_to": "2026-11-01"}, ["bus_ok"]),
        ({"status": "4xx", "endpoint": "submit_list"}, []),
    ],
)
def test_the_filters_narrow_the_log_exactly(client, request, calls, params, expected):
    response = login(client, request, "auditor").get(URL, params)
    assert shown(response) == [calls[name].pk for name in expected]


def test_the_token_and_account_filters_narrow_to_their_calls(
    client, request, calls, tokens, department
):
    login(client, request, "auditor")
    assert shown(client.get(URL, {"token": tokens[0].pk})) == [
        calls["bus_refused"].pk,
        calls["bus_ok"].pk,
    ]
    assert shown(client.get(URL, {"account": department.pk})) == [
        calls["deaths_failed"].pk,
        calls["deaths_ok"].pk,
    ]


def test_a_day_before_the_first_is_refused_and_shows_nothing(client, request, calls):
    response = login(client, request, "auditor").get(
        URL, {"date_from": "2026-11-04", "date_to": "2026-11-01"}
    )
    assert response.context["form"].errors == {"date_to": ["The last day comes before the first."]}
    assert shown(response) == []


def test_reading_the_log_is_audited_with_its_filters(client, request, calls, tokens):
    login(client, request, "auditor").get(URL, {"token": tokens[0].pk, "status": "4xx"})
    assert log_reads() == [
        (
            "auditor",
            "view",
            "API call log read: page 1, 1 calls",
            {"filters": {"token": tokens[0].pk, "status": "4xx"}, "page": 1},
        )
    ]


def test_the_csv_export_is_neutralised_and_never_holds_the_token(client, request, city, hospital):
    token, raw = create(city, hospital, name='=HYPERLINK("http://x")')
    call(token, at(7, 9))
    login(client, request, "auditor")
    response = client.get(EXPORT, {"format": "csv", "status": "2xx"})
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    text = body.decode("utf-8-sig")
    assert raw not in text and token.key_hash not in text
    assert list(csv.reader(io.StringIO(text))) == [
        [
            "Time",
            "Client",
            "Token begins",
            "Department account",
            "Department",
            "Purpose",
            "Endpoint",
            "Method",
            "Answer",
            "Outcome",
            "Duration (ms)",
        ],
        [
            "2026-11-07 09:00:00+08:00",
            '\'=HYPERLINK("http://x")',
            f"{token.prefix}…",
            "hospital",
            "A body outside government (e.g. a bus company or a hospital)",
            "Certificate check for free bus rides (valid or not)",
            "check_certificate",
            "POST",
            "200",
            "ok",
            "12",
        ],
    ]
    assert log_reads() == [
        (
            "auditor",
            "export",
            "API call log csv: 1 calls",
            {"filters": {"status": "2xx"}, "rows": 1, "format": "csv"},
        )
    ]


def test_the_xlsx_export_has_the_filtered_calls(client, request, calls):
    response = login(client, request, "city").get(EXPORT, {"format": "xlsx", "status": "5xx"})
    assert response["Content-Disposition"].startswith('attachment; filename="api-calls-')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[1] == [
        dt.datetime(2026, 11, 4, 23, 0),
        "民政 deaths",
        rows[1][2],
        "department",
        "Civil affairs (民政)",
        "Deaths (cremation and funeral records)",
        "submit_list",
        "POST",
        500,
        "http_500",
        12,
    ]
    assert rows[1][2].endswith("…") and len(rows) == 2
    assert log_reads()[0][1:3] == ("export", "API call log xlsx: 1 calls")


def test_an_unknown_export_format_is_not_found_and_not_logged(client, request, calls):
    assert login(client, request, "auditor").get(EXPORT, {"format": "pdf"}).status_code == 404
    assert log_reads() == []


def test_the_token_page_sums_up_its_calls(client, request, calls, tokens):
    response = login(client, request, "city").get(
        reverse("api_clients:detail", args=[tokens[1].pk])
    )
    assert response.context["summary"] == {
        "calls": 2,
        "refused": 0,
        "failed": 1,
        "last": at(4, 23),
    }
    bus = login(client, request, "city").get(reverse("api_clients:detail", args=[tokens[0].pk]))
    assert (bus.context["summary"]["calls"], bus.context["summary"]["refused"]) == (2, 1)
    assert f"?token={tokens[0].pk}" in bus.content.decode()
