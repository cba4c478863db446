"""Department lists as received, and the worklist the reconciliation makes of them.

A list is kept with its date (the day the department's data describes), its source
department, who uploaded it and the file's SHA-256; its rows keep the ID number encrypted,
with the same blind index as ``registry.Person.id_number_index``, so the reconciliation
joins them to the registry without decrypting anything.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tongxing.core.fields import BlindIndexField, EncryptedTextField
from tongxing.reconcile.kinds import KIND_CHOICES, KINDS, Department, ListKind
from tongxing.registry.models import RESIDENT_ID


class DepartmentList(models.Model):
    kind = models.CharField(_("list"), max_length=30, choices=KIND_CHOICES)
    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    list_date = models.DateField(_("data as of"))
    # The uploader's area: the persons the list speaks for, and who else may see it.
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    original_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.BigIntegerField(_("size in bytes"))
    rows_total = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        ordering = ["-list_date", "-id"]
        verbose_name = _("department list")
        verbose_name_plural = _("department lists")
        constraints = [
            # The same file for the same area twice is a mistake, not a new list.
            models.UniqueConstraint(fields=["area", "kind", "sha256"], name="list_once_per_area")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.list_date}"

    @property
    def spec(self) -> ListKind:
        return KINDS[self.kind]

    @property
    def source(self) -> str:
        return f"department_list:{self.pk}"


class DepartmentRow(models.Model):
    department_list = models.ForeignKey(
        DepartmentList, on_delete=models.CASCADE, related_name="rows"
    )
    row = models.PositiveIntegerField(_("row"))
    id_number = EncryptedTextField(_("ID number"), context="reconcile.row.id_number")
    id_number_index = BlindIndexField(source="id_number", context=RESIDENT_ID)
    name = models.CharField(_("name"), max_length=50, blank=True)
    event_date = models.DateField(_("date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, null=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    class Meta:
        ordering = ["department_list", "row"]
        indexes = [models.Index(fields=["id_number_index"], name="department_row_index")]

    def __str__(self) -> str:
        return f"{self.department_list_id}:{self.row}"


class Rule(models.TextChoices):
    DECEASED_PAID = "deceased_paid", _("Deceased but still paid")
    DECEASED_ALIVE = "deceased_alive", _("Deceased but alive in the registry")
    ASSISTANCE_NOT_RECORDED = "assistance_not_recorded", _("低保 or 特困 not in the registry")
    ASSISTANCE_NOT_LISTED = "assistance_not_listed", _("低保 or 特困 not in civil affairs' list")
    ASSISTANCE_NO_SUBSIDY = "assistance_no_subsidy", _("低保 member without the living subsidy")
    SEVERE_NO_PENSION = "severe_no_pension", _("Severely disabled, not enrolled in the pension")
    CHILD_NOT_ENROLLED = "child_not_enrolled", _("School-age disabled child not enrolled")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved (fixed)")
    DISMISSED = "dismissed", _("Dismissed (not applicable)")


class Finding(models.Model):
    """One worklist item: what a rule found about a person, and how it was closed."""

    rule = models.CharField(_("finding"), max_length=30, choices=Rule.choices)
    # Each index costs every reconciliation run one more entry per finding written
    # (100,000 at a million persons), and each database foreign key one more check at
    # commit (for the person, a second or more at 100,000 findings): person, area and
    # list are copied from rows the run has just read, and Django still applies PROTECT
    # and SET_NULL on delete.
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
        db_constraint=False,
    )
    # The person's area when found: whose worklist it is on. No index of its own: the
    # (area, status, rule) index leads with it.
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
        db_index=False,
        db_constraint=False,
    )
    # Nothing looks findings up by list or by closer; a list or user deleted by hand
    # (neither is in the UI) scans the table once.
    department_list = models.ForeignKey(
        DepartmentList,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("list"),
        db_index=False,
        db_constraint=False,
    )
    evidence = models.JSONField(_("evidence"), default=dict)
    # Money paid for months after a death: what is to be recovered.
    amount = models.DecimalField(
        _("amount to recover"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    found_at = models.DateTimeField(_("found"))
    status = models.CharField(
        _("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
        db_index=False,
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = _("worklist item")
        verbose_name_plural = _("worklist items")
        indexes = [models.Index(fields=["area", "status", "rule"], name="finding_area_status")]
        constraints = [
            # Repeated runs must not pile up the same open finding.
            models.UniqueConstraint(
                fields=["rule", "person"],
                condition=models.Q(status="open"),
                name="one_open_finding_per_rule",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} {self.person_id}"

    def get_absolute_url(self) -> str:
        return reverse("reconcile:finding", args=[self.pk])
