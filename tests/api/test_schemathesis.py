"""Schemathesis generates requests from the published OpenAPI document (valid and
invalid ones) and sends them to the app: no answer may be a server error, and every
answer must match the document. Kept short (few examples, derandomized) so the run is
deterministic and takes seconds."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import make_token

PURPOSES = {
    "/api/v1/lists": "list.civil_deaths",
    "/api/v1/certificates/check": "certificate.hospital_fee",
    "/api/v1/findings": "findings.deaths",
}


@pytest.fixture
def keep_test_connection():
    """Django closes the database connection after each WSGI request; the test's
    transaction lives on it, so (like Django's test client) do not, during these calls."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(city, department, keep_test_connection) -> dict[str, str]:
    return {
        path: make_token(city, department, purpose, rate=600) for path, purpose in PURPOSES.items()
    }


# Loaded through the app itself, so what is tested is the document the app publishes.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    database=None,  # no .hypothesis/ example store: each run is the same, and writes nothing
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_no_server_error_and_match_the_document(case, tokens):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {tokens[case.path]}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
