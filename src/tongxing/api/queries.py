"""Scoped reads for API tokens: a token reaches only its purpose's findings in its area."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from tongxing.api.actions import require_area, require_operation
from tongxing.api.models import ApiToken
from tongxing.api.purposes import Operation
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
    data."""
    audit.record(
        token.account,
        AuditAction.VIEW,
        object_type="reconcile.finding",
        area_code=area_code or token.area_id,
        summary=("API findings read: " + ",".join(str(row.pk) for row in rows))[:200],
        purpose=token.purpose,
        source=f"api:{token.prefix}",
    )
