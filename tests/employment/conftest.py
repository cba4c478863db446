"""Fixtures for the employment tests: the parameters loaded, an employer in
东城街道第1社区 with a declaration for 2024, and a person of working age."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories
from tongxing.areas.models import Area
from tongxing.benefits.parameters import load_parameters
from tongxing.core.idnumbers import make_credit_code
from tongxing.employment import actions

REGION = "sichuan-bazhong"


@pytest.fixture
def parameters(db):
    load_parameters(REGION)


def worker(actor, name="王五", born=dt.date(1985, 6, 1), area_code=factories.VILLAGE, **cert):
    return factories.make_person(
        actor,
        name=name,
        id_number=factories.new_id_number(born),
        area_code=area_code,
        certificate=cert or None,
    )


@pytest.fixture
def employer(county, parameters):
    return actions.register_employer(
        county,
        actions.EmployerData(
            credit_code=make_credit_code("511902", 1),
            name="巴中测试有限公司",
            area=Area.objects.get(code=factories.VILLAGE),
            sector="制造业",
        ),
    )


@pytest.fixture
def declaration(county, employer, village):
    return actions.record_declaration(
        county,
        employer,
        year=2024,
        average_staff=Decimal("100"),
        total_wages=Decimal("10000000"),
        employees=[worker(village)],
        today=dt.date(2025, 3, 1),
    )


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read the English text
    return client


@pytest.fixture
def as_role(request, client, db):
    """The test client signed in as a role of the cast ("anonymous": not signed in)."""

    def login(role):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return login
