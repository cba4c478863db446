"""Scoped reads of the monitoring list: a user sees the cases of their own area."""

from __future__ import annotations

from django.db.models import QuerySet

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.core.scoping import prefix_q
from tongxing.monitoring.actions import ensure_may_view
from tongxing.monitoring.models import OpenCount, RiskCase, Screening
from tongxing.registry.models import Person
from tongxing.registry.queries import get_person_for_user


def cases_for(user: User) -> QuerySet[RiskCase]:
    ensure_may_view(user)
    return RiskCase.objects.filter(prefix_q("area_id", user.area_id))


def counts_for(user: User) -> QuerySet[OpenCount]:
    ensure_may_view(user)
    return OpenCount.objects.filter(prefix_q("area_id", user.area_id))


def person_for(user: User, pk: int) -> Person:
    """The person if in ``user``'s area (else 404, the refusal audited)."""
    ensure_may_view(user)
    return get_person_for_user(user, pk, Capability.VIEW_RISK_MONITORING)


def latest_month(user: User):
    """The latest month screened for an area containing or inside ``user``'s area."""
    ensure_may_view(user)
    months = [
        s.month
        for s in Screening.objects.order_by("-month").only("month", "area_id")[:200]
        if s.area_id.startswith(user.area_id) or user.area_id.startswith(s.area_id)
    ]
    return max(months) if months else None
