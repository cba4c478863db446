"""API tokens for the test cast: made through the action, as a city officer would."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories
from tongxing.accounts.models import User
from tongxing.accounts.roles import Role
from tongxing.api import actions
from tongxing.api.purposes import PURPOSES


def holder_of(purpose: str, preferred: User) -> User:
    """``preferred`` if its department may hold ``purpose``; otherwise the city-wide account
    of the first department that may (``dept_health`` …), made on first use."""
    spec = PURPOSES[purpose]
    if spec.allows(preferred.department):
        return preferred
    department = sorted(spec.departments)[0]
    username = f"dept_{department}"
    return User.objects.filter(username=username).first() or factories.make_user(
        username, Role.DEPARTMENT, "5119", department
    )


def make_token(city, department, purpose: str, area: str = "5119", rate: int = 60) -> str:
    _token, raw = actions.create_token(
        city,
        name=f"test {purpose}",
        account=holder_of(purpose, department),
        purpose=purpose,
        area_code=area,
        expires_on=timezone.localdate() + dt.timedelta(days=30),
        rate_per_minute=rate,
        today=timezone.localdate(),
    )
    return raw


@pytest.fixture
def token_for(city, department):
    def make(purpose: str, area: str = "5119", rate: int = 60) -> str:
        return make_token(city, department, purpose, area, rate)

    return make


class ApiClient:
    def __init__(self, raw: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"} if raw else {}

    def post(self, path: str, body, **headers):
        data = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
        return self.client.post(
            path, data=data, content_type="application/json", headers=self.headers | headers
        )

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)


@pytest.fixture
def api_client():
    return ApiClient
