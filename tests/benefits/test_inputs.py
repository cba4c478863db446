"""The rules' inputs read the same through ADBC (outside a transaction) as through Django's
connection (inside one)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests import factories
from tongxing.benefits.inputs import Scope, read_inputs
from tongxing.benefits.models import BenefitClaim, ClaimStatus
from tongxing.core import arrowio
from tongxing.registry import actions as registry_actions
from tongxing.registry.models import LifeEvent


@pytest.mark.django_db(transaction=True)
def test_adbc_and_the_django_connection_read_identical_inputs(committed_region, village, county):
    if arrowio._adbc_target() is None:
        pytest.skip("the in-memory SQLite test database has no file for ADBC to open")
    person = factories.make_person(village, name="甲", certificate={"grade": 3})
    registry_actions.set_household_status(village, person.household, "dibao", dt.date(2024, 1, 1))
    registry_actions.record_reassessment(county, person, dt.date(2025, 3, 1), category=4, grade=1)
    factories.make_person(village, name="乙")
    BenefitClaim.objects.create(
        person=person,
        benefit="nursing_subsidy",
        applied_on=dt.date(2025, 3, 5),
        status=ClaimStatus.APPROVED,
        decided_at=dt.datetime(2025, 3, 31, 17, 0, tzinfo=dt.UTC),
    )
    assert not connection.in_atomic_block
    through_adbc = read_inputs(Scope.area("5119"), pay_from_application_month=False)
    with transaction.atomic():
        through_django = read_inputs(Scope.area("5119"), pay_from_application_month=False)

    for name, table in through_django.tables.items():
        assert through_adbc.tables[name].equals(table), name
    # 17:00 UTC on 31 March is 1 April in Bazhong: the claim pays from April.
    assert through_adbc.claims.to_pylist() == [
        {
            "person_id": person.pk,
            "benefit": "nursing_subsidy",
            "start_month": dt.date(2025, 4, 1),
            "ended_on": None,
        }
    ]
    assert through_adbc.certificate_history.num_rows == 1


@pytest.mark.django_db(transaction=True)
def test_the_certificate_history_and_moves_out_are_read_out_of_the_life_events(
    committed_region, village, county
):
    if arrowio._adbc_target() is None:
        pytest.skip("the in-memory SQLite test database has no file for ADBC to open")
    regraded = factories.make_person(village, name="甲", certificate={"grade": 3})
    registry_actions.record_reassessment(county, regraded, dt.date(2025, 3, 1), category=4, grade=1)
    # A new number alone leaves the certificate's status, category, grade and term.
    registry_actions.reissue_certificate(county, regraded, dt.date(2025, 5, 1))
    registry_actions.freeze_certificate(county, regraded, dt.date(2025, 6, 1), reason="信息待核实")
    leaver = factories.make_person(village, name="乙")
    registry_actions.record_move_out(village, leaver, dt.date(2025, 2, 10), destination="成都市")
    # Written by hand: a grade that is no [before, after] pair is not a change; a term
    # that had no earlier value is one, with nothing to restore.
    LifeEvent.objects.create(
        person=leaver,
        kind="renewal",
        effective_date=dt.date(2025, 4, 1),
        details={"certificate.grade": 3, "certificate.valid_until": [None, "2035-04-01"]},
        recorded_at=timezone.now(),
    )

    through_adbc = read_inputs(Scope.area("5119"))
    with transaction.atomic():
        through_django = read_inputs(Scope.area("5119"))

    for name in ("certificate_history", "moves_out"):
        assert through_adbc.tables[name].equals(through_django.tables[name]), name
    nothing = dict.fromkeys(
        ("status_before", "category_before", "grade_before", "issue_date_before"), None
    )
    assert sorted(
        through_adbc.certificate_history.to_pylist(),
        key=lambda row: (row["person_id"], row["effective_date"]),
    ) == [
        {
            "person_id": regraded.pk,
            "effective_date": dt.date(2025, 3, 1),
            "status_before": None,
            "category_before": None,
            "grade_before": 3,
            "issue_date_before": dt.date(2020, 3, 1),
            "valid_until_before": dt.date(2030, 3, 1),
        },
        {
            "person_id": regraded.pk,
            "effective_date": dt.date(2025, 6, 1),
            **nothing,
            "status_before": "valid",
            "valid_until_before": None,
        },
        {
            "person_id": leaver.pk,
            "effective_date": dt.date(2025, 4, 1),
            **nothing,
            "valid_until_before": None,
        },
    ]
    assert through_adbc.moves_out.to_pylist() == [
        {"person_id": leaver.pk, "moved_out_on": dt.date(2025, 2, 10)}
    ]
