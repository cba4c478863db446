"""Home visits: plans with a reason, a date and a visitor; records with encrypted notes;
follow-ups; overdue visits first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from tests import factories
from tongxing.surveys import actions, queries
from tongxing.surveys.models import Visit, VisitPlan, VisitPlanStatus, VisitReason


def today() -> dt.date:
    return timezone.localdate()


def test_a_plan_is_assigned_to_a_worker_whose_area_holds_the_home(township, village, person):
    plan = actions.plan_visit(
        township,
        person,
        reason=VisitReason.LIVING_ALONE,
        due_date=today() + dt.timedelta(days=7),
        assigned_to=village,
    )
    assert (plan.assigned_to, plan.status, plan.created_by) == (village, "planned", township)


def test_a_worker_of_another_village_cannot_be_sent(township, neighbour, person):
    with pytest.raises(ValidationError) as refused:
        actions.plan_visit(
            township,
            person,
            reason=VisitReason.LIVING_ALONE,
            due_date=today(),
            assigned_to=neighbour,
        )
    assert list(refused.value.message_dict) == ["assigned_to"]
    assert VisitPlan.objects.count() == 0


def test_a_village_worker_may_only_send_themselves(village, township, person):
    assert list(queries.visitors_for(village, person)) == [village]
    assert list(queries.visitors_for(township, person)) == [village, township]


def test_recording_a_visit_encrypts_the_notes_and_plans_the_follow_up(village, person):
    plan = actions.plan_visit(
        village, person, reason=VisitReason.NO_CAREGIVER, due_date=today(), assigned_to=village
    )
    visit = actions.record_visit(
        village,
        plan,
        visited_on=today(),
        notes="独自卧床，邻居每日送饭",
        follow_up="联系乡镇申请居家照护",
        follow_up_due=today() + dt.timedelta(days=14),
    )
    plan.refresh_from_db()
    assert plan.status == VisitPlanStatus.DONE
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes, follow_up FROM surveys_visit WHERE id = %s", [visit.pk])
        notes, follow_up = cursor.fetchone()
    assert "卧床" not in notes and "照护" not in follow_up
    assert Visit.objects.get().notes == "独自卧床，邻居每日送饭"
    follow = VisitPlan.objects.get(follows=visit)
    assert (follow.reason, follow.due_date, follow.assigned_to) == (
        VisitReason.FOLLOW_UP,
        today() + dt.timedelta(days=14),
        village,
    )


def test_a_visit_without_notes_or_in_the_future_is_refused(village, person):
    plan = actions.plan_visit(
        village, person, reason=VisitReason.FINDING, due_date=today(), assigned_to=village
    )
    with pytest.raises(ValidationError) as refused:
        actions.record_visit(village, plan, visited_on=today() + dt.timedelta(days=1), notes=" ")
    assert sorted(refused.value.message_dict) == ["notes", "visited_on"]
    plan.refresh_from_db()
    assert plan.status == VisitPlanStatus.PLANNED
    assert Visit.objects.count() == 0


def test_overdue_visits_come_first_and_outsiders_see_none(village, neighbour, township, person):
    other = factories.make_person(village, name="李四")
    later = actions.plan_visit(
        village,
        person,
        reason=VisitReason.LIVING_ALONE,
        due_date=today() + dt.timedelta(days=5),
        assigned_to=village,
    )
    overdue = actions.plan_visit(
        township,
        other,
        reason=VisitReason.SPECIAL_HARDSHIP,
        due_date=today() - dt.timedelta(days=3),
        assigned_to=village,
    )
    assert list(queries.open_visit_plans(village)) == [overdue, later]
    assert list(queries.open_visit_plans(township, mine=True)) == []
    assert list(queries.open_visit_plans(neighbour)) == []
    with pytest.raises(PermissionDenied):
        actions.record_visit(neighbour, overdue, visited_on=today(), notes="x")


def test_the_visit_list_marks_overdue_visits_in_words(client, village, person):
    actions.plan_visit(
        village,
        person,
        reason=VisitReason.LIVING_ALONE,
        due_date=today() - dt.timedelta(days=1),
        assigned_to=village,
    )
    client.force_login(village)
    page = client.get("/surveys/visits/").content.decode()
    assert '<strong class="tag warning">已逾期</strong>' in page
