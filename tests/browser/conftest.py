"""Real-Chromium fixtures: one browser for the run, a fresh context per test.

The live server needs a transactional database, which Django empties after every
test; the region pack is therefore put back before each browser test and once more
after the last one, so the tests that run later find it as the session left it.

Playwright's sync API keeps an asyncio loop running in the main thread, and Django
refuses ORM calls from a thread with a running loop. DJANGO_ALLOW_ASYNC_UNSAFE is
therefore set only while the browser is open, and the browser is closed as soon as
the next test to run is not a browser test.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests import factories
from tongxing.areas.models import Area
from tongxing.registry import actions

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REGION = "sichuan-bazhong"
PASSWORD = "test-pass-12345"
HERE = Path(__file__).resolve().parent


class _Browser:
    """The one Chromium of the run, opened on first use."""

    def __init__(self) -> None:
        self._playwright: Any = None
        self.browser: Any = None
        self._previous_env: str | None = None

    def get(self) -> Any:
        if self.browser is None:
            from playwright.sync_api import sync_playwright

            self._previous_env = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self._playwright = sync_playwright().start()
            self.browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=LAUNCH_ARGS
            )
        return self.browser

    def close(self) -> None:
        if self.browser is None:
            return
        try:
            self.browser.close()
            self._playwright.stop()
        finally:
            self.browser = None
            self._playwright = None
            if self._previous_env is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._previous_env


_BROWSER = _Browser()


def _is_browser_test(item: pytest.Item | None) -> bool:
    return item is not None and HERE in Path(str(item.path)).resolve().parents


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    try:
        return (yield)  # the test's fixtures (its browser context) are finalised first
    finally:
        if not _is_browser_test(nextitem):
            _BROWSER.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    _BROWSER.close()


@pytest.fixture
def browser() -> Any:
    return _BROWSER.get()


@pytest.fixture(scope="module", autouse=True)
def _region_pack_after_module(django_db_blocker):
    """Put the region pack back once the module's last transactional test emptied it."""
    yield
    with django_db_blocker.unblock():
        if not Area.objects.exists():
            call_command("load_region", REGION, verbosity=0)


@pytest.fixture(autouse=True)
def _browser_db(transactional_db, settings):
    """Region pack loaded, a fast password hasher (users are made in every test)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if not Area.objects.exists():
        call_command("load_region", REGION, verbosity=0)


@dataclass
class Session:
    """A logged-in (or anonymous) browser context on the live server."""

    base_url: str
    context: Any
    page: Any

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str) -> Any:
        return self.page.goto(self.url(path))


@pytest.fixture
def open_session(browser, live_server):
    """open_session(user=None, width=1280) -> Session; closes its context at teardown."""
    contexts = []

    def open_(user=None, *, width: int = 1280, height: int = 900) -> Session:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            base_url=live_server.url,
            locale="zh-CN",  # the browser of a worker in Bazhong asks for Chinese
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies["sessionid"]
            context.add_cookies(
                [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
            )
        return Session(live_server.url, context, context.new_page())

    yield open_
    for context in contexts:
        context.close()


def make_household(actor, certifier=None, head_name: str = "张三"):
    """A head of household with a guardian, a registered member and a life event."""
    head = factories.make_person(
        actor,
        name=head_name,
        guardian_name="李四",
        guardian_relation="儿子",
        guardian_id_number=factories.new_id_number(dt.date(1985, 2, 3)),
        guardian_phone="13900001111",
    )
    member = actions.register_person(
        actor,
        factories.person_data(name="张小三"),
        factories.certificate_data(category=1, grade=3),
        household_head=head,
        relation_to_head="child",
    )
    actions.record_reassessment(
        certifier or actor, head, dt.date(2024, 6, 1), category=4, grade=1, note="复评"
    )
    head.refresh_from_db()
    return head, member
