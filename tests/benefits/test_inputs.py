"""The rules' inputs read the same through ADBC (outside a transaction) as through Django's
connection (inside one)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from tests import factories
from tongxing.benefits.inputs import Scope, read_inputs
from tongxing.benefits.models import BenefitClaim, ClaimStatus
from tongxing.core import arrowio
from tongxing.registry import actions as registry_actions


@pytest.mark.django_db(transaction=True)
def test_adbc_and_the_django_connection_read_identical_inputs(committed_region, village, county):
    if arrowio._adbc_connection() is None:
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
