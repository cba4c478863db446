"""The extension points other apps use: a step handler runs inside the transition and
its refusal rolls everything back; a registered eligibility check refuses; a role's
scope and person access (the portal's citizen) let it see and apply."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.services.conftest import DAY, applicant
from tongxing.accounts.roles import Role
from tongxing.services import actions, handlers, scoping
from tongxing.services.models import Application, ApplicationEvent


@pytest.fixture
def clean_registry():
    saved_steps = {k: list(v) for k, v in handlers._step_handlers.items()}
    saved_checks = {k: list(v) for k, v in handlers._eligibility_checks.items()}
    saved_scopes = dict(scoping._application_scopes)
    saved_access = dict(scoping._person_access)
    yield
    handlers._step_handlers.clear()
    handlers._step_handlers.update(saved_steps)
    handlers._eligibility_checks.clear()
    handlers._eligibility_checks.update(saved_checks)
    scoping._application_scopes.clear()
    scoping._application_scopes.update(saved_scopes)
    scoping._person_access.clear()
    scoping._person_access.update(saved_access)


def test_a_step_handler_sees_the_step_and_its_record_is_kept(
    clean_registry, village, county, services
):
    seen = []

    def on_intake(ctx):
        seen.append((ctx.step.code, ctx.outcome, ctx.data, ctx.extra))
        ctx.record["case_number"] = "法援2025-001"

    handlers.register_step_handler("legal_aid", "intake", on_intake)
    handlers.register_step_handler("legal_aid", "intake", on_intake)  # twice is harmless
    person = applicant(village)
    app = actions.submit_application(
        village, person, "legal_aid", {"matter": "other", "description": "x"}, day=DAY
    )
    actions.complete_step(county, app, "intake", {"intake_note": "y"}, extra={"k": 1}, day=DAY)
    assert seen == [("intake", "done", {"intake_note": "y"}, {"k": 1})]
    app.refresh_from_db()
    assert app.step_data["intake"] == {"intake_note": "y", "case_number": "法援2025-001"}


def test_a_handler_that_refuses_rolls_the_transition_back(
    clean_registry, village, county, services
):
    def refuse(ctx):
        ctx.application.amount = 1
        raise ValidationError("the centre has no such device in stock")

    handlers.register_step_handler("legal_aid", "decision", refuse)
    person = applicant(village)
    app = actions.submit_application(
        village, person, "legal_aid", {"matter": "other", "description": "x"}, day=DAY
    )
    actions.complete_step(county, app, "intake", {"intake_note": "y"}, day=DAY)
    with pytest.raises(ValidationError):
        actions.approve_application(county, app, "decision", day=DAY)
    app.refresh_from_db()
    assert (app.status, app.current_step, app.amount) == ("in_progress", "decision", None)
    assert ApplicationEvent.objects.filter(application=app).count() == 2


def test_a_registered_eligibility_check_refuses_with_its_reason(clean_registry, village, services):
    handlers.register_eligibility_check("legal_aid", lambda person, answers, day: ["no stock"])
    with pytest.raises(ValidationError) as error:
        actions.submit_application(
            village,
            applicant(village),
            "legal_aid",
            {"matter": "other", "description": "x"},
            day=DAY,
        )
    assert error.value.messages == ["no stock"]


def test_a_registered_citizen_scope_lets_the_citizen_apply_and_see_only_their_own(
    clean_registry, village, citizen, services
):
    mine, other = applicant(village), applicant(village)
    scoping.register_person_access(Role.CITIZEN, lambda user, person: person.pk == mine.pk)
    scoping.register_application_scope(
        Role.CITIZEN, lambda user: Application.objects.filter(person_id=mine.pk)
    )
    app = actions.submit_application(
        citizen, mine, "legal_aid", {"matter": "other", "description": "x"}, day=DAY
    )
    actions.submit_application(
        village, other, "legal_aid", {"matter": "other", "description": "x"}, day=DAY
    )
    assert list(scoping.applications_for(citizen)) == [app]
    assert scoping.may_view_person_services(citizen, mine)
    assert not scoping.may_view_person_services(citizen, other)
    with pytest.raises(PermissionDenied, match="may not apply"):
        actions.submit_application(
            citizen, other, "certificate_home", {"request": "reissue", "reason": "x"}, day=DAY
        )
