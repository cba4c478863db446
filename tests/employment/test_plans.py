"""Graduates' one-person-one-plan and zero-employment households' plans: opening, steps,
progress, overdue steps per area, closing by hand and by the employment action."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests import factories
from tests.employment.conftest import worker
from tongxing.areas.models import Area
from tongxing.core.models import AuditEvent
from tongxing.employment import actions, queries
from tongxing.employment.models import (
    EmploymentPlan,
    PlanEvent,
    PlanKind,
    PlanStatus,
    PlanStep,
)
from tongxing.registry import actions as registry
from tongxing.registry.models import PersonFact

TODAY = timezone.localdate()


def plan_state():
    return (
        EmploymentPlan.objects.count(),
        EmploymentPlan.objects.filter(status=PlanStatus.CLOSED).count(),
        PlanStep.objects.count(),
        PlanEvent.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def graduate(village, parameters):
    person = worker(village, name="毕业生", born=dt.date(2003, 9, 1))
    PersonFact.objects.create(
        person=person,
        kind="school",
        level="higher",
        start_date=dt.date(2021, 9, 1),
        end_date=TODAY - dt.timedelta(days=30),
        source="教育局",
    )
    return person


def test_a_school_leaver_is_offered_a_plan_then_steps_progress_and_closing_make_its_history(
    village, township, graduate
):
    area = Area.objects.get(code=factories.VILLAGE)
    assert list(queries.school_leavers(township, area, TODAY)) == [graduate]
    plan = actions.open_graduate_plan(
        village,
        graduate,
        goal="在本地找到电商客服工作",
        school_level="higher",
        left_school_on=TODAY - dt.timedelta(days=30),
    )
    assert list(queries.school_leavers(township, area, TODAY)) == []
    step = actions.add_plan_step(
        village, plan, action="参加电商培训", owner="东城街道残联", due_date=TODAY
    )
    late = actions.add_plan_step(
        village, plan, action="推荐到秦巴食品", owner="王专职", due_date=TODAY
    )
    PlanStep.objects.filter(pk=late.pk).update(due_date=TODAY - dt.timedelta(days=3))
    actions.record_step_progress(village, step, note="已报名")
    actions.record_step_progress(village, step, note="已结业", done_on=TODAY)
    step.refresh_from_db()
    assert (step.progress, step.done_on) == ("已报名\n已结业", TODAY)
    listed = queries.plan_list(township, Area.objects.get(code="511902001"), "graduate", TODAY)
    assert [s.action for s in listed.overdue] == ["推荐到秦巴食品"]
    row = next(r for r in listed.by_sub_area if r["area"].code == factories.VILLAGE)
    assert (row["open"], row["overdue"]) == (1, 1)
    assert (listed.plans[0].steps_total, listed.plans[0].steps_done) == (2, 1)
    actions.close_plan(village, plan, outcome="further_study", reason="考取专升本", closed_on=TODAY)
    plan.refresh_from_db()
    assert (plan.status, plan.outcome, plan.close_reason) == (
        "closed",
        "further_study",
        "考取专升本",
    )
    assert list(plan.events.values_list("kind", flat=True)) == [
        "opened",
        "step_added",
        "step_added",
        "progress",
        "step_done",
        "closed",
    ]


def test_a_graduate_plan_refuses_bad_input_a_second_open_plan_and_changes_to_a_closed_one(
    village, neighbour, graduate
):
    before = plan_state()
    with pytest.raises(ValidationError) as error:
        actions.open_graduate_plan(
            village,
            graduate,
            goal=" ",
            school_level="primary",
            left_school_on=TODAY + dt.timedelta(1),
        )
    assert error.value.message_dict == {
        "goal": ["Enter the plan's goal."],
        "school_level": ["Choose the school the person left."],
        "left_school_on": ["The day the person left school cannot be in the future."],
    }
    with pytest.raises(PermissionDenied):
        actions.open_graduate_plan(
            neighbour, graduate, goal="x", school_level="senior", left_school_on=TODAY
        )
    old = worker(village, name="老人", born=dt.date(1950, 1, 1))
    with pytest.raises(ValidationError, match="not of working age"):
        actions.open_graduate_plan(
            village, old, goal="x", school_level="senior", left_school_on=TODAY
        )
    assert plan_state()[:4] == before[:4]
    plan = actions.open_graduate_plan(
        village, graduate, goal="就业", school_level="senior", left_school_on=TODAY
    )
    before = plan_state()
    with pytest.raises(ValidationError, match="already has an open plan"):
        actions.open_graduate_plan(
            village, graduate, goal="就业", school_level="senior", left_school_on=TODAY
        )
    with pytest.raises(ValidationError) as error:
        actions.add_plan_step(village, plan, action="", owner="", due_date=TODAY - dt.timedelta(1))
    assert set(error.value.message_dict) == {"action", "owner", "due_date"}
    step = actions.add_plan_step(village, plan, action="走访", owner="王", due_date=TODAY)
    with pytest.raises(ValidationError, match="from the plan's opening to today"):
        actions.record_step_progress(village, step, note="x", done_on=TODAY + dt.timedelta(days=1))
    actions.close_plan(village, plan, outcome="other", reason="迁出", closed_on=TODAY)
    before = plan_state()
    with pytest.raises(ValidationError, match="This plan is closed"):
        actions.add_plan_step(village, plan, action="再走访", owner="王", due_date=TODAY)
    with pytest.raises(ValidationError, match="This plan is closed"):
        actions.close_plan(village, plan, outcome="other", reason="x", closed_on=TODAY)
    assert plan_state() == before


def _member(actor, head, name, born=dt.date(1985, 6, 1)):
    return registry.register_person(
        actor,
        factories.person_data(name=name, id_number=factories.new_id_number(born)),
        factories.certificate_data(),
        household_head=head,
        relation_to_head="sibling",
    )


def test_a_household_plan_closes_with_the_reason_when_a_member_is_placed_and_the_list_shrinks(
    village, county, employer, parameters
):
    head = worker(village, name="甲")
    brother = _member(village, head, "甲弟")
    other = worker(village, name="乙")
    area = Area.objects.get(code=factories.VILLAGE)
    plan = actions.open_household_plan(village, brother, goal="至少一人就业", today=TODAY)
    assert plan.household_id == head.household_id
    actions.add_plan_step(village, plan, action="技能培训", owner="王专职", due_date=TODAY)
    listed = queries.zero_employment(village, area, TODAY)
    assert (listed.total, listed.planned) == (2, 1)
    township = queries.zero_employment(county, area.parent, TODAY)
    row = next(r for r in township.by_sub_area if r["area"].code == factories.VILLAGE)
    assert (row["count"], row["planned"]) == (2, 1)
    plans = {row["members"][0].name: row["plan"] for row in listed.households}
    assert plans["乙"] is None
    assert (plans["甲"].pk, plans["甲"].steps_total, plans["甲"].steps_done) == (plan.pk, 1, 0)
    with pytest.raises(ValidationError, match="already has an open plan"):
        actions.open_household_plan(village, head, goal="x", today=TODAY)

    post = actions.create_job_post(
        county, employer, actions.PostData(title="包装", area=employer.area)
    )
    actions.place_seeker(county, post, head, start_date=TODAY, form="quota")
    plan.refresh_from_db()
    assert (plan.status, plan.outcome, plan.closed_on) == ("closed", "employed", TODAY)
    assert (
        plan.close_reason == f"甲 recorded as employed (Quota placement (按比例就业)) from {TODAY}."
    )
    assert plan.events.last().actor == county
    after = queries.zero_employment(village, area, TODAY)
    assert (after.total, after.planned) == (1, 0)
    # Off the list now: a new plan for the household is refused, nothing written.
    before = plan_state()
    with pytest.raises(ValidationError, match="not on the zero-employment list"):
        actions.open_household_plan(village, brother, goal="x", today=TODAY)
    assert plan_state() == before
    assert other.pk  # 乙 stays listed, without a plan


def test_recording_a_graduate_as_employed_closes_their_plan_in_the_same_action(village, graduate):
    plan = actions.open_graduate_plan(
        village, graduate, goal="就业", school_level="higher", left_school_on=TODAY
    )
    actions.record_employment_status(
        village, graduate, status="seeking", start_date=TODAY - dt.timedelta(days=10)
    )
    plan.refresh_from_db()
    assert plan.status == "open"
    actions.record_employment_status(
        village, graduate, status="employed", form="flexible", start_date=TODAY
    )
    plan.refresh_from_db()
    assert (plan.status, plan.outcome) == ("closed", "employed")
    assert plan.kind == PlanKind.GRADUATE


def test_the_plan_pages_open_a_plan_add_a_step_and_show_errors_linked_to_fields(
    client, village, graduate
):
    client.force_login(village)
    page = client.get(f"/employment/persons/{graduate.pk}/plans/graduate/new/")
    assert page.status_code == 200
    assert page.context["form"].initial["school_level"] == "higher"
    bad = client.post(
        f"/employment/persons/{graduate.pk}/plans/graduate/new/",
        {"goal": "", "school_level": "higher", "left_school_on": TODAY.isoformat()},
    )
    assert b'href="#id_goal"' in bad.content
    assert EmploymentPlan.objects.count() == 0
    done = client.post(
        f"/employment/persons/{graduate.pk}/plans/graduate/new/",
        {"goal": "就业", "school_level": "higher", "left_school_on": TODAY.isoformat()},
    )
    plan = EmploymentPlan.objects.get()
    assert done.url == f"/employment/plan/{plan.pk}/"
    client.post(
        done.url,
        {"step-action": "培训", "step-owner": "王", "step-due_date": TODAY.isoformat()},
    )
    assert list(plan.steps.values_list("action", flat=True)) == ["培训"]
    page = client.get(done.url)
    assert "培训" in page.content.decode()
    assert client.get("/employment/plans/graduate/").status_code == 200
    assert client.get("/employment/plans/nonsense/").status_code == 404
