"""Policy parameters as dated values, in the manner of OpenFisca.

A :class:`Parameter` is one legal quantity (an amount, a rate, a list of grades); each
:class:`ParameterValue` holds it from ``effective_from`` until the next value's date, and a
``None`` value ends it. Values come from the region pack's YAML files (``origin=file``,
reviewed as code) or, later, from an officer's proposal in the app that a second officer
approves. Only approved values are ever in force.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    """A closed list: the loader checks each value's type against its unit, so a new kind
    of quantity needs a new member here and a rule in ``parameters.py``, not a free string."""

    CNY_PER_MONTH = "CNY_per_month", _("yuan per person per month")
    CNY_PER_YEAR = "CNY_per_year", _("yuan per year")
    PERCENT = "percent", _("percent")
    MULTIPLE = "multiple", _("times a base amount")
    YEARS = "years", _("years")
    MONTHS = "months", _("months")
    PERSONS = "persons", _("persons")
    BOOLEAN = "boolean", _("yes or no")
    GRADE_LIST = "grade_list", _("list of disability grades")


MONEY_UNITS = frozenset({Unit.CNY_PER_MONTH, Unit.CNY_PER_YEAR})


class Origin(models.TextChoices):
    FILE = "file", _("Loaded from the region pack")
    PROPOSAL = "proposal", _("Proposed in the app")


class ValueStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Parameter(models.Model):
    """One policy quantity, named by its path in the region pack
    (``subsidies/nursing/amount_grade_1.yaml`` is ``subsidies.nursing.amount_grade_1``)."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    description = models.TextField(_("description"))
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    reference = models.TextField(_("legal reference"))
    file_path = models.CharField(_("file"), max_length=300, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("policy parameter")
        verbose_name_plural = _("policy parameters")

    def __str__(self) -> str:
        return self.key


class ParameterValue(models.Model):
    """The value a parameter takes from ``effective_from`` on.

    ``value`` is JSON: money and rates are stored as decimal *strings* ("110.00", "1.6") so
    that no float ever touches an amount; ``parameters.decode_value`` turns them back into
    ``Decimal``. ``None`` ends the parameter (OpenFisca's ``value: null``).
    """

    parameter = models.ForeignKey(
        Parameter, on_delete=models.PROTECT, related_name="values", verbose_name=_("parameter")
    )
    effective_from = models.DateField(_("in force from"))
    value = models.JSONField(_("value"), null=True, blank=True)
    source = models.TextField(_("source document"))
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Checked against the official text; unverified values are flagged."),
    )
    note = models.TextField(_("note"), blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    status = models.CharField(_("status"), max_length=10, choices=ValueStatus.choices)
    # Set for values proposed in the app; file values are reviewed as code instead.
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        ordering = ["parameter", "effective_from"]
        verbose_name = _("parameter value")
        verbose_name_plural = _("parameter values")
        constraints = [
            # Two approved values on one date would make "the value in force" ambiguous.
            models.UniqueConstraint(
                fields=["parameter", "effective_from"],
                condition=models.Q(status="approved"),
                name="one_approved_parameter_value_per_date",
            )
        ]
        indexes = [models.Index(fields=["parameter", "status", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.parameter_id} from {self.effective_from}: {self.value}"
