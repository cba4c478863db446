"""Child rehabilitation assistance (残疾儿童康复救助, 国发〔2018〕20号): a child's case
(screening, diagnosis, application), the placement at an institution, the institution's
monthly service records and their settlement per institution and month. The designated
institutions (some outside Bazhong, recognised mutually with Chengdu and Chongqing) are
``services.Facility`` rows of kind ``rehab_institution``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    SCREENED = "screened", _("Screened")
    DIAGNOSED = "diagnosed", _("Diagnosed")
    APPLIED = "applied", _("Applied")
    PLACED = "placed", _("Placed")
    CLOSED = "closed", _("Closed")


class RehabCase(models.Model):
    """A child's rehabilitation case: the data of one application through its steps."""

    child = models.ForeignKey(
        "registry.Person", verbose_name=_("child"), on_delete=models.PROTECT, related_name="+"
    )
    application = models.OneToOneField(
        "services.Application",
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rehab_case",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.SCREENED
    )
    screened_on = models.DateField(_("screened on"))
    screening_result = models.TextField(_("screening result"))
    diagnosed_on = models.DateField(_("diagnosed on"), null=True, blank=True)
    diagnosis = models.TextField(_("diagnosis"), blank=True)
    diagnosed_by = models.CharField(_("diagnosed by"), max_length=100, blank=True)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)

    class Meta:
        verbose_name = _("child rehabilitation case")
        verbose_name_plural = _("child rehabilitation cases")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.child_id} {self.status}"


class Placement(models.Model):
    """A child placed at a designated institution, from ``start`` (until ``end``)."""

    case = models.ForeignKey(
        RehabCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="placements"
    )
    child = models.ForeignKey(
        "registry.Person", verbose_name=_("child"), on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "services.Facility",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="placements",
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-start", "-pk"]

    def __str__(self) -> str:
        return f"{self.child_id} @ {self.institution_id}"


class ServiceRecord(models.Model):
    """What an institution delivered to one child in one month, and what it claims."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.PROTECT, related_name="records"
    )
    child = models.ForeignKey(
        "registry.Person", verbose_name=_("child"), on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "services.Facility",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.DateField(_("month"), help_text=_("the first day of the month"))
    sessions = models.PositiveSmallIntegerField(_("sessions"))
    amount = models.DecimalField(_("amount claimed (yuan)"), max_digits=10, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["month", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "institution", "month"], name="one_record_per_child_month"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="service_amount_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["institution", "month"], name="record_inst_month")]

    def __str__(self) -> str:
        return f"{self.child_id} {self.month:%Y-%m}"


class Settlement(models.Model):
    """An institution's month settled: what was claimed and what is paid after the
    yearly cap per child (across all institutions)."""

    institution = models.ForeignKey(
        "services.Facility",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="settlements",
    )
    month = models.DateField(_("month"))
    # The institution's county, or the city for an institution outside Bazhong
    # (cross-region settlement): who settles and who sees the statement.
    settling_area = models.ForeignKey(
        "areas.Area", verbose_name=_("settled by"), on_delete=models.PROTECT, related_name="+"
    )
    claimed = models.DecimalField(_("claimed (yuan)"), max_digits=12, decimal_places=2)
    payable = models.DecimalField(_("payable (yuan)"), max_digits=12, decimal_places=2)
    children = models.PositiveIntegerField(_("children"))
    # Which cap parameters were in force; empty when a band's cap was not found.
    caps_note = models.TextField(_("caps applied"), blank=True)
    cap_missing = models.BooleanField(_("a yearly cap was not found"), default=False)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("settled"), auto_now_add=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-month", "institution_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "month"], name="one_settlement_per_institution_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.month:%Y-%m}"


class SettlementLine(models.Model):
    """One child's line of a settlement: claimed, already paid this year elsewhere or
    earlier, the cap, and what is paid now."""

    settlement = models.ForeignKey(
        Settlement, verbose_name=_("settlement"), on_delete=models.CASCADE, related_name="lines"
    )
    record = models.OneToOneField(
        ServiceRecord, verbose_name=_("service record"), on_delete=models.PROTECT, related_name="+"
    )
    child = models.ForeignKey(
        "registry.Person", verbose_name=_("child"), on_delete=models.PROTECT, related_name="+"
    )
    claimed = models.DecimalField(_("claimed (yuan)"), max_digits=10, decimal_places=2)
    paid_before = models.DecimalField(
        _("paid earlier this year (yuan)"), max_digits=12, decimal_places=2
    )
    cap = models.DecimalField(
        _("yearly cap (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    payable = models.DecimalField(_("payable (yuan)"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")
        ordering = ["settlement_id", "child_id"]

    def __str__(self) -> str:
        return f"{self.settlement_id} {self.child_id}"
