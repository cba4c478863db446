"""Issue #5's "Done when", end to end through the real pages: a citizen applies for a
wheelchair in the portal, the village worker, the county officers and the device centre
carry it to handover with the subsidy settled, and the citizen rates it; a guardian
applies for child rehabilitation, the child is placed at a Chengdu institution (outside
Bazhong, recognised mutually), the institution records the month and the city settles it
with the cross-region statement.

Every step is a request to the view the role uses in the demo (nothing is done through
the actions directly, except the second child already placed before the story starts).
The steps happen "today", as they would in the demo, so the dates are derived from it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.conftest import cast_member
from tests.provision.conftest import (
    catalogue,
    centre,
    documents_dir,
    make_chengdu,
    parameters,
    placed_child,
)
from tests.services.conftest import services
from tongxing.accounts.roles import Role
from tongxing.devices.models import CaseStatus as DeviceCaseStatus
from tongxing.devices.models import DeviceCase, Handover
from tongxing.portal import actions as portal_actions
from tongxing.portal.models import ActingAs, ServiceRating
from tongxing.rehab.models import Placement, ServiceRecord, Settlement
from tongxing.services.models import Application, ApplicationStatus

__all__ = ["catalogue", "centre", "documents_dir", "parameters", "services"]  # fixtures

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def county_reviewer(db):
    return cast_member("county_reviewer", Role.COUNTY_OFFICER, "511902")


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _token(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found, f"no {name} on the page"
    return found.group(1)


def apply_in_portal(client, person, code: str, answers: list[dict[str, str]]) -> Application:
    """The portal's screens in order: each question, the documents (a new scan of the ID),
    the check screen, then send (twice, as a double click would)."""
    base = f"/portal/person/{person.pk}/apply/{code}/"
    listing = client.get(f"/portal/person/{person.pk}/services/")
    assert f'href="{base}"' in listing.content.decode()
    start = client.get(base)
    assert start.status_code == 200 and start.context["reasons"] == []
    for number, answer in enumerate(answers, start=1):
        response = client.post(f"{base}question/{number}/", answer)
        assert response.status_code == 302, response.context["form"].errors
    response = client.post(
        f"{base}documents/",
        {
            "doc_id_card": "new",
            "file_id_card": SimpleUploadedFile("id.pdf", PDF, "application/pdf"),
        },
    )
    assert response.url == f"{base}check/"
    token = _token(client.get(f"{base}check/").content.decode(), "token")
    sent = client.post(f"{base}check/", {"token": token})
    again = client.post(f"{base}check/", {"token": token})
    application = Application.objects.get(person=person, service_type__code=code)
    assert sent.url == again.url == reverse("portal:application", args=[application.pk])
    return application


def do_step(client, user, application: Application, data: dict | None = None) -> Application:
    """The role opens the application from its inbox and records the current step."""
    client.force_login(user)
    inbox = client.get(reverse("services:inbox")) if user.role != Role.PROVIDER else None
    if inbox is not None:
        assert application.pk in [a.pk for a in inbox.context["page"].object_list]
    page = client.get(reverse("services:application", args=[application.pk]))
    assert page.context["step"] is not None, f"{user} is offered no step"
    assert page.context["step"].code == application.current_step
    response = client.post(
        reverse("services:application_step", args=[application.pk]),
        {"step": application.current_step, **(data or {})},
    )
    assert response.status_code == 302, response.context["step_form"].errors
    application.refresh_from_db()
    return application


@pytest.fixture
def chengdu(city, provider, parameters):
    """Designated with no end date: the story runs "today", whatever day that is."""
    return make_chengdu(city, provider, designated_until=None)


def test_a_citizen_gets_a_wheelchair_settled_at_handover_and_rates_it_once(
    en, services, documents_dir, citizen, village, county, county_reviewer, provider, centre
):
    person = factories.make_person(village, name="陈宏", certificate={"category": 4, "grade": 1})
    portal_actions.link_citizen(village, citizen, person, ActingAs.SELF, phone="13900000011")
    en.force_login(citizen)
    application = apply_in_portal(
        en,
        person,
        "assistive_device",
        [{"item": "wheelchair_manual"}, {"need": "出门需要轮椅"}],
    )
    assert (application.status, application.current_step) == ("in_progress", "review")

    do_step(en, village, application, {"step-f_opinion": "情况属实"})
    do_step(
        en,
        county,
        application,
        {
            "step-f_notes": "双下肢无力，适配手动轮椅",
            "step-f_remote_guidance": "yes",
            "step-facility": centre.pk,
        },
    )
    assert application.facility_id == centre.pk
    do_step(en, county_reviewer, application)
    assert application.status == ApplicationStatus.APPROVED

    # The centre finds the client in its list and fits, hands over and follows up.
    en.force_login(provider)
    clients = en.get(reverse("services:provider_clients")).content.decode()
    assert reverse("services:application", args=[application.pk]) in clients
    do_step(
        en,
        provider,
        application,
        {"step-f_fitted_item": "wheelchair_manual", "step-f_price": "1180.00"},
    )
    do_step(en, provider, application)
    handover = Handover.objects.get(case__application=application)
    # The pack's (unverified) cap for a manual wheelchair; the price is above it.
    assert handover.item.subsidy_cap == Decimal("800.00")
    assert (handover.price, handover.cap, handover.subsidy, handover.person_pays) == (
        Decimal("1180.00"),
        Decimal("800.00"),
        Decimal("800.00"),
        Decimal("380.00"),
    )
    assert application.amount == Decimal("800.00")
    do_step(en, provider, application, {"step-f_follow_up_notes": "使用良好"})
    assert application.status == ApplicationStatus.COMPLETED
    assert DeviceCase.objects.get(application=application).status == (DeviceCaseStatus.FOLLOWED_UP)

    # The citizen sees the steps done and rates the service, once.
    en.force_login(citizen)
    page = en.get(reverse("portal:application", args=[application.pk]))
    assert [line.state for line in page.context["lines"]] == ["done"] * 6
    shown = re.sub(r"\s+", " ", page.content.decode())
    assert "Price 1180.00 yuan: the subsidy paid 800.00 yuan and you paid 380.00 yuan." in shown
    assert "has not yet been confirmed against the official document" in shown  # the cap
    assert page.context["form"] is not None
    rate = reverse("portal:rate", args=[application.pk])
    assert en.post(rate, {"stars": "4", "comment": "适配很耐心"}).status_code == 302
    second = en.post(rate, {"stars": "1", "comment": "again"})
    assert second.status_code == 200
    assert "This service has already been rated." in second.content.decode()
    rating = ServiceRating.objects.get()
    assert (rating.stars, rating.comment, rating.facility_id) == (4, "适配很耐心", centre.pk)

    # The county reads it among its area's ratings.
    en.force_login(county)
    ratings = en.get(reverse("portal:ratings"))
    assert [(row["n"], row["average"]) for row in ratings.context["by_facility"]] == [(1, 4.0)]


def test_a_guardian_gets_child_rehabilitation_in_chengdu_settled_by_the_city(
    en, services, documents_dir, village, county, county_reviewer, provider, city, chengdu
):
    today = timezone.localdate()
    month = today.replace(day=1)
    kid = factories.make_person(
        village,
        name="王小明",
        id_number=factories.new_id_number(dt.date(today.year - 3, 1, 15)),
        certificate={"category": 5, "grade": 2, "issue_date": dt.date(today.year - 1, 1, 10)},
    )
    guardian = cast_member("guardian", Role.CITIZEN, None)
    portal_actions.link_citizen(
        village, guardian, kid, ActingAs.PARENT_OF_CHILD, relation="母亲", phone="13900000012"
    )
    # Another child already at the institution this month: the statement totals two.
    other = placed_child(county, chengdu, name="李小宝", born=dt.date(today.year - 4, 6, 1))

    en.force_login(guardian)
    application = apply_in_portal(
        en, kid, "child_rehabilitation", [{"concern": "三岁还不会说完整的话"}]
    )
    assert (application.status, application.current_step) == ("in_progress", "screening")
    do_step(
        en,
        county,
        application,
        {"step-f_screened_on": today.isoformat(), "step-f_screening_result": "语言发育迟缓"},
    )
    do_step(
        en,
        county,
        application,
        {
            "step-f_diagnosed_on": today.isoformat(),
            "step-f_diagnosis": "智力障碍（轻度）",
            "step-f_diagnosed_by": "四川大学华西第二医院",
        },
    )
    do_step(en, county_reviewer, application)
    page = en.get(reverse("services:application", args=[application.pk]))
    offered = page.context["step_form"].fields["facility"].queryset
    assert chengdu in offered  # outside Bazhong, recognised mutually
    do_step(en, county, application, {"step-facility": chengdu.pk})
    do_step(en, provider, application, {"step-f_start_date": today.isoformat()})
    assert application.status == ApplicationStatus.COMPLETED
    placement = Placement.objects.get(case__application=application)
    assert (placement.institution_id, placement.start, placement.end) == (chengdu.pk, today, None)

    # Admission is not yet a service received: the guardian cannot rate it yet, and is told why.
    en.force_login(guardian)
    waiting = en.get(reverse("portal:application", args=[application.pk]))
    assert waiting.context["form"] is None
    assert "at least one month of services" in waiting.content.decode()
    refused = en.post(reverse("portal:rate", args=[application.pk]), {"stars": "5"})
    assert refused.status_code == 200
    assert refused.context["not_rateable_yet"].startswith("Child rehabilitation can be rated once")
    assert not ServiceRating.objects.exists()

    # The institution records the month for both children; it cannot settle it itself.
    institution_page = reverse("rehab:institution", args=[chengdu.pk])
    en.force_login(provider)
    for placed, sessions, amount in ((placement, "12", "1800.00"), (other, "8", "1234.56")):
        response = en.post(
            institution_page,
            {
                "form": "service",
                "service-placement": placed.pk,
                "service-month": f"{month:%Y-%m}",
                "service-sessions": sessions,
                "service-amount": amount,
            },
        )
        assert response.status_code == 302
    assert ServiceRecord.objects.count() == 2
    assert (
        en.post(institution_page, {"form": "settle", "settle-month": f"{month:%Y-%m}"}).status_code
        == 403
    )
    assert not Settlement.objects.exists()

    # The city settles it (the institution is outside Bazhong) and prints the statement.
    en.force_login(city)
    response = en.post(institution_page, {"form": "settle", "settle-month": f"{month:%Y-%m}"})
    settlement = Settlement.objects.get()
    assert response["Location"] == reverse("rehab:settlement", args=[settlement.pk])
    assert (settlement.settling_area_id, settlement.children) == ("5119", 2)
    assert (settlement.claimed, settlement.payable) == (Decimal("3034.56"), Decimal("3034.56"))
    statement = en.get(response["Location"])
    html = statement.content.decode()
    assert "四川省成都市 (cross-region settlement)" in html
    assert "Designated, recognised mutually" in html
    assert "settled as claimed, without a cap" in html  # the caps are not found
    assert [
        (line.child.name, line.claimed, line.payable) for line in statement.context["lines"]
    ] == [
        ("李小宝", Decimal("1234.56"), Decimal("1234.56")),
        ("王小明", Decimal("1800.00"), Decimal("1800.00")),
    ]
    assert re.search(r"Total</th>\s*<td>3034.56</td><td></td><td></td><td>3034.56</td>", html)

    xlsx = en.get(reverse("rehab:settlement_xlsx", args=[settlement.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    # The header block names whose statement it is, as the HTML one does.
    assert [row[:2] for row in rows[:8]] == [
        ("Settlement statement", None),
        ("Institution", chengdu.name),
        ("Region", "四川省成都市 (cross-region settlement)"),
        ("Settled by", "巴中市"),
        ("Month", f"{month:%Y-%m}"),
        ("Children", 2),
        ("Claimed (yuan)", 3034.56),
        ("Payable (yuan)", 3034.56),
    ]
    assert rows[8] == (None,) * len(rows[8])
    assert rows[9][0] == "Child"
    assert [row[0] for row in rows[10:12]] == ["李小宝", "王小明"]
    # Figures are numbers (a spreadsheet sums them), money shown with two places.
    assert [(row[3], row[4], row[7]) for row in rows[10:12]] == [
        (8, 1234.56, 1234.56),
        (12, 1800.00, 1800.00),
    ]
    assert sheet.cell(row=11, column=5).number_format == "0.00"
    total = rows[-1]
    assert total[3] == "Total"
    assert Decimal(str(total[4])) == Decimal(str(total[7])) == settlement.payable
    assert Decimal(str(rows[10][7])) + Decimal(str(rows[11][7])) == Decimal("3034.56")

    # The guardian rates the placement once it has ended in the portal.
    en.force_login(guardian)
    rate = reverse("portal:rate", args=[application.pk])
    assert en.post(rate, {"stars": "5", "comment": ""}).status_code == 302
    assert ServiceRating.objects.get().facility_id == chengdu.pk
