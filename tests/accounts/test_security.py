"""Login security: Argon2, lockout, idle expiry, and a clean `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt

import tongxing.settings as project_settings
from tests import factories
from tongxing.accounts.roles import Role

ROOT = Path(__file__).resolve().parents[2]


def test_passwords_are_hashed_with_argon2_first():
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_sessions_expire_after_thirty_idle_minutes():
    assert project_settings.SESSION_COOKIE_AGE == 1800
    assert project_settings.SESSION_SAVE_EVERY_REQUEST is True


def test_a_correct_login_reaches_the_overview(client, db):
    factories.make_user("worker", Role.VILLAGE_WORKER, factories.VILLAGE)
    response = client.post(
        "/accounts/login/", {"username": "worker", "password": "test-pass-12345"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert response.context["user"].username == "worker"


def test_five_failed_logins_lock_the_account_even_with_the_right_password(client, db):
    factories.make_user("worker", Role.VILLAGE_WORKER, factories.VILLAGE)
    for _ in range(5):
        client.post("/accounts/login/", {"username": "worker", "password": "wrong-password"})
    response = client.post(
        "/accounts/login/", {"username": "worker", "password": "test-pass-12345"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # the sixth, refused attempt counts as a failure too
    assert AccessAttempt.objects.get(username="worker").failures_since_start == 6


def test_the_display_switch_is_remembered_on_the_user(client, db):
    user = factories.make_user("worker", Role.VILLAGE_WORKER, factories.VILLAGE)
    client.force_login(user)
    client.post("/accounts/display/", {"large_text": "on", "high_contrast": "on", "next": "/"})
    user.refresh_from_db()
    assert (user.large_text, user.high_contrast) == (True, True)
    assert 'class="large-text high-contrast"' in client.get("/").content.decode()


def test_a_display_choice_made_before_signing_in_is_carried_to_the_account(client, db):
    user = factories.make_user("worker", Role.VILLAGE_WORKER, factories.VILLAGE)
    client.post("/accounts/display/", {"large_text": "on", "next": "/accounts/login/"})
    assert 'class="large-text "' in client.get("/accounts/login/").content.decode()
    client.post("/accounts/login/", {"username": "worker", "password": "test-pass-12345"})
    user.refresh_from_db()
    assert (user.large_text, user.high_contrast) == (True, False)


def test_a_choice_saved_on_the_account_is_not_overwritten_by_an_old_device_cookie(client, db):
    user = factories.make_user("worker", Role.VILLAGE_WORKER, factories.VILLAGE)
    client.force_login(user)
    client.post("/accounts/display/", {"high_contrast": "on", "next": "/"})
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": "worker", "password": "test-pass-12345"})
    user.refresh_from_db()
    assert (user.large_text, user.high_contrast) == (False, True)


def test_the_display_switch_does_not_redirect_off_site(client, db):
    response = client.post("/accounts/display/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("missing", ["SECRET_KEY"])
def test_production_settings_refuse_to_start_without_a_secret_key(missing, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env |= {"DEBUG": "false", "TONGXING_VAR_DIR": str(tmp_path), "TONGXING_MASTER_KEY": "ab" * 32}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = dict(os.environ) | {
        "DEBUG": "false",
        "SECRET_KEY": "x" * 30 + "production-like-secret-key-0123456789",
        "ALLOWED_HOSTS": "tongxing.example.cn",
        "TONGXING_VAR_DIR": str(tmp_path),
        "TONGXING_MASTER_KEY": "ab" * 32,
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout
