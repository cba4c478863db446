"""The plan's indicators, their computed or reported values, and the evaluation reports.

The catalogue (:class:`Indicator`) is loaded from the region pack by ``load_indicators``;
values reach :class:`Snapshot` only from the computation job or from a confirmed
:class:`ReportedValue`, and every page reads snapshots, never the population.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    PERSONS = "persons", _("persons")
    HOUSEHOLDS = "households", _("households")
    PERCENT = "percent", _("%")
    FACILITIES = "facilities", _("facilities")
    NUMBER = "number", _("number")
    YUAN_100M = "yuan_100m", _("100 million yuan")


# Units whose values are head counts: these are suppressed below the small-cell threshold
# on public pages, because a count of 1–4 in a township can point at a person.
COUNT_UNITS = frozenset({Unit.PERSONS, Unit.HOUSEHOLDS})


class Attribute(models.TextChoices):
    BINDING = "binding", _("Binding (约束性)")
    EXPECTED = "expected", _("Expected (预期性)")
    UNKNOWN = "unknown", _("Not stated in the sources found")


class Method(models.TextChoices):
    COMPUTED = "computed", _("Computed from the platform's data")
    WHEN_AVAILABLE = "when_available", _("Computed once the services module records it")
    REPORTED = "reported", _("Reported by a department with evidence")


class Direction(models.TextChoices):
    UP = "up", _("Higher is better")
    DOWN = "down", _("Lower is better")


class Indicator(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    definition = models.TextField(_("definition"))
    unit = models.CharField(_("unit"), max_length=12, choices=Unit.choices)
    attribute = models.CharField(_("attribute"), max_length=10, choices=Attribute.choices)
    method = models.CharField(_("how it is measured"), max_length=16, choices=Method.choices)
    direction = models.CharField(
        _("direction"), max_length=4, choices=Direction.choices, default=Direction.UP
    )
    # Counts over the plan period (people trained in five years) add up year by year;
    # levels (coverage, recipients on a day) do not.
    cumulative = models.BooleanField(_("cumulative over the plan period"), default=False)
    plan = models.CharField(_("plan"), max_length=20)  # "national", "bazhong"
    baseline = models.DecimalField(
        _("baseline (2020)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    baseline_source = models.TextField(_("source of the baseline"), blank=True)
    target = models.DecimalField(
        _("target (2025)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    target_source = models.TextField(_("source of the target"), blank=True)
    target_verified = models.BooleanField(_("target verified"), default=False)
    # Why there is no target: the official table was not found. Never a guessed number.
    target_not_found = models.TextField(_("target not found"), blank=True)
    source_document = models.TextField(_("source document"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    file_line = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name

    @property
    def is_count(self) -> bool:
        return self.unit in COUNT_UNITS


class Origin(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    REPORTED = "reported", _("Reported and confirmed")


class Snapshot(models.Model):
    """An indicator's value for one area and period. ``quarter`` 0 is the whole year."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="snapshots")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), default=0)
    numerator = models.BigIntegerField(_("count"), null=True, blank=True)
    denominator = models.BigIntegerField(_("out of"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2, null=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["indicator_id", "area_id", "year", "quarter"]
        verbose_name = _("indicator snapshot")
        verbose_name_plural = _("indicator snapshots")
        # Pages read one area's figures (all indicators) and the latest year computed.
        indexes = [models.Index(fields=["area", "year", "quarter"], name="snapshot_area_year")]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "year", "quarter"], name="one_snapshot_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=0, quarter__lte=4), name="snapshot_quarter_0_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.area_id} {self.year}Q{self.quarter}: {self.value}"


class Evidence(models.Model):
    """The document a reported value rests on, kept in the database with its checksum."""

    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.name


class ReportedStatus(models.TextChoices):
    ENTERED = "entered", _("Entered, awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class ReportedValue(models.Model):
    """A value a department reports for an indicator it alone knows; a second officer
    confirms it before it counts."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="reported")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportedStatus.choices, default=ReportedStatus.ENTERED
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-entered_at", "-id"]
        verbose_name = _("reported value")
        verbose_name_plural = _("reported values")
        constraints = [
            # A second entry for the same period while one awaits confirmation would let two
            # officers confirm different numbers; it must be decided first.
            models.UniqueConstraint(
                fields=["indicator", "area", "year"],
                condition=models.Q(status="entered"),
                name="one_pending_reported_value",
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.area_id} {self.year}: {self.value}"


class ReportedValueEvent(models.Model):
    """The history of a reported value: entered, confirmed, rejected — who, when, why."""

    reported_value = models.ForeignKey(
        ReportedValue, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=10, choices=ReportedStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d}"


class ReportKind(models.TextChoices):
    ANNUAL = "annual", _("Annual monitoring report")
    MIDTERM = "midterm", _("Mid-term evaluation")
    FINAL = "final", _("Final evaluation")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class Report(models.Model):
    """An evaluation report for one area and year. Its figures are copied into ``rows`` when
    generated; once issued neither they nor the narrative change, so the same report
    always shows the same numbers whatever the snapshots say later."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    rows = models.JSONField(_("figures"), default=list)
    narrative = models.JSONField(_("narrative"), default=dict, blank=True)
    generated_at = models.DateTimeField(_("figures taken"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "area_id", "kind"]
        verbose_name = _("evaluation report")
        verbose_name_plural = _("evaluation reports")
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "area"], name="one_report_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year} {self.area_id}"

    @property
    def is_issued(self) -> bool:
        return self.status == ReportStatus.ISSUED
