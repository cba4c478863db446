"""The device and rehabilitation pages used as a person would: forms posted, errors
named on the field, nothing changed by a refused post; the settlement statement as a page
and as .xlsx."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from tests.provision.conftest import DAY, placed_child
from tongxing.devices import actions as devices
from tongxing.devices.models import LoanEvent, LoanItem, LoanState
from tongxing.rehab import actions as rehab
from tongxing.rehab.models import ServiceRecord, Settlement


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_centre_adds_items_and_lends_one_from_the_pages(
    en, provider, centre, catalogue, wheelchair_user
):
    en.force_login(provider)
    response = en.post(
        reverse("devices:centre", args=[centre.pk]),
        {"item": catalogue["walker"].pk, "tags": "W-1, W-2", "on": "2025-06-02"},
    )
    assert response.status_code == 302
    item = LoanItem.objects.get(tag="W-1")
    page = reverse("devices:loan_item", args=[item.pk])
    response = en.post(
        page,
        {
            "action": "lend",
            "lend-id_number": wheelchair_user.id_number,
            "lend-on": "2025-06-03",
            "lend-due_on": "2025-09-03",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.state, item.borrower) == (LoanState.LENT, wheelchair_user)
    # The same lend posted again (a double click) changes nothing.
    response = en.post(
        page,
        {"action": "lend", "lend-id_number": wheelchair_user.id_number, "lend-on": "2025-06-03"},
    )
    assert response.status_code == 200
    assert b"This item has changed meanwhile: nothing was done." in response.content
    assert LoanEvent.objects.filter(loan_item=item).count() == 2
    response = en.get(reverse("devices:centre", args=[centre.pk]))
    assert response.context["stock"] == [
        {
            "item__code": "walker",
            "item__name": "助行器（框式）",
            "available": 1,
            "lent": 1,
            "in_repair": 0,
        }
    ]


def test_an_unknown_id_number_is_named_on_the_field(en, provider, centre, catalogue):
    item = devices.add_loan_items(provider, centre, catalogue["walker"], ["W-9"], on=DAY)[0]
    en.force_login(provider)
    response = en.post(
        reverse("devices:loan_item", args=[item.pk]),
        {"action": "lend", "lend-id_number": "511902199001011234", "lend-on": "2025-06-03"},
    )
    assert response.status_code == 200
    assert response.context["panels"][0]["form"].errors == {
        "id_number": ["No registered person has this ID number."]
    }
    assert LoanItem.objects.get(pk=item.pk).state == LoanState.AVAILABLE


def test_the_institution_records_a_month_and_the_city_settles_it_with_a_statement(
    en, county, city, provider, chengdu
):
    placement = placed_child(county, chengdu)
    page = reverse("rehab:institution", args=[chengdu.pk])
    en.force_login(provider)
    response = en.post(
        page,
        {
            "form": "service",
            "service-placement": placement.pk,
            "service-month": "2025-06",
            "service-sessions": "8",
            "service-amount": "1234.56",
        },
    )
    assert response.status_code == 302
    assert ServiceRecord.objects.get().amount == Decimal("1234.56")
    # The institution cannot settle its own month.
    assert en.post(page, {"form": "settle", "settle-month": "2025-06"}).status_code == 403
    en.force_login(city)
    response = en.post(page, {"form": "settle", "settle-month": "2025-06"})
    settlement = Settlement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("rehab:settlement", args=[settlement.pk])
    statement = en.get(response["Location"])
    assert b"cross-region settlement" in statement.content
    assert b"settled as claimed, without a cap" in statement.content
    xlsx = en.get(reverse("rehab:settlement_xlsx", args=[settlement.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    # The header block names the statement, then the table; money is numeric.
    assert [row[:2] for row in rows[:8]] == [
        ("Settlement statement", None),
        ("Institution", "成都市儿童康复中心"),
        ("Region", "四川省成都市 (cross-region settlement)"),
        ("Settled by", "巴中市"),
        ("Month", "2025-06"),
        ("Children", 1),
        ("Claimed (yuan)", 1234.56),
        ("Payable (yuan)", 1234.56),
    ]
    assert rows[10][0] == "小明" and (rows[10][3], rows[10][4], rows[10][7]) == (
        8,
        1234.56,
        1234.56,
    )
    assert rows[-1][3:8] == ("Total", 1234.56, "", "", 1234.56)
    assert Decimal(str(rows[-1][7])) == settlement.payable == Decimal("1234.56")


def test_settling_a_month_twice_from_the_page_names_the_month(en, county, city, provider, chengdu):
    placement = placed_child(county, chengdu)
    rehab.record_service(
        provider, placement, month=dt.date(2025, 6, 1), sessions=1, amount=Decimal("10.00")
    )
    rehab.settle_month(city, chengdu, dt.date(2025, 6, 1))
    en.force_login(city)
    response = en.post(
        reverse("rehab:institution", args=[chengdu.pk]),
        {"form": "settle", "settle-month": "2025-06"},
    )
    assert response.status_code == 200
    assert response.context["settle_form"].errors == {"month": ["That month is already settled."]}
    assert Settlement.objects.count() == 1
