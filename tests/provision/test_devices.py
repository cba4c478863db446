"""Assistive devices: the catalogue loader, the loan pool's state machine with its history,
and a device case carried to handover with the subsidy settled on the spot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.provision.conftest import DAY, REGION
from tongxing.core.models import AuditEvent
from tongxing.devices import actions
from tongxing.devices.catalogue import CatalogueFileError, load_catalogue, read_catalogue
from tongxing.devices.models import (
    CaseStatus,
    CatalogueItem,
    DeviceCase,
    Handover,
    LoanEvent,
    LoanItem,
    LoanState,
)


def test_the_catalogue_loads_once_and_a_second_load_changes_nothing(db):
    first = load_catalogue(REGION)
    events = AuditEvent.objects.count()
    second = load_catalogue(REGION)
    assert first.created == 12 and first.updated == 0
    assert (second.created, second.updated, second.unchanged) == (0, 0, 12)
    assert AuditEvent.objects.count() == events
    chair = CatalogueItem.objects.get(code="wheelchair_manual")
    assert chair.subsidy_cap == Decimal("800.00")
    assert chair.eligible_categories == [4, 7]
    assert chair.verified is False


def test_a_bad_catalogue_names_the_item_line_and_reason_and_loads_nothing(db, tmp_path):
    pack = tmp_path / "pack"
    (pack / "devices").mkdir(parents=True)
    (pack / "devices" / "catalogue.yaml").write_text(
        "items:\n"
        "  - code: chair\n"
        "    category: mobility\n"
        "    name: 轮椅\n"
        "    replacement_group: wheelchair\n"
        "    subsidy_cap: -5\n"
        "    replacement_years: 5\n"
        "    eligible_categories: [4, 9]\n"
        "    loanable: true\n"
        "    source: x\n"
        "    verified: false\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueFileError) as raised:
        read_catalogue(pack)
    text = str(raised.value)
    assert "pack/devices/catalogue.yaml line 6: items[1].subsidy_cap" in text
    assert "pack/devices/catalogue.yaml line 8: items[1].eligible_categories" in text
    assert not CatalogueItem.objects.exists()


@pytest.fixture
def pool(centre, provider, catalogue):
    return actions.add_loan_items(
        provider, centre, catalogue["wheelchair_manual"], ["LW-001", "LW-002"], on=DAY
    )


def test_lending_returning_repairing_and_recycling_write_one_history_row_each(
    pool, provider, wheelchair_user
):
    item = pool[0]
    actions.lend_item(provider, item, wheelchair_user, on=DAY, due_on=DAY + dt.timedelta(days=90))
    actions.return_item(provider, item, on=DAY + dt.timedelta(days=30), condition="worn")
    actions.send_to_repair(provider, item, on=DAY + dt.timedelta(days=31), note="刹车松")
    actions.return_from_repair(provider, item, on=DAY + dt.timedelta(days=40), condition="good")
    actions.recycle_item(provider, item, on=DAY + dt.timedelta(days=41), note="车架裂")
    item.refresh_from_db()
    assert item.state == LoanState.RECYCLED
    history = list(LoanEvent.objects.filter(loan_item=item).values_list("kind", "condition"))
    assert history == [
        ("added", "new"),
        ("lent", "new"),
        ("returned", "worn"),
        ("repair", "worn"),
        ("repaired", "good"),
        ("recycled", "good"),
    ]


def test_lending_an_item_already_lent_is_refused_and_changes_nothing(
    pool, provider, village, wheelchair_user
):
    from tests import factories

    other = factories.make_person(village, name="赵五", certificate={"category": 4, "grade": 3})
    item = actions.lend_item(provider, pool[0], wheelchair_user, on=DAY)
    events = LoanEvent.objects.count()
    with pytest.raises(ValidationError, match="LW-001 is lent"):
        actions.lend_item(provider, item, other, on=DAY + dt.timedelta(days=1))
    item.refresh_from_db()
    assert (item.state, item.borrower_id, item.lent_on) == ("lent", wheelchair_user.pk, DAY)
    assert LoanEvent.objects.count() == events


def test_a_lent_item_cannot_be_recycled_or_sent_for_repair(pool, provider, wheelchair_user):
    item = actions.lend_item(provider, pool[0], wheelchair_user, on=DAY)
    with pytest.raises(ValidationError):
        actions.recycle_item(provider, item, on=DAY, note="x")
    with pytest.raises(ValidationError):
        actions.send_to_repair(provider, item, on=DAY)
    item.refresh_from_db()
    assert item.state == LoanState.LENT


def test_a_person_whose_category_is_not_eligible_cannot_borrow(pool, provider, deaf_person):
    with pytest.raises(ValidationError, match="not in the catalogue"):
        actions.lend_item(provider, pool[0], deaf_person, on=DAY)
    assert LoanItem.objects.get(pk=pool[0].pk).state == LoanState.AVAILABLE


def test_another_centres_provider_cannot_touch_this_pool(pool, other_provider, wheelchair_user):
    with pytest.raises(PermissionDenied):
        actions.lend_item(other_provider, pool[0], wheelchair_user, on=DAY)
    assert LoanItem.objects.get(pk=pool[0].pk).state == LoanState.AVAILABLE


def test_an_asset_tag_already_in_the_pool_is_refused(pool, provider, centre, catalogue):
    with pytest.raises(ValidationError, match="LW-002"):
        actions.add_loan_items(
            provider, centre, catalogue["wheelchair_manual"], ["LW-003", "LW-002"], on=DAY
        )
    assert LoanItem.objects.count() == 2


def carry_to_fitting(county, provider, centre, person, item, price, on=DAY):
    case = actions.open_case(county, person, item)
    actions.record_assessment(
        county, case, on=on, notes="下肢无力", centre=centre, remote_guidance=True
    )
    return actions.record_fitting(provider, case, on=on, item=item, price=Decimal(price))


def test_a_wheelchair_handed_over_is_settled_at_the_cap_and_the_person_pays_the_rest(
    county, provider, centre, catalogue, wheelchair_user
):
    case = carry_to_fitting(
        county, provider, centre, wheelchair_user, catalogue["wheelchair_manual"], "1280.50"
    )
    handover = actions.hand_over(provider, case, on=DAY)
    assert (handover.price, handover.cap, handover.subsidy, handover.person_pays) == (
        Decimal("1280.50"),
        Decimal("800.00"),
        Decimal("800.00"),
        Decimal("480.50"),
    )
    assert handover.cap_verified is False
    actions.record_follow_up(provider, case, on=DAY + dt.timedelta(days=30), notes="使用良好")
    assert DeviceCase.objects.get(pk=case.pk).status == CaseStatus.FOLLOWED_UP


def test_a_device_cheaper_than_the_cap_is_paid_in_full(
    county, provider, centre, catalogue, wheelchair_user
):
    case = carry_to_fitting(
        county, provider, centre, wheelchair_user, catalogue["walker"], "150.00"
    )
    handover = actions.hand_over(provider, case, on=DAY)
    assert (handover.subsidy, handover.person_pays) == (Decimal("150.00"), Decimal("0.00"))


def test_a_second_wheelchair_within_the_replacement_period_is_refused(
    county, provider, centre, catalogue, wheelchair_user
):
    first = carry_to_fitting(
        county, provider, centre, wheelchair_user, catalogue["wheelchair_manual"], "800.00"
    )
    actions.hand_over(provider, first, on=DAY)
    second = carry_to_fitting(
        county, provider, centre, wheelchair_user, catalogue["wheelchair_electric"], "4000.00"
    )
    with pytest.raises(
        ValidationError, match="replacement is due only after 5 years, from 2030-06-02"
    ):
        actions.hand_over(provider, second, on=dt.date(2030, 6, 1))
    assert Handover.objects.count() == 1
    assert DeviceCase.objects.get(pk=second.pk).status == CaseStatus.FITTED
    handover = actions.hand_over(provider, second, on=dt.date(2030, 6, 2))
    assert handover.subsidy == Decimal("3000.00")


def test_a_handover_cannot_be_settled_twice(county, provider, centre, catalogue, wheelchair_user):
    case = carry_to_fitting(
        county, provider, centre, wheelchair_user, catalogue["walker"], "150.00"
    )
    actions.hand_over(provider, case, on=DAY)
    with pytest.raises(ValidationError, match="handed over"):
        actions.hand_over(provider, case, on=DAY)
    assert Handover.objects.count() == 1


def test_only_the_fitting_centres_staff_may_hand_over(
    county, provider, other_provider, centre, catalogue, wheelchair_user
):
    case = carry_to_fitting(
        county, provider, centre, wheelchair_user, catalogue["walker"], "150.00"
    )
    with pytest.raises(PermissionDenied):
        actions.hand_over(other_provider, case, on=DAY)
    assert not Handover.objects.exists()


def test_a_device_outside_the_persons_category_cannot_be_applied_for(
    county, catalogue, deaf_person
):
    with pytest.raises(ValidationError, match="not in the catalogue"):
        actions.open_case(county, deaf_person, catalogue["wheelchair_manual"])
    assert not DeviceCase.objects.exists()


def test_the_service_types_item_choices_are_the_catalogues_items(catalogue):
    """The application form lists the catalogue by code; a code missing on either side
    would offer an item the handlers refuse, or hide one the catalogue has."""
    from tongxing.services.definitions import read_service_files

    definition = next(d for d in read_service_files(REGION) if d["code"] == "assistive_device")
    asked = {o["value"]: o["label"] for o in definition["fields"][0]["options"]}
    fitted = {
        o["value"]: o["label"]
        for step in definition["steps"]
        if step["code"] == "fitting"
        for o in step["fields"][0]["options"]
    }
    names = {code: item.name for code, item in catalogue.items()}
    assert asked == fitted == names
