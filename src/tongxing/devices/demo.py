"""The assistive-device and child-rehabilitation demo (``generate_provision_demo``).

Builds, on top of the demo population and accounts, with the reference date 2025-12-31:

* one device centre (a ``services.Facility`` of kind ``device_centre``) per county, each
  with a loan pool: 4 manual wheelchairs, 3 walkers, 3 pairs of crutches and 2 commode
  chairs; in every centre one wheelchair is lent to a demo borrower and one walker is in
  repair (so stock, history and the state machine show). The demo ``provider`` account
  (巴州区康复中心) works for the 巴州区 centre;
* three rehabilitation institutions: 巴州区 (local, designated from 2020-01-01), 成都 and
  重庆 (outside Bazhong, recognised mutually, 2023-01-01/2024-01-01 to 2026-12-31). The
  ``provider`` account also works for the 巴州区 and 成都 institutions;
* the issue's "Done when" state: a wheelchair application by 张轮椅 in 东城街道第1社区
  waiting at the village review, which the village worker, the county officer and the
  centre carry to handover (the subsidy is settled there); a second, earlier one already
  handed over and followed up (a settlement row to look at); a child, 李小宝 (born
  2021-03-15), placed at the 成都 institution on 2025-09-01 with service records for
  September to November, September and October settled by the city, November waiting;
  a younger child, 王小满 (born 2023-05-20), with no application: the demo guardian's
  child, who applies in the portal.

The demo persons are registered here (fixed ID numbers) rather than drawn from the
generated population, so the scenario does not depend on its size. Amounts and dates are
invented for the demo; the catalogue caps are the pack's unverified figures and the
rehabilitation caps are not found, so the settlements say the cap was not applied. A
second run finds the demo applications by their idempotency keys and does nothing.
Nothing is drawn at random: every record is listed here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from tongxing.accounts.models import User
from tongxing.areas.models import Area, AreaLevel
from tongxing.core.idnumbers import make_id_number
from tongxing.devices import actions as devices
from tongxing.devices.catalogue import load_catalogue
from tongxing.devices.models import CatalogueItem, LoanItem
from tongxing.registry import actions as registry
from tongxing.registry.models import Person
from tongxing.rehab import actions as rehab
from tongxing.rehab.models import Placement
from tongxing.services import actions as services
from tongxing.services.models import Application, Document, Facility, FacilityKind

REFERENCE_DATE = dt.date(2025, 12, 31)
VILLAGE = "511902001001"
KEY_WAITING = "demo-provision-wheelchair-waiting"
KEY_DONE = "demo-provision-wheelchair-done"
KEY_CHILD = "demo-provision-child-chengdu"
POOL = (("wheelchair_manual", "LW", 4), ("walker", "ZX", 3), ("crutches_elbow", "ZG", 3))
POOL += (("commode_chair", "ZB", 2),)
INSTITUTIONS = (
    # name, area code or None, region, designated from, until, mutual recognition
    ("巴州区残疾儿童康复中心（演示）", "511902", "", dt.date(2020, 1, 1), None, False),
    (
        "成都市儿童康复中心（演示）",
        None,
        "四川省成都市",
        dt.date(2023, 1, 1),
        dt.date(2026, 12, 31),
        True,
    ),
    (
        "重庆市残疾儿童康复中心（演示）",
        None,
        "重庆市",
        dt.date(2024, 1, 1),
        dt.date(2026, 12, 31),
        True,
    ),
)


@dataclass
class ProvisionDemoReport:
    created: bool
    centres: int = 0
    loan_items: int = 0
    institutions: int = 0
    applications: int = 0
    settlements: int = 0


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _facility(actor: User, **values: object) -> Facility:
    found = Facility.objects.filter(name=values["name"], kind=values["kind"]).first()
    return found or services.create_facility(actor, services.FacilityData(**values))  # type: ignore[arg-type]


def _person(actor: User, name: str, born: dt.date, seq: int, category: int, grade: int) -> Person:
    # A generated person may hold the same birth date and sequence: skip to a free number
    # (or to this demo person, registered by an earlier run).
    while True:
        id_number = make_id_number("511902", born, seq)
        found = Person.objects.with_id_number(id_number).first()
        if found is None:
            break
        if found.name == name:
            return found
        seq += 1
    return registry.register_person(
        actor,
        registry.PersonData(
            id_number=id_number,
            name=name,
            hukou_type="rural",
            area=Area.objects.get(code=VILLAGE),
            address="东城街道演示路1号",
            phone="13800000000",
        ),
        registry.CertificateData(category=category, grade=grade, issue_date=dt.date(2024, 5, 6)),
    )


def _document(actor: User, person: Person) -> Document:
    return services.upload_document(actor, person, "id_card", "户口簿.pdf", b"%PDF-1.4 demo")


def _centres(city: User, provider: User) -> list[Facility]:
    centres = []
    for county in Area.objects.filter(level=AreaLevel.COUNTY).order_by("code"):
        centre = _facility(
            city,
            name=f"{county.name}辅具服务中心（演示）",
            kind=FacilityKind.DEVICE_CENTRE,
            area=county,
            designated=True,
            designated_from=dt.date(2021, 1, 1),
            contact_phone="0827-0000000",
        )
        centres.append(centre)
        if LoanItem.objects.filter(centre=centre).exists():
            continue
        for code, prefix, count in POOL:
            devices.add_loan_items(
                city,
                centre,
                CatalogueItem.objects.get(code=code),
                [f"{county.code}-{prefix}-{n:02d}" for n in range(1, count + 1)],
                on=dt.date(2025, 1, 6),
            )
        walker = LoanItem.objects.get(centre=centre, tag=f"{county.code}-ZX-01")
        devices.send_to_repair(city, walker, on=dt.date(2025, 11, 20), note="轮子松动")
    bazhou = centres[0] if centres else None
    if bazhou is not None:
        services.add_facility_member(city, bazhou, provider)
    return centres


@transaction.atomic
def generate_provision_demo(seed: int = 2025) -> ProvisionDemoReport:
    """``seed`` is accepted like the other demos' but nothing here is drawn at random."""
    if Application.objects.filter(idempotency_key=KEY_CHILD).exists():
        return ProvisionDemoReport(created=False)
    settings.TONGXING_DOCUMENTS_DIR.mkdir(parents=True, exist_ok=True)
    load_catalogue(settings.TONGXING_REGION)
    village, county, city, provider = (
        _user(name) for name in ("village", "county", "city", "provider")
    )
    centres = _centres(city, provider)
    bazhou_centre = centres[0]
    institutions = []
    for name, area, region, start, until, mutual in INSTITUTIONS:
        institution = _facility(
            city,
            name=name,
            kind=FacilityKind.REHAB_INSTITUTION,
            area=Area.objects.get(code=area) if area else None,
            region=region,
            designated=True,
            designated_from=start,
            designated_until=until,
            mutual_recognition=mutual,
            capacity=60,
        )
        institutions.append(institution)
    for institution in institutions[:2]:
        services.add_facility_member(city, institution, provider)
    chengdu = institutions[1]

    # A borrower per centre in 巴州区 (the demo's own persons live in 东城街道第1社区).
    borrower = _person(village, "王借用", dt.date(1958, 4, 2), 901, 4, 3)
    lent = LoanItem.objects.get(centre=bazhou_centre, tag="511902-LW-01")
    if lent.state == "available":
        devices.lend_item(
            provider, lent, borrower, on=dt.date(2025, 12, 1), due_on=dt.date(2026, 3, 1)
        )

    # Done: an earlier wheelchair carried through to follow-up.
    done_person = _person(village, "赵已配", dt.date(1966, 9, 9), 902, 4, 2)
    day = dt.date(2025, 10, 13)
    app = services.submit_application(
        village,
        done_person,
        "assistive_device",
        {"item": "wheelchair_manual", "need": "外出需要轮椅"},
        {"id_card": _document(village, done_person)},
        idempotency_key=KEY_DONE,
        day=day,
    )
    services.complete_step(village, app, "review", {"opinion": "情况属实"}, day=day)
    services.complete_step(
        county,
        app,
        "assessment",
        {"notes": "双下肢肌力弱，适配普通手动轮椅", "remote_guidance": True},
        facility=bazhou_centre,
        day=dt.date(2025, 10, 20),
    )
    services.approve_application(county, app, "decision", day=dt.date(2025, 10, 21))
    services.complete_step(
        provider,
        app,
        "fitting",
        {"fitted_item": "wheelchair_manual", "price": "1180.00", "fitting_notes": "座宽42cm"},
        day=dt.date(2025, 11, 3),
    )
    services.complete_step(provider, app, "handover", {}, day=dt.date(2025, 11, 10))
    services.complete_step(
        provider, app, "follow_up", {"follow_up_notes": "使用良好"}, day=dt.date(2025, 12, 10)
    )

    # Waiting: the citizen's wheelchair application at the village review.
    waiting = _person(village, "张轮椅", dt.date(1962, 2, 14), 903, 4, 1)
    services.submit_application(
        village,
        waiting,
        "assistive_device",
        {"item": "wheelchair_manual", "need": "行走困难，出门需要轮椅"},
        {"id_card": _document(village, waiting)},
        idempotency_key=KEY_WAITING,
        day=dt.date(2025, 12, 29),
    )

    # A child placed in Chengdu with three months of services, two of them settled.
    kid = _person(village, "李小宝", dt.date(2021, 3, 15), 904, 5, 2)
    app = services.submit_application(
        village,
        kid,
        "child_rehabilitation",
        {"concern": "三岁多还不会说完整的话"},
        {"id_card": _document(village, kid)},
        idempotency_key=KEY_CHILD,
        day=dt.date(2025, 8, 4),
    )
    services.complete_step(
        county,
        app,
        "screening",
        {"screened_on": "2025-08-06", "screening_result": "语言、认知发育迟缓"},
        day=dt.date(2025, 8, 6),
    )
    services.complete_step(
        county,
        app,
        "diagnosis",
        {
            "diagnosed_on": "2025-08-15",
            "diagnosis": "智力障碍（轻度）",
            "diagnosed_by": "四川大学华西第二医院",
        },
        day=dt.date(2025, 8, 15),
    )
    services.approve_application(county, app, "decision", day=dt.date(2025, 8, 20))
    services.complete_step(county, app, "placement", facility=chengdu, day=dt.date(2025, 9, 1))
    services.complete_step(
        provider, app, "admission", {"start_date": "2025-09-01"}, day=dt.date(2025, 9, 1)
    )
    placement = Placement.objects.get(case__application=app)
    for month, sessions, amount in (
        (dt.date(2025, 9, 1), 16, "2400.00"),
        (dt.date(2025, 10, 1), 14, "2100.00"),
        (dt.date(2025, 11, 1), 18, "2700.00"),
    ):
        rehab.record_service(
            provider, placement, month=month, sessions=sessions, amount=Decimal(amount)
        )
    for month in (dt.date(2025, 9, 1), dt.date(2025, 10, 1)):
        rehab.settle_month(city, chengdu, month)

    # A younger child with no application: the demo guardian's (portal/demo.py links the
    # guardian to the youngest certified child without one), who applies in the portal
    # and is placed in Chengdu in issue #5's story. Born 2023, they stay within the 0-6
    # range until 2030.
    _person(village, "王小满", dt.date(2023, 5, 20), 905, 5, 2)
    return ProvisionDemoReport(
        created=True,
        centres=len(centres),
        loan_items=LoanItem.objects.count(),
        institutions=len(institutions),
        applications=3,
        settlements=2,
    )
