"""Exports of the person list: what the user can see, masked unless a purpose is given,
audited with the purpose and the row count, and safe against formula injection."""

from __future__ import annotations

import codecs
import csv
import io

import polars as pl
import pytest
from django.urls import reverse

from tests import factories
from tongxing.core.exports import csv_chunks, neutralise
from tongxing.core.models import AuditEvent

URL = reverse("registry:person_export")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+86 138", "'+86 138"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("张三", "张三"),
        ("511902196005170014", "511902196005170014"),
        (None, ""),
        (42, "42"),
    ],
)
def test_formula_like_cells_are_neutralised(value, expected):
    assert neutralise(value) == expected


def test_csv_starts_with_a_bom_and_neutralises_every_cell():
    data = b"".join(csv_chunks(["=A", "B"], [["@x", "y"]]))
    assert data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8-sig") == "'=A,B\r\n'@x,y\r\n"


def export(client, user, data, query=""):
    client.force_login(user)
    return client.post(URL + query, data)


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_a_village_worker_exports_only_their_village_masked(client, village, neighbour):
    mine = factories.make_person(village, name="张三")
    factories.make_person(neighbour, name="李四", area_code=factories.NEXT_VILLAGE)
    rows = csv_rows(export(client, village, {"file_format": "csv"}))
    assert rows[0][:2] == ["姓名", "身份证号码"]  # the page's language, as on screen
    assert [r[0] for r in rows[1:]] == ["张三"]
    assert rows[1][1] == mine.masked_id_number
    event = AuditEvent.objects.get(action="export")
    assert (event.purpose, event.changes["rows"], event.changes["full_numbers"]) == ("", 1, False)


def test_full_numbers_need_a_purpose_and_the_purpose_is_recorded(client, county, village):
    person = factories.make_person(village, name="=cmd|calc")
    refused = export(client, county, {"file_format": "csv", "full_numbers": "on"})
    assert refused.status_code == 200
    assert "purpose" in refused.context["form"].errors
    assert not AuditEvent.objects.filter(action="export").exists()
    response = export(
        client,
        county,
        {"file_format": "csv", "full_numbers": "on", "purpose": "核对补贴名单"},
    )
    rows = csv_rows(response)
    assert rows[1][:2] == ["'=cmd|calc", person.id_number]
    event = AuditEvent.objects.get(action="export")
    assert (event.purpose, event.changes["rows"], event.changes["full_numbers"]) == (
        "核对补贴名单",
        1,
        True,
    )


def test_the_xlsx_export_follows_the_search_filters(client, county, village):
    factories.make_person(village, name="张三", certificate={"category": 1, "grade": 1})
    factories.make_person(village, name="李四")
    response = export(client, county, {"file_format": "xlsx"}, "?category=1")
    frame = pl.read_excel(b"".join(response.streaming_content), engine="calamine")
    assert frame["姓名"].to_list() == ["张三"]
    assert frame["残疾类别"].to_list() == ["视力残疾"]
    assert AuditEvent.objects.get(action="export").changes["filters"] == {"category": 1}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("village", 200),
        ("township", 200),
        ("county", 200),
        ("city", 200),
        ("department", 403),
        ("provider", 403),
        ("auditor", 403),
        ("citizen", 403),
    ],
)
def test_export_page_access(client, request, role, status):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    assert client.get(URL).status_code == status
