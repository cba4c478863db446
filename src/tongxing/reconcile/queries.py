"""Scoped reads of lists and worklist items: a user sees those of their own area."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from tongxing.accounts.models import User
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.core.scoping import prefix_q
from tongxing.reconcile.actions import ensure_may_upload, ensure_may_view_worklist
from tongxing.reconcile.models import DepartmentList, Finding


def lists_for(user: User) -> QuerySet[DepartmentList]:
    ensure_may_upload(user)
    return DepartmentList.objects.filter(prefix_q("area_id", user.area_id))


def findings_for(user: User) -> QuerySet[Finding]:
    ensure_may_view_worklist(user)
    return Finding.objects.filter(prefix_q("area_id", user.area_id))


def get_finding_for_user(user: User, pk: int) -> Finding:
    try:
        return (
            findings_for(user)
            .select_related("person", "area", "department_list", "closed_by")
            .get(pk=pk)
        )
    except Finding.DoesNotExist:
        raise Http404 from None


def open_finding(user: User, pk: int) -> Finding:
    """Fetch a worklist item for its page and log that ``user`` read it: it names the
    person and what a department reported about them (PIPL: who saw what)."""
    finding = get_finding_for_user(user, pk)
    audit.record(
        user,
        AuditAction.VIEW,
        object_type="reconcile.finding",
        object_id=finding.pk,
        person_id=finding.person_id,
        area_code=finding.area_id,
    )
    return finding
