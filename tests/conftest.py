"""The named cast every test uses, and the loaded Bazhong region pack.

village: the worker of 东城街道第1社区; neighbour: the worker of the next community;
township: 东城街道; county: 巴州区; other_county: 通江县; city: 巴中市;
department (civil affairs' account), hospital (an outside body's account), provider, auditor,
citizen: roles without registry access (auditor reads the log).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import translation

from tests import factories
from tongxing.accounts.models import OUTSIDE_BODY
from tongxing.accounts.roles import Role
from tongxing.areas.models import Area
from tongxing.reconcile.kinds import Department


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_region", "sichuan-bazhong", verbosity=0)


def cast_member(username: str, role: str, area_code: str | None, department: str = ""):
    """A user of the cast. A transactional test ends by emptying every table, the
    session's region pack included, and pytest-django runs tests that ask for the
    database only through ``request.getfixturevalue`` after those: so the pack is put
    back first if it is gone."""
    if not Area.objects.exists():
        call_command("load_region", "sichuan-bazhong", verbosity=0)
    return factories.make_user(username, role, area_code, department)


@pytest.fixture(autouse=True)
def list_rows_dir(settings, tmp_path):
    """Each test's department-list files in its own folder, never the project's var/."""
    settings.TONGXING_LIST_ROWS_DIR = tmp_path / "lists"
    return settings.TONGXING_LIST_ROWS_DIR


@pytest.fixture
def committed_region(transactional_db):
    """The region pack for a transactional test: an earlier one's flush emptied the tables
    the session loaded it into. Ask for it before any user or person fixture."""
    if not Area.objects.exists():
        call_command("load_region", "sichuan-bazhong", verbosity=0)


@pytest.fixture
def village(db):
    return cast_member("village", Role.VILLAGE_WORKER, factories.VILLAGE)


@pytest.fixture
def neighbour(db):
    return cast_member("neighbour", Role.VILLAGE_WORKER, factories.NEXT_VILLAGE)


@pytest.fixture
def township(db):
    return cast_member("township", Role.TOWNSHIP_OFFICER, "511902001")


@pytest.fixture
def county(db):
    return cast_member("county", Role.COUNTY_OFFICER, "511902")


@pytest.fixture
def other_county(db):
    return cast_member("other_county", Role.COUNTY_OFFICER, "511921")


@pytest.fixture
def city(db):
    return cast_member("city", Role.CITY_OFFICER, "5119")


@pytest.fixture
def department(db):
    return cast_member("department", Role.DEPARTMENT, "5119", Department.CIVIL_AFFAIRS)


@pytest.fixture
def hospital(db):
    return cast_member("hospital", Role.DEPARTMENT, "5119", OUTSIDE_BODY)


@pytest.fixture
def provider(db):
    return cast_member("provider", Role.PROVIDER, "511902")


@pytest.fixture
def auditor(db):
    return cast_member("auditor", Role.AUDITOR, "5119")


@pytest.fixture
def citizen(db):
    return cast_member("citizen", Role.CITIZEN, None)


@pytest.fixture
def without_role(db):
    """An account that was created but given no role yet."""
    return cast_member("without_role", "", None)


@pytest.fixture
def person(village):
    """A person registered by the village worker in their own community."""
    return factories.make_person(village, name="张三")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that log in dozens of users use a fast hasher.
    tests/accounts/test_security.py checks that the real settings use Argon2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english_messages():
    """Assertions on messages read the English source text; pages still follow the request."""
    with translation.override("en"):
        yield
