"""Fixtures for the risk monitoring tests: the parameters and risk weights loaded, the
questionnaire for surveys, and helpers to screen a month and to give the two thresholds
the region pack declares as not found a value (as a city officer would)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories
from tests.surveys.conftest import definition, fill_survey  # noqa: F401 - fixtures
from tongxing.benefits.inputs import Scope
from tongxing.benefits.models import Origin, Parameter, ParameterValue, ValueStatus
from tongxing.benefits.parameters import ParameterSet, load_parameters
from tongxing.monitoring import engine
from tongxing.monitoring.actions import refresh_survey_facts
from tongxing.monitoring.inputs import read_inputs
from tongxing.monitoring.ruleset import load_risk_rules, ruleset_on

REGION = "sichuan-bazhong"
MONTH = dt.date(2025, 12, 1)


@pytest.fixture
def loaded(db) -> None:
    load_parameters(REGION)
    load_risk_rules(REGION)


def approve(key: str, value: str, day: dt.date = dt.date(2025, 1, 1)) -> None:
    ParameterValue.objects.create(
        parameter=Parameter.objects.get(key=key),
        effective_from=day,
        value=value,
        source="test value",
        verified=False,
        origin=Origin.PROPOSAL,
        status=ValueStatus.APPROVED,
    )


def risks(month: dt.date = MONTH, area: str = factories.VILLAGE) -> dict[int, list[str]]:
    """Person id → the rules met, for everyone at risk under ``area`` in ``month``."""
    refresh_survey_facts(area)
    screened = engine.screen(
        read_inputs(Scope.area(area)), month, ParameterSet.load(), ruleset_on(month)
    )
    return {row["person_id"]: row["rules"].split(",") for row in screened.results.to_pylist()}


def rows(month: dt.date = MONTH, area: str = factories.VILLAGE) -> dict[int, dict]:
    refresh_survey_facts(area)
    screened = engine.screen(
        read_inputs(Scope.area(area)), month, ParameterSet.load(), ruleset_on(month)
    )
    return {row["person_id"]: row for row in screened.results.to_pylist()}


YUAN = Decimal
