"""The demo's fixed certificate-check token: made once, only with DEBUG on, and the curl
call it prints works."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests import factories
from tongxing.api import actions
from tongxing.api.demo import DEMO_TOKEN
from tongxing.api.models import ApiToken


def test_the_demo_token_is_made_once_and_its_printed_call_works(
    settings, city, hospital, village, api_client
):
    settings.DEBUG = True
    holder = factories.make_person(village, certificate={"category": 1, "grade": 2})
    out = io.StringIO()
    call_command("generate_api_demo", stdout=out)
    call_command("generate_api_demo", stdout=io.StringIO())
    printed = out.getvalue()
    assert DEMO_TOKEN in printed and "DEMO ONLY" in printed
    assert holder.id_number in printed
    token = ApiToken.objects.get()
    assert (token.purpose, token.area_id, token.account) == (
        "certificate.hospital_fee",
        "5119",
        hospital,
    )
    response = api_client(DEMO_TOKEN).post(
        "/api/v1/certificates/check", {"id_number": holder.id_number}
    )
    message = response.json()["message"]
    assert (message["valid"], message["category"], message["grade"]) == (True, 1, 2)


def test_the_demo_token_is_refused_without_debug(settings, city, department):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("generate_api_demo", stdout=io.StringIO())
    with pytest.raises(PermissionDenied):
        actions.create_token(
            city,
            name="x",
            account=department,
            purpose="certificate.bus_ride",
            area_code="5119",
            expires_on=timezone.localdate() + dt.timedelta(days=1),
            rate_per_minute=1,
            today=timezone.localdate(),
            demo_secret=DEMO_TOKEN,
        )
    assert not ApiToken.objects.exists()


def test_the_readme_shows_the_demo_token():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"Bearer {DEMO_TOKEN}" in readme
