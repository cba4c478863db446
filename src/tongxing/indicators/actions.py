"""Every change to indicators, reported values and reports: check, change, record history.

Refusals raise (PermissionDenied for who, ValidationError naming the field for what) and
change nothing.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.areas.models import Area, AreaLevel
from tongxing.core import audit
from tongxing.core.jobs import start_job
from tongxing.core.models import AuditAction, Job
from tongxing.indicators.computations import COMPUTATIONS
from tongxing.indicators.evaluation import PLAN_YEARS, rows_for
from tongxing.indicators.models import (
    COUNT_UNITS,
    Evidence,
    Indicator,
    Method,
    Origin,
    Report,
    ReportedStatus,
    ReportedValue,
    ReportedValueEvent,
    ReportKind,
    ReportStatus,
    Snapshot,
    Unit,
)
from tongxing.registry.actions import ensure_allowed

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
REPORTABLE_YEARS = tuple(range(PLAN_YEARS[0], 2036))
REPORT_LEVELS = (AreaLevel.CITY, AreaLevel.COUNTY)
# The mid-term evaluation looks at 2023 and the final one at 2025 (seed ¶133).
REPORT_YEARS = {ReportKind.MIDTERM: (2023,), ReportKind.FINAL: (2025,)}
NARRATIVE_SECTIONS = ("summary", "progress", "problems", "measures")
NARRATIVE_MAX = 20_000


def _record(actor: User, action: AuditAction, obj: Any, area: str, summary: str, **kw) -> None:
    audit.record(
        actor,
        action,
        object_type=f"indicators.{type(obj).__name__.lower()}",
        object_id=obj.pk,
        area_code=area,
        summary=summary,
        **kw,
    )


def check_value(indicator: Indicator, value: Decimal) -> None:
    """A value that fits the indicator's unit, or ValidationError on ``value``."""
    if not value.is_finite() or value < 0:
        raise ValidationError({"value": _("The value cannot be negative.")})
    if indicator.unit == Unit.PERCENT and value > 100:
        raise ValidationError({"value": _("A percentage cannot be more than 100.")})
    whole_units = (*COUNT_UNITS, Unit.FACILITIES)
    if indicator.unit in whole_units and value != value.to_integral():
        raise ValidationError(
            {
                "value": _("This indicator counts whole %(unit)s.")
                % {"unit": indicator.get_unit_display()}
            }
        )
    if value.as_tuple().exponent < -2:
        raise ValidationError({"value": _("Give at most two decimal places.")})


def enter_reported_value(
    actor: User,
    indicator: Indicator,
    area: Area,
    year: int,
    value: Decimal,
    evidence: UploadedFile | None,
    note: str = "",
) -> ReportedValue:
    ensure_allowed(
        actor,
        Capability.REPORT_INDICATORS,
        area.code,
        _("You may not report values for this area."),
    )
    if indicator.method == Method.COMPUTED or indicator.code in COMPUTATIONS:
        raise ValidationError(
            {
                "indicator": _(
                    "This indicator is computed from the platform's data; it is not reported."
                )
            }
        )
    if area.level not in REPORT_LEVELS:
        raise ValidationError({"area": _("Values are reported for the city or a county.")})
    if year not in REPORTABLE_YEARS:
        raise ValidationError({"year": _("The year must lie between 2021 and 2035.")})
    check_value(indicator, value)
    if evidence is None or not evidence.size:
        raise ValidationError(
            {
                "evidence": _(
                    "Attach the document the value comes from (a report, a notice, a table)."
                )
            }
        )
    if evidence.size > MAX_EVIDENCE_BYTES:
        raise ValidationError({"evidence": _("The document is larger than 10 MB.")})
    content = evidence.read()
    now = timezone.now()
    try:
        with transaction.atomic():
            stored = Evidence.objects.create(
                name=evidence.name[:200],
                content_type=(evidence.content_type or "application/octet-stream")[:100],
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
            )
            reported = ReportedValue.objects.create(
                indicator=indicator,
                area=area,
                year=year,
                value=value,
                evidence=stored,
                note=note[:500],
                entered_by=actor,
                entered_at=now,
            )
            ReportedValueEvent.objects.create(
                reported_value=reported,
                action=ReportedStatus.ENTERED,
                actor=actor,
                at=now,
                note=note[:500],
            )
            _record(
                actor,
                AuditAction.CREATE,
                reported,
                area.code,
                f"{indicator.code} {year} reported as {value}",
                changes={"value": [None, str(value)], "evidence_sha256": [None, stored.sha256]},
            )
    except IntegrityError:
        raise ValidationError(
            {
                "value": _(
                    "A value for this indicator, area and year already awaits confirmation; "
                    "it must be confirmed or rejected first."
                )
            }
        ) from None
    return reported


def _pending(actor: User, reported_id: int, capability: Capability) -> ReportedValue:
    reported = (
        ReportedValue.objects.select_for_update().select_related("indicator").get(pk=reported_id)
    )
    ensure_allowed(
        actor, capability, reported.area_id, _("You may not decide values for this area.")
    )
    if reported.status != ReportedStatus.ENTERED:
        raise ValidationError(_("This value has already been decided."))
    if reported.entered_by_id == actor.pk:
        raise ValidationError(_("A second officer must confirm a value; you entered this one."))
    return reported


def confirm_reported_value(actor: User, reported_id: int) -> ReportedValue:
    with transaction.atomic():
        reported = _pending(actor, reported_id, Capability.CONFIRM_INDICATORS)
        now = timezone.now()
        reported.status = ReportedStatus.CONFIRMED
        reported.decided_by, reported.decided_at = actor, now
        reported.save(update_fields=["status", "decided_by", "decided_at"])
        ReportedValueEvent.objects.create(
            reported_value=reported, action=ReportedStatus.CONFIRMED, actor=actor, at=now
        )
        count = int(reported.value) if reported.indicator.unit in COUNT_UNITS else None
        Snapshot.objects.update_or_create(
            indicator=reported.indicator,
            area_id=reported.area_id,
            year=reported.year,
            quarter=0,
            defaults={
                "numerator": count,
                "denominator": None,
                "value": reported.value,
                "origin": Origin.REPORTED,
                "computed_at": now,
            },
        )
        _record(
            actor,
            AuditAction.UPDATE,
            reported,
            reported.area_id,
            f"{reported.indicator.code} {reported.year} confirmed at {reported.value}",
            changes={"status": [ReportedStatus.ENTERED, ReportedStatus.CONFIRMED]},
        )
    return reported


def reject_reported_value(actor: User, reported_id: int, reason: str) -> ReportedValue:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the value is rejected.")})
    with transaction.atomic():
        reported = _pending(actor, reported_id, Capability.CONFIRM_INDICATORS)
        now = timezone.now()
        reported.status = ReportedStatus.REJECTED
        reported.decided_by, reported.decided_at, reported.reason = actor, now, reason[:500]
        reported.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        ReportedValueEvent.objects.create(
            reported_value=reported,
            action=ReportedStatus.REJECTED,
            actor=actor,
            at=now,
            note=reason[:500],
        )
        _record(
            actor,
            AuditAction.UPDATE,
            reported,
            reported.area_id,
            f"{reported.indicator.code} {reported.year} rejected",
            changes={"status": [ReportedStatus.ENTERED, ReportedStatus.REJECTED]},
        )
    return reported


def start_computation(actor: User, years: list[int]) -> Job:
    ensure_allowed(
        actor,
        Capability.MANAGE_EVALUATION,
        actor.area_id or "",
        _("You may not compute indicators."),
    )
    if not years or any(y not in REPORTABLE_YEARS for y in years):
        raise ValidationError({"years": _("Choose years between 2021 and 2035.")})
    return start_job(
        "indicators.compute",
        user=actor,
        params={"years": sorted(set(years))},
        label=_("Compute plan indicators for %(years)s")
        % {"years": ", ".join(str(y) for y in sorted(set(years)))},
        area=actor.area,
    )


def generate_report(actor: User, kind: str, year: int, area: Area) -> Report:
    """Create a draft report, or refresh a draft's figures from the snapshots. An issued
    report is returned unchanged: regenerating it gives the same numbers."""
    ensure_allowed(
        actor,
        Capability.MANAGE_EVALUATION,
        area.code,
        _("You may not prepare reports for this area."),
    )
    if kind not in ReportKind.values:
        raise ValidationError({"kind": _("Choose the kind of report.")})
    if area.level not in REPORT_LEVELS:
        raise ValidationError({"area": _("Reports are made for the city and for each county.")})
    allowed_years = REPORT_YEARS.get(kind, REPORTABLE_YEARS)
    if year not in allowed_years:
        raise ValidationError(
            {
                "year": _("The %(kind)s covers %(years)s.")
                % {
                    "kind": ReportKind(kind).label,
                    "years": ", ".join(str(y) for y in allowed_years[:1])
                    if len(allowed_years) == 1
                    else "2021–2035",
                }
            }
        )
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(kind=kind, year=year, area=area).first()
        if report is not None and report.is_issued:
            return report
        rows = [row.as_frozen() for row in rows_for(area, year)]
        now = timezone.now()
        if report is None:
            report = Report.objects.create(
                kind=kind, year=year, area=area, rows=rows, generated_at=now, generated_by=actor
            )
            action, summary = AuditAction.CREATE, "report drafted"
        else:
            report.rows, report.generated_at, report.generated_by = rows, now, actor
            report.save(update_fields=["rows", "generated_at", "generated_by"])
            action, summary = AuditAction.UPDATE, "report figures refreshed"
        _record(actor, action, report, area.code, f"{kind} {year}: {summary}")
    return report


def _draft(actor: User, report_id: int) -> Report:
    report = Report.objects.select_for_update().get(pk=report_id)
    ensure_allowed(
        actor,
        Capability.MANAGE_EVALUATION,
        report.area_id,
        _("You may not change reports for this area."),
    )
    if report.is_issued:
        raise ValidationError(_("This report has been issued; it can no longer be changed."))
    return report


def save_narrative(actor: User, report_id: int, sections: dict[str, str]) -> Report:
    unknown = set(sections) - set(NARRATIVE_SECTIONS)
    if unknown:
        raise ValidationError(_("Unknown sections: %(s)s") % {"s": ", ".join(sorted(unknown))})
    for name, text in sections.items():
        if len(text) > NARRATIVE_MAX:
            raise ValidationError({name: _("At most 20,000 characters.")})
    with transaction.atomic():
        report = _draft(actor, report_id)
        before = dict(report.narrative)
        report.narrative = {name: sections.get(name, "").strip() for name in NARRATIVE_SECTIONS}
        report.save(update_fields=["narrative"])
        _record(
            actor,
            AuditAction.UPDATE,
            report,
            report.area_id,
            "narrative saved",
            changes={
                k: [before.get(k, ""), v]
                for k, v in report.narrative.items()
                if before.get(k, "") != v
            },
        )
    return report


def issue_report(actor: User, report_id: int) -> Report:
    with transaction.atomic():
        report = _draft(actor, report_id)
        if not report.rows:
            raise ValidationError(_("The report has no figures; compute the indicators first."))
        report.status = ReportStatus.ISSUED
        report.issued_by, report.issued_at = actor, timezone.now()
        report.save(update_fields=["status", "issued_by", "issued_at"])
        _record(
            actor,
            AuditAction.UPDATE,
            report,
            report.area_id,
            f"{report.kind} {report.year} issued",
            changes={"status": [ReportStatus.DRAFT, ReportStatus.ISSUED]},
        )
    return report


def ensure_may_view(actor: User, area: Area) -> None:
    """Staff see the indicators of their own area and below."""
    if not actor.is_authenticated or not actor.can(Capability.VIEW_INDICATORS):
        raise PermissionDenied
    if not actor.area_id or not area.code.startswith(actor.area_id):
        raise PermissionDenied
