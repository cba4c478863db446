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

from tongxing.core.fields import BlindIndexField, EncryptedTextField


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
    MONTH_OF_YEAR = "month_of_year", _("month of the year (1–12)")
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


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Applied, awaiting decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    ENDED = "ended", _("Ended")


class BenefitClaim(models.Model):
    """A person's application for a benefit and its decision. The rules decide what a
    person is entitled to; an approved claim is what lets the payroll pay it, from the
    month of application (``subsidies.pay_from_application_month``) until ``ended_on``."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="claims", verbose_name=_("person")
    )
    benefit = models.CharField(_("benefit"), max_length=30)
    applied_on = models.DateField(_("applied on"))
    status = models.CharField(_("status"), max_length=10, choices=ClaimStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["benefit", "-applied_on"]
        verbose_name = _("benefit claim")
        verbose_name_plural = _("benefit claims")
        indexes = [models.Index(fields=["benefit", "status"], name="claim_benefit_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "benefit"],
                condition=models.Q(status__in=["pending", "approved"]),
                name="one_open_claim_per_benefit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.benefit} {self.applied_on} {self.status}"


class PaymentAccount(models.Model):
    """Where a person's benefits are paid: the 一卡通 (social security card) account."""

    person = models.OneToOneField(
        "registry.Person",
        on_delete=models.CASCADE,
        related_name="payment_account",
        verbose_name=_("person"),
    )
    bank = models.CharField(_("bank"), max_length=50)
    account_number = EncryptedTextField(
        _("account number"), context="benefits.paymentaccount.account_number"
    )
    account_number_index = BlindIndexField(
        source="account_number", context="bank_account", max_length=64, db_index=True
    )
    holder_name = models.CharField(_("account holder"), max_length=50)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("payment account")
        verbose_name_plural = _("payment accounts")

    def __str__(self) -> str:
        return f"{self.bank} {self.holder_name}"


class BatchStatus(models.TextChoices):
    PREPARING = "preparing", _("Being prepared")
    PREPARED = "prepared", _("Prepared, awaiting county approval")
    COUNTY_APPROVED = "county_approved", _("Approved by the county, awaiting the city")
    CITY_APPROVED = "city_approved", _("Approved by the city, awaiting lock")
    LOCKED = "locked", _("Locked: payment files issued")
    RETURNED = "returned", _("Returned for correction")
    FAILED = "failed", _("Preparation failed")


class PayrollBatch(models.Model):
    """One county's payments for one month. Lines are written by the preparation job in
    one transaction; each approval step is an action by a different officer."""

    county = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("county")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month paid."))
    status = models.CharField(_("status"), max_length=16, choices=BatchStatus.choices)
    job_id = models.UUIDField(_("job"), null=True, blank=True)
    # The registry as it stood at this instant is what the lines were computed from; the
    # next batch's corrections look at what was recorded after it.
    facts_as_of = models.DateTimeField(_("registry as of"), null=True, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    county_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    county_approved_at = models.DateTimeField(null=True, blank=True)
    city_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    city_approved_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(_("reason returned"), blank=True)
    # Parameters used that no city officer has verified, and the approver's words that
    # they pay on them knowingly.
    unverified_parameters = models.JSONField(default=list, blank=True)
    unverified_acknowledged = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-month", "county"]
        verbose_name = _("payroll batch")
        verbose_name_plural = _("payroll batches")
        constraints = [
            models.UniqueConstraint(fields=["county", "month"], name="one_batch_per_county_month")
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.month:%Y-%m}"


class LineKind(models.TextChoices):
    REGULAR = "regular", _("This month")
    ARREARS = "arrears", _("Arrears")
    RECOVERY = "recovery", _("Recovery")


class PayrollLine(models.Model):
    """One payment (or, negative, one recovery) to one person for one benefit and month."""

    # At a county's 400,000 lines every index and check costs seconds of the preparation's
    # write, so each one here is read by something. No single-column indexes on the two
    # keys: the uniqueness below starts with the batch (every read of a batch's lines, and
    # the CASCADE, use it), ``payroll_line_person`` with the person (Django's PROTECT when
    # persons are deleted, and corrections of a few persons). No database foreign keys:
    # the write takes the batch's row lock and joins each line to its person in the same
    # statement, Django still applies CASCADE and PROTECT, and the deferred checks at
    # commit were 8 of the write's 20 s at a million persons (431,681 lines).
    batch = models.ForeignKey(
        PayrollBatch,
        on_delete=models.CASCADE,
        related_name="lines",
        db_index=False,
        db_constraint=False,
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    benefit = models.CharField(_("benefit"), max_length=30)
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices)
    for_month = models.DateField(_("for month"))
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    township = models.CharField(_("township"), max_length=12)
    village = models.CharField(_("village"), max_length=12)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True)
    # Who and where to pay, copied from the registry when the batch is prepared (the
    # encrypted tokens are copied as they are, never decrypted, so the columns share
    # their source column's context): the approvers approve these accounts, and the
    # files of a locked batch never change afterwards.
    name = models.CharField(_("name"), max_length=50, blank=True)
    id_number = EncryptedTextField(_("ID number"), context="registry.person.id_number", null=True)
    bank = models.CharField(_("bank"), max_length=50, blank=True)
    account_number = EncryptedTextField(
        _("account number"), context="benefits.paymentaccount.account_number", null=True
    )

    class Meta:
        ordering = ["township", "village", "person_id", "benefit", "for_month"]
        verbose_name = _("payroll line")
        verbose_name_plural = _("payroll lines")
        indexes = [
            models.Index(fields=["person", "benefit", "for_month"], name="payroll_line_person"),
        ]
        constraints = [
            # No duplicate line, whatever a killed and re-run preparation does. The write
            # inserts in this order, so the index only ever grows at its right edge.
            models.UniqueConstraint(
                fields=["batch", "person", "benefit", "kind", "for_month"],
                name="one_payroll_line_per_person_benefit_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.benefit} {self.for_month:%Y-%m} {self.amount}"


class ChangeKind(models.TextChoices):
    NEW = "new", _("New")
    STOPPED = "stopped", _("Stopped")
    CHANGED = "changed", _("Amount changed")


class PayrollChange(models.Model):
    """How this month's regular payments differ from last month's, with the reason."""

    batch = models.ForeignKey(
        PayrollBatch, on_delete=models.CASCADE, related_name="changes", db_index=False
    )
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    benefit = models.CharField(_("benefit"), max_length=30)
    change = models.CharField(_("change"), max_length=10, choices=ChangeKind.choices)
    previous_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    reason = models.CharField(_("reason"), max_length=40)
    township = models.CharField(_("township"), max_length=12)

    class Meta:
        ordering = ["change", "township", "person_id", "benefit"]
        indexes = [models.Index(fields=["batch", "change"], name="payroll_change_batch")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.benefit} {self.change}"
