"""Poverty-return risk monitoring (防止返贫动态监测).

A monthly screening applies the risk rules (``monitoring/rules.py``, weights and levels
from ``regions/<pack>/risk/rules.yaml``, thresholds from the policy parameters) to every
person of an area and keeps one :class:`ScreeningResult` per person at risk. A person at
risk gets a :class:`RiskCase` (one per person, reopened rather than duplicated); staff
record :class:`Measure` s of help and close the case when the risk is cleared (动态清零).
Every change of a case is a :class:`CaseEvent`. :class:`OpenCount` keeps the number of
open cases per village after each month's screening, for the counts over time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


LEVEL_ORDER = {RiskLevel.HIGH: 3, RiskLevel.MEDIUM: 2, RiskLevel.LOW: 1}


class CircumstanceKind(models.TextChoices):
    MEDICAL_EXPENSE = "medical_expense", _("Large medical expense")
    DISASTER = "disaster", _("Damage from a disaster")
    BREADWINNER_ILLNESS = "breadwinner_illness", _("Serious illness of the breadwinner")


class Circumstance(models.Model):
    """A hardship staff learned of and the registry does not hold: what the rules for
    medical expenses, disasters and the breadwinner's illness read."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    kind = models.CharField(_("hardship"), max_length=20, choices=CircumstanceKind.choices)
    occurred_on = models.DateField(_("date"))
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("hardship")
        verbose_name_plural = _("hardships")
        indexes = [
            models.Index(fields=["person", "kind", "occurred_on"], name="circumstance_person")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class RuleVersion(models.Model):
    """The rule weights and level thresholds in force from a date, as loaded from the
    region pack's ``risk/rules.yaml``."""

    effective_from = models.DateField(_("in force from"), unique=True)
    weights = models.JSONField(_("weights"))
    levels = models.JSONField(_("levels"))
    source = models.TextField(_("source"))
    verified = models.BooleanField(_("verified"), default=False)
    note = models.TextField(_("note"), blank=True)
    file_path = models.CharField(_("file"), max_length=200)

    class Meta:
        ordering = ["effective_from"]
        verbose_name = _("risk rule version")
        verbose_name_plural = _("risk rule versions")

    def __str__(self) -> str:
        return f"{self.effective_from}"


class SurveyFacts(models.Model):
    """The two survey answers the rules read, taken out of a completed survey's encrypted
    answers once (the screening cannot decrypt a million answers every month)."""

    survey = models.OneToOneField(
        "surveys.Survey", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    household_income = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    has_caregiver = models.BooleanField(null=True)
    survey_updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person", "year"], name="surveyfacts_person_year")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}"


class Screening(models.Model):
    """One month's screening of one area; a re-run replaces its results."""

    month = models.DateField(_("month"))
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    ran_at = models.DateTimeField(_("ran"))
    persons = models.PositiveIntegerField(_("persons screened"), default=0)
    at_risk = models.PositiveIntegerField(_("persons at risk"), default=0)
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        ordering = ["-month", "area_id"]
        constraints = [
            models.UniqueConstraint(fields=["month", "area"], name="one_screening_per_month_area")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.month:%Y-%m}"


class ScreeningResult(models.Model):
    """A person at risk in a month: the score, the level and the rules met."""

    month = models.DateField(_("month"))
    # Written in bulk (a city's month is 100,000+ rows) from the persons the screening has
    # just read, so no database foreign key checks each row again, and no index of its
    # own: the unique (month, person) and the (month, area) indexes serve every lookup.
    # Each index the COPY maintains was measured to cost seconds at 170,000 rows.
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    score = models.PositiveSmallIntegerField(_("score"))
    level = models.CharField(_("risk level"), max_length=6, choices=RiskLevel.choices)
    rules = models.CharField(_("rules met"), max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "person"], name="one_result_per_month_person")
        ]
        indexes = [models.Index(fields=["month", "area"], name="screeningresult_month_area")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month:%Y-%m} {self.level}"

    @property
    def rule_codes(self) -> list[str]:
        return [code for code in self.rules.split(",") if code]


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed (risk cleared)")


class RiskCase(models.Model):
    """A person on the monitoring list. One row per person: a case closed and found at
    risk again in a later month is reopened, and its events keep the whole story."""

    person = models.OneToOneField(
        "registry.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    # The person's area when last screened: whose list the case is on. Its own index would
    # repeat the leading column of ``riskcase_area_status`` and slow the screening's bulk
    # insert of new cases. No database foreign key either: the area is copied from the
    # person just read, Django still applies PROTECT, and the deferred checks at commit
    # were a third of the 2.4 s commit of a first screening (167,520 new cases).
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
        db_index=False,
        db_constraint=False,
    )
    status = models.CharField(
        _("status"), max_length=6, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    level = models.CharField(_("risk level"), max_length=6, choices=RiskLevel.choices)
    rules = models.CharField(_("rules met"), max_length=200)
    opened_month = models.DateField(_("on the list since"))
    last_flagged_month = models.DateField(_("last found at risk"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["area_id", "id"]
        verbose_name = _("risk case")
        verbose_name_plural = _("risk cases")
        indexes = [models.Index(fields=["area", "status", "level"], name="riskcase_area_status")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:person", args=[self.person_id])

    @property
    def rule_codes(self) -> list[str]:
        return [code for code in self.rules.split(",") if code]


class MeasureKind(models.TextChoices):
    SUBSIDY = "subsidy", _("Subsidy")
    JOB = "job", _("Job or training")
    MEDICAL_AID = "medical_aid", _("Medical aid")
    DIBAO_APPLICATION = "dibao_application", _("Application for 低保")
    TEMPORARY_ASSISTANCE = "temporary_assistance", _("Temporary assistance (临时救助)")
    CARE = "care", _("Care arranged")
    OTHER = "other", _("Other help")


class Measure(models.Model):
    """Help given to a person on the list."""

    case = models.ForeignKey(RiskCase, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("measure"), max_length=20, choices=MeasureKind.choices)
    started_on = models.DateField(_("from"))
    detail = models.CharField(_("what was done"), max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("assistance measure")
        verbose_name_plural = _("assistance measures")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_on}"


class CaseEventKind(models.TextChoices):
    OPENED = "opened", _("Put on the list")
    REOPENED = "reopened", _("Reopened")
    MEASURE = "measure", _("Help recorded")
    CLOSED = "closed", _("Closed")


class CaseEvent(models.Model):
    case = models.ForeignKey(RiskCase, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=10, choices=CaseEventKind.choices)
    month = models.DateField(_("screening month"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class OpenCount(models.Model):
    """Open cases in a village after a month's screening."""

    month = models.DateField()
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    open_cases = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "area"], name="one_open_count_per_month_area")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.month:%Y-%m}: {self.open_cases}"
