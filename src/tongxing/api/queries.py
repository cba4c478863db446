"""Scoped reads for API tokens (a token reaches only its purpose's findings in its area),
and for the people who follow the tokens' use: the call log, in the reader's area."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability, Role
from tongxing.api.actions import CALL_OBJECT, require_area, require_operation
from tongxing.api.models import ApiCall, ApiToken
from tongxing.api.purposes import Operation
from tongxing.areas.models import Area
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.core.scoping import prefix_q
from tongxing.reconcile.models import Finding
from tongxing.registry.queries import require


def findings_for_token(token: ApiToken, area_code: str | None = None) -> QuerySet[Finding]:
    """The findings the token's purpose covers, in its area or the part ``area_code``."""
    require_operation(token, Operation.READ_FINDINGS)
    require(token.account, token.spec.capability)
    scope = area_code or token.area_id
    require_area(token, scope)
    return Finding.objects.filter(prefix_q("area_id", scope), rule__in=token.spec.rules)


def log_findings_read(token: ApiToken, rows: Sequence[Finding], area_code: str | None) -> None:
    """One audit row per page read (PIPL: who saw what): the findings' ids, not the persons'
    data. A purpose that identifies persons also gets one ``REVEAL`` row per person whose
    full number and name the page carried, with the token's purpose as the reason, as a
    staff reveal has; all in one chained write, so the page is answered only once every
    reveal is on record."""
    source = f"api:{token.prefix}"
    at = timezone.now()
    events = [
        audit.build_event(
            token.account,
            AuditAction.VIEW,
            object_type="reconcile.finding",
            area_code=area_code or token.area_id,
            summary=("API findings read: " + ",".join(str(row.pk) for row in rows))[:200],
            purpose=token.purpose,
            source=source,
            at=at,
        )
    ]
    if token.spec.identifies_persons:
        # A person found by the same rule twice (closed, then found again) is one reveal.
        findings: dict[int, list[Finding]] = {}
        for row in rows:
            findings.setdefault(row.person_id, []).append(row)
        events += [
            audit.build_event(
                token.account,
                AuditAction.REVEAL,
                object_type="registry.person",
                object_id=person_id,
                person_id=person_id,
                area_code=found[0].person.area_id,
                summary=(
                    "id_number, name, in API findings " + ",".join(str(row.pk) for row in found)
                )[:200],
                purpose=token.purpose,
                source=source,
                at=at,
            )
            for person_id, found in findings.items()
        ]
    audit.record_many(events)


# --- the call log ------------------------------------------------------------------------

STATUS_CLASSES = {"2xx": (200, 300), "4xx": (400, 500), "5xx": (500, 600)}


def calls_for(user: User) -> QuerySet[ApiCall]:
    """The calls ``user`` may read: those of the tokens in their area. A call that named no
    known token has no area; only readers of the region's top area (who answer for the API
    as a whole) see those, so a county reader learns nothing of another county's clients."""
    require(user, Capability.VIEW_API_CALLS)
    scope = prefix_q("token__area_id", user.area_id)
    if Area.objects.filter(code=user.area_id, parent__isnull=True).exists():
        scope |= Q(token__isnull=True)
    return ApiCall.objects.filter(scope)


def call_tokens_for(user: User) -> QuerySet[ApiToken]:
    """The tokens whose calls ``user`` may read: the choices of the log's token filter."""
    require(user, Capability.VIEW_API_CALLS)
    return ApiToken.objects.filter(prefix_q("area_id", user.area_id))


def call_accounts_for(user: User) -> QuerySet[User]:
    """The department accounts holding those tokens."""
    require(user, Capability.VIEW_API_CALLS)
    return (
        User.objects.filter(prefix_q("api_tokens__area_id", user.area_id), role=Role.DEPARTMENT)
        .distinct()
        .order_by("username")
    )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_calls(calls: QuerySet[ApiCall], criteria: dict[str, Any]) -> QuerySet[ApiCall]:
    """``calls`` narrowed by the log's filter form's cleaned data (blank fields ignored)."""
    if criteria.get("token"):
        calls = calls.filter(token=criteria["token"])
    if criteria.get("account"):
        calls = calls.filter(token__account=criteria["account"])
    if criteria.get("purpose"):
        calls = calls.filter(purpose=criteria["purpose"])
    if criteria.get("endpoint"):
        calls = calls.filter(endpoint=criteria["endpoint"])
    if criteria.get("status"):
        low, high = STATUS_CLASSES[criteria["status"]]
        calls = calls.filter(status__gte=low, status__lt=high)
    if criteria.get("date_from"):
        calls = calls.filter(at__gte=_start_of(criteria["date_from"]))
    if criteria.get("date_to"):
        calls = calls.filter(at__lt=_start_of(criteria["date_to"] + dt.timedelta(days=1)))
    return calls


def criteria_for_audit(criteria: dict[str, Any]) -> dict[str, str | int]:
    """The filters as the audit row keeps them: the token's id, the account's user name."""
    kept: dict[str, str | int] = {}
    for name, value in criteria.items():
        if value in (None, ""):
            continue
        if isinstance(value, ApiToken):
            kept[name] = value.pk
        elif isinstance(value, User):
            kept[name] = value.username
        else:
            kept[name] = str(value)
    return kept


def log_calls_read(
    user: User, criteria: dict[str, Any], *, summary: str, export: str | None = None, **extra: Any
) -> None:
    """Reading the call log is itself a read to account for: one audit row per page shown
    or file exported, with its filters."""
    audit.record(
        user,
        AuditAction.EXPORT if export else AuditAction.VIEW,
        object_type=CALL_OBJECT,
        area_code=user.area_id,
        summary=summary,
        changes={"filters": criteria_for_audit(criteria)}
        | ({"format": export} if export else {})
        | extra,
    )


def call_summary(token: ApiToken) -> dict[str, Any]:
    """How a token has been used: its calls, those refused (4xx), those that failed on our
    side (5xx), and the last one."""
    return token.calls.aggregate(
        calls=Count("id"),
        refused=Count("id", filter=Q(status__gte=400, status__lt=500)),
        failed=Count("id", filter=Q(status__gte=500)),
        last=Max("at"),
    )
