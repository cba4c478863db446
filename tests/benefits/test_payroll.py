"""The monthly payroll: preparation as a job, the four-person approval, corrections for
earlier months, the payment files, and refusals that change nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import ProtectedError

from tests import factories
from tongxing.accounts.roles import Role
from tongxing.areas.models import Area
from tongxing.benefits import actions, payment_files, payroll
from tongxing.benefits.models import (
    BatchStatus,
    BenefitClaim,
    ClaimStatus,
    PaymentAccount,
    PayrollBatch,
    PayrollChange,
    PayrollLine,
)
from tongxing.core.crypto import sm3_hex
from tongxing.core.jobs import run_queued_jobs
from tongxing.core.models import AuditEvent
from tongxing.registry import actions as registry_actions
from tongxing.registry.models import Person

SEPTEMBER, OCTOBER, NOVEMBER = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)


@pytest.fixture
def parameters(db):
    call_command("load_parameters", "sichuan-bazhong", verbosity=0)


@pytest.fixture
def reviewer(db):
    return factories.make_user("reviewer", Role.COUNTY_OFFICER, "511902")


@pytest.fixture
def finance(db):
    return factories.make_user("finance", Role.CITY_OFFICER, "5119")


@pytest.fixture
def bazhou():
    return Area.objects.get(code="511902")


def claim(person, benefit: str, applied_on: dt.date = dt.date(2025, 1, 10)) -> BenefitClaim:
    """An approved claim, written directly: the approval action is tested on its own."""
    return BenefitClaim.objects.create(
        person=person,
        benefit=benefit,
        applied_on=applied_on,
        status=ClaimStatus.APPROVED,
        decided_at=dt.datetime(2025, 1, 20, tzinfo=dt.UTC),
    )


def account(person, number: str = "6228480000000000001") -> PaymentAccount:
    return PaymentAccount.objects.create(
        person=person, bank="中国农业银行", account_number=number, holder_name=person.name
    )


@pytest.fixture
def recipients(village, parameters):
    """Three persons of 东城街道第1社区: grade 1 (nursing 110), grade 2 in a 低保 household
    (nursing 80 + living 100), grade 3 in a 低保 household (living 100)."""
    severe = factories.make_person(village, name="一级", certificate={"grade": 1})
    dibao = factories.make_person(village, name="二级低保", certificate={"grade": 2})
    mild = factories.make_person(village, name="三级低保", certificate={"grade": 3})
    for person in (dibao, mild):
        registry_actions.set_household_status(
            village, person.household, "dibao", dt.date(2024, 1, 1)
        )
    claim(severe, "nursing_subsidy")
    claim(dibao, "nursing_subsidy")
    claim(dibao, "living_subsidy")
    claim(mild, "living_subsidy")
    for i, person in enumerate((severe, dibao, mild)):
        account(person, f"62284800000000000{i}")
    return {"severe": severe, "dibao": dibao, "mild": mild}


def prepare(officer, county, month, capture) -> PayrollBatch:
    with capture(execute=True):
        batch = actions.start_preparation(officer, county, month)
    run_queued_jobs()
    batch.refresh_from_db()
    return batch


def lines_of(batch) -> list[tuple]:
    return sorted(
        (line.person.name, line.benefit, line.kind, line.for_month, line.amount)
        for line in PayrollLine.objects.filter(batch=batch).select_related("person")
    )


def locked(batch, reviewer, city, finance) -> PayrollBatch:
    actions.approve_county(reviewer, batch)
    actions.approve_city(city, batch, "checked against 川民规〔2024〕1号")
    return actions.lock_batch(finance, batch)


def test_a_prepared_batch_pays_each_approved_claim_the_rules_allow(
    county, bazhou, recipients, django_capture_on_commit_callbacks
):
    batch = prepare(county, bazhou, OCTOBER, django_capture_on_commit_callbacks)

    assert batch.status == BatchStatus.PREPARED
    assert lines_of(batch) == [
        ("一级", "nursing_subsidy", "regular", OCTOBER, Decimal("110.00")),
        ("三级低保", "living_subsidy", "regular", OCTOBER, Decimal("100.00")),
        ("二级低保", "living_subsidy", "regular", OCTOBER, Decimal("100.00")),
        ("二级低保", "nursing_subsidy", "regular", OCTOBER, Decimal("80.00")),
    ]
    assert (batch.summary["lines"], batch.summary["persons"], batch.summary["total"]) == (
        4,
        3,
        "390.00",
    )
    unverified = {p["key"] for p in batch.unverified_parameters}
    assert {
        "subsidies.living.amount",
        "subsidies.nursing.amount_grade_1",
        "subsidies.nursing.amount_grade_2",
    } <= unverified
    assert "subsidies.nursing.eligible_grades" not in unverified  # verified in the pack
    assert set(batch.summary["not_configured"]) == {"education_aid", "wheelchair_fuel"}


def test_preparing_again_before_approval_replaces_the_lines_without_duplicates(
    county, bazhou, recipients, django_capture_on_commit_callbacks
):
    first = prepare(county, bazhou, OCTOBER, django_capture_on_commit_callbacks)
    again = prepare(county, bazhou, OCTOBER, django_capture_on_commit_callbacks)

    assert again.pk == first.pk
    assert PayrollLine.objects.filter(batch=again).count() == 4


def test_a_paid_person_cannot_be_deleted_and_a_deleted_batch_takes_its_lines_with_it(
    county, bazhou, recipients, django_capture_on_commit_callbacks
):
    """The lines keep no database foreign keys (for the bulk write's sake): Django's
    PROTECT and CASCADE are what guard them."""
    batch = prepare(county, bazhou, OCTOBER, django_capture_on_commit_callbacks)
    severe = recipients["severe"]

    with pytest.raises(ProtectedError) as refused:
        severe.delete()

    assert [str(x) for x in refused.value.protected_objects if isinstance(x, PayrollLine)] == [
        f"{severe.pk} nursing_subsidy 2026-10 110.00"
    ]
    assert Person.objects.filter(pk=severe.pk).exists()
    assert PayrollLine.objects.filter(batch=batch).count() == 4

    batch.delete()

    assert PayrollLine.objects.count() == 0
    assert PayrollChange.objects.count() == 0


def test_a_preparation_that_fails_mid_write_leaves_no_lines_and_a_rerun_completes(
    county, bazhou, recipients, django_capture_on_commit_callbacks, monkeypatch
):
    original = payroll.summarise

    def crash(batch):
        # After every line is written, before the batch is marked prepared.
        assert PayrollLine.objects.filter(batch=batch).count() == 4
        raise RuntimeError("disk full")

    monkeypatch.setattr(payroll, "summarise", crash)
    batch = prepare(county, bazhou, OCTOBER, django_capture_on_commit_callbacks)
    assert (batch.status, PayrollLine.objects.filter(batch=batch).count()) == (
        BatchStatus.FAILED,
        0,
    )
    assert batch.error == "RuntimeError: disk full"

    monkeypatch.setattr(payroll, "summarise", original)
    batch = prepare(county, bazhou, OCTOBER, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.PREPARED
    assert PayrollLine.objects.filter(batch=batch).count() == 4


def test_an_older_run_of_a_batch_prepared_again_writes_nothing(
    county, bazhou, recipients, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.start_preparation(county, bazhou, OCTOBER)
    stale_job = str(first.job_id)
    with django_capture_on_commit_callbacks(execute=True):
        actions.start_preparation(county, bazhou, OCTOBER)

    with pytest.raises(payroll.Superseded):
        payroll.run_preparation(first.pk, job_id=stale_job)
    assert PayrollLine.objects.filter(batch=first).count() == 0


def test_each_step_is_taken_by_a_different_person_with_the_right_role(
    county,
    reviewer,
    city,
    finance,
    other_county,
    bazhou,
    recipients,
    django_capture_on_commit_callbacks,
):
    batch = prepare(county, bazhou, OCTOBER, django_capture_on_commit_callbacks)

    with pytest.raises(PermissionDenied):
        actions.approve_county(county, batch)  # the preparer
    with pytest.raises(PermissionDenied):
        actions.approve_county(other_county, batch)  # another county
    with pytest.raises(ValidationError):
        actions.approve_city(city, batch)  # the county has not approved yet
    batch.refresh_from_db()
    assert (batch.status, batch.county_approved_by) == (BatchStatus.PREPARED, None)

    actions.approve_county(reviewer, batch)
    with pytest.raises(ValidationError) as unverified:
        actions.approve_city(city, batch)
    assert "acknowledgement" in unverified.value.message_dict
    batch.refresh_from_db()
    assert (batch.status, batch.city_approved_by) == (BatchStatus.COUNTY_APPROVED, None)

    actions.approve_city(city, batch, "checked against 川民规〔2024〕1号")
    with pytest.raises(PermissionDenied):
        actions.lock_batch(city, batch)  # the city approver
    actions.lock_batch(finance, batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.LOCKED
    assert (
        batch.prepared_by,
        batch.county_approved_by,
        batch.city_approved_by,
        batch.locked_by,
    ) == (county, reviewer, city, finance)
    steps = AuditEvent.objects.filter(object_type="benefits.payrollbatch", object_id=str(batch.pk))
    assert [e.summary for e in steps.order_by("id")] == [
        "prepare 2026-10",
        "prepared 2026-10: 4 lines",
        "county approved",
        "city approved",
        "locked",
    ]


def test_a_second_approval_of_the_same_batch_is_refused(
    county, reviewer, bazhou, recipients, django_capture_on_commit_callbacks
):
    batch = prepare(county, bazhou, OCTOBER, django_capture_on_commit_callbacks)
    second = factories.make_user("second", Role.COUNTY_OFFICER, "511902")
    stale = PayrollBatch.objects.get(pk=batch.pk)  # read before the first approval
    actions.approve_county(reviewer, batch)

    with pytest.raises(ValidationError):
        actions.approve_county(second, stale)
    batch.refresh_from_db()
    assert batch.county_approved_by == reviewer


def test_a_locked_month_cannot_be_prepared_again_nor_a_later_month_before_an_earlier_is_locked(
    county, reviewer, city, finance, bazhou, recipients, django_capture_on_commit_callbacks
):
    september = prepare(county, bazhou, SEPTEMBER, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as waiting:
        actions.start_preparation(county, bazhou, OCTOBER)
    assert "2026-09" in waiting.value.message_dict["month"][0]
    assert not PayrollBatch.objects.filter(month=OCTOBER).exists()

    locked(september, reviewer, city, finance)
    with pytest.raises(ValidationError) as again:
        actions.start_preparation(county, bazhou, SEPTEMBER)
    assert again.value.message_dict["month"] == [
        "The payroll for this month is locked; it cannot be prepared again."
    ]
    assert PayrollLine.objects.filter(batch=september).count() == 4


def test_a_month_not_yet_started_cannot_be_prepared(county, bazhou, parameters):
    with pytest.raises(ValidationError):
        actions.start_preparation(county, bazhou, dt.date(2099, 1, 1))
    assert not PayrollBatch.objects.exists()


def test_a_death_recorded_after_the_month_was_paid_is_recovered_and_stops_the_payment(
    county, reviewer, city, finance, bazhou, recipients, django_capture_on_commit_callbacks
):
    locked(
        prepare(county, bazhou, SEPTEMBER, django_capture_on_commit_callbacks),
        reviewer,
        city,
        finance,
    )
    registry_actions.record_death(county, recipients["severe"], dt.date(2026, 8, 20))

    october = prepare(county, bazhou, OCTOBER, django_capture_on_commit_callbacks)

    severe = [line for line in lines_of(october) if line[0] == "一级"]
    assert severe == [("一级", "nursing_subsidy", "recovery", SEPTEMBER, Decimal("-110.00"))]
    stop = PayrollChange.objects.get(batch=october, person=recipients["severe"])
    assert (stop.change, stop.previous_amount, stop.amount, stop.reason) == (
        "stopped",
        Decimal("110.00"),
        None,
        "alive",
    )


def test_a_claim_approved_late_is_paid_from_the_month_of_application_as_arrears(
    county, reviewer, city, finance, village, bazhou, recipients, django_capture_on_commit_callbacks
):
    late = factories.make_person(village, name="迟批", certificate={"grade": 1})
    account(late, "6228480000000000099")
    pending = actions.apply_for_benefit(village, late, "nursing_subsidy", dt.date(2026, 8, 25))
    locked(
        prepare(county, bazhou, SEPTEMBER, django_capture_on_commit_callbacks),
        reviewer,
        city,
        finance,
    )
    actions.decide_claim(county, pending, approve=True)

    october = prepare(county, bazhou, OCTOBER, django_capture_on_commit_callbacks)

    assert [line for line in lines_of(october) if line[0] == "迟批"] == [
        ("迟批", "nursing_subsidy", "arrears", SEPTEMBER, Decimal("110.00")),
        ("迟批", "nursing_subsidy", "regular", OCTOBER, Decimal("110.00")),
    ]
    new = PayrollChange.objects.get(batch=october, person=late)
    assert (new.change, new.reason) == ("new", "new")


def test_payment_files_net_each_person_and_are_the_same_bytes_every_time(
    county, reviewer, city, finance, bazhou, recipients, django_capture_on_commit_callbacks
):
    batch = locked(
        prepare(county, bazhou, OCTOBER, django_capture_on_commit_callbacks),
        reviewer,
        city,
        finance,
    )
    first = payment_files.payment_file_csv(batch)

    rows = first.decode("utf-8-sig").splitlines()
    assert rows[0] == "序号,姓名,身份证号,开户银行,账号,金额,补贴项目,所属月份,乡镇"
    assert len(rows) == 5
    dibao = recipients["dibao"]
    assert f"{dibao.id_number},中国农业银行,622848000000000001,80.00," in rows[3] + rows[4]
    # A name changed after the lock does not change the issued file.
    registry_actions.update_person(
        county, dibao, factories.person_data(id_number=dibao.id_number, name="改名")
    )
    assert payment_files.payment_file_csv(batch) == first
    assert sm3_hex(first) == batch.summary["payment_file_sm3"]
    assert payment_files.payment_file_xlsx(batch) == payment_files.payment_file_xlsx(batch)


def test_a_name_that_starts_like_a_formula_is_neutralised_in_the_file(
    county, reviewer, city, finance, village, bazhou, parameters, django_capture_on_commit_callbacks
):
    person = factories.make_person(village, name="=1+1", certificate={"grade": 1})
    claim(person, "nursing_subsidy")
    batch = locked(
        prepare(county, bazhou, OCTOBER, django_capture_on_commit_callbacks),
        reviewer,
        city,
        finance,
    )

    assert ",'=1+1," in payment_files.payment_file_csv(batch).decode("utf-8-sig")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers; the row lock is PostgreSQL's to prove",
)
@pytest.mark.django_db(transaction=True)
def test_two_officers_approving_at_the_same_moment_approve_once(
    committed_region, county, reviewer, bazhou, recipients, django_capture_on_commit_callbacks
):
    import threading

    from django.db import connections

    batch = prepare(county, bazhou, OCTOBER, django_capture_on_commit_callbacks)
    second = factories.make_user("second", Role.COUNTY_OFFICER, "511902")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user) -> None:
        try:
            barrier.wait()
            actions.approve_county(user, PayrollBatch.objects.get(pk=batch.pk))
            outcomes.append("approved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (reviewer, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["approved", "refused"]
    approvals = AuditEvent.objects.filter(
        object_type="benefits.payrollbatch", summary="county approved"
    )
    assert approvals.count() == 1
