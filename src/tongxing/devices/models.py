"""Assistive devices: the region's catalogue, the device centres' loan pools (a centre is
a ``services.Facility`` of kind ``device_centre``), and a person's device case
(assessment, fitting, handover with its settlement, follow-up).

A device case is the device data of one application: the application engine moves the
application through its steps and the step handlers here record what each step found.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceCategory(models.TextChoices):
    MOBILITY = "mobility", _("Mobility")
    HEARING = "hearing", _("Hearing")
    VISION = "vision", _("Vision")
    PROSTHETICS = "prosthetics", _("Prostheses and orthoses")
    DAILY_LIVING = "daily_living", _("Daily living")


class CatalogueItem(models.Model):
    """One entry of the region's basic assistive-device catalogue (loaded from the region
    pack by ``load_device_catalogue``)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=DeviceCategory.choices)
    name = models.CharField(_("item"), max_length=80)
    # Items of one group replace each other: a second wheelchair of any kind within the
    # replacement period is refused.
    replacement_group = models.SlugField(_("replacement group"), max_length=40)
    subsidy_cap = models.DecimalField(_("subsidy cap (yuan)"), max_digits=10, decimal_places=2)
    replacement_years = models.PositiveSmallIntegerField(_("replacement period (years)"))
    eligible_categories = models.JSONField(_("eligible disability categories"), default=list)
    loanable = models.BooleanField(_("lent from the loan pool"), default=False)
    source = models.TextField(_("source"))
    verified = models.BooleanField(_("verified"), default=False)

    class Meta:
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.name


class LoanState(models.TextChoices):
    AVAILABLE = "available", _("Available")
    LENT = "lent", _("Lent")
    IN_REPAIR = "in_repair", _("In repair")
    RECYCLED = "recycled", _("Recycled")


class Condition(models.TextChoices):
    NEW = "new", _("New")
    GOOD = "good", _("Good")
    WORN = "worn", _("Worn")
    DAMAGED = "damaged", _("Damaged")


class LoanItem(models.Model):
    """One physical item of a centre's loan pool, with its asset tag."""

    # A services.Facility of kind device_centre: the directory is the engine's.
    centre = models.ForeignKey(
        "services.Facility",
        verbose_name=_("centre"),
        on_delete=models.PROTECT,
        related_name="loan_items",
    )
    item = models.ForeignKey(CatalogueItem, verbose_name=_("item"), on_delete=models.PROTECT)
    tag = models.CharField(_("asset tag"), max_length=30)
    state = models.CharField(
        _("state"), max_length=10, choices=LoanState.choices, default=LoanState.AVAILABLE
    )
    condition = models.CharField(
        _("condition"), max_length=10, choices=Condition.choices, default=Condition.NEW
    )
    borrower = models.ForeignKey(
        "registry.Person",
        verbose_name=_("borrower"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lent_on = models.DateField(_("lent on"), null=True, blank=True)
    due_on = models.DateField(_("due back"), null=True, blank=True)

    class Meta:
        verbose_name = _("loan item")
        verbose_name_plural = _("loan items")
        ordering = ["item__code", "tag"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "tag"], name="loan_item_tag_per_centre"),
            models.CheckConstraint(
                condition=models.Q(state="lent", borrower__isnull=False)
                | (~models.Q(state="lent") & models.Q(borrower__isnull=True)),
                name="loan_item_borrower_iff_lent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} {self.tag}"


class LoanEventKind(models.TextChoices):
    ADDED = "added", _("Added to the pool")
    LENT = "lent", _("Lent")
    RETURNED = "returned", _("Returned")
    REPAIR = "repair", _("Sent for repair")
    REPAIRED = "repaired", _("Back from repair")
    RECYCLED = "recycled", _("Recycled")


class LoanEvent(models.Model):
    """The condition history of a loan item: one row per action, never edited."""

    loan_item = models.ForeignKey(
        LoanItem, verbose_name=_("loan item"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=10, choices=LoanEventKind.choices)
    on = models.DateField(_("date"))
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("loan event")
        verbose_name_plural = _("loan events")
        ordering = ["loan_item_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.loan_item_id} {self.kind} {self.on}"


class CaseStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ASSESSED = "assessed", _("Assessed")
    FITTED = "fitted", _("Fitted")
    HANDED_OVER = "handed_over", _("Handed over")
    FOLLOWED_UP = "followed_up", _("Followed up")


class DeviceCase(models.Model):
    """The device data of one application: what was asked for, what the assessment and the
    fitting found, and the handover. ``application_id`` is the engine's application."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        CatalogueItem, verbose_name=_("device asked for"), on_delete=models.PROTECT
    )
    application = models.OneToOneField(
        "services.Application",
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="device_case",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.APPLIED
    )
    centre = models.ForeignKey(
        "services.Facility",
        verbose_name=_("device centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="device_cases",
    )
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    assessment_notes = models.TextField(_("assessment notes"), blank=True)
    remote_guidance = models.BooleanField(_("assessed with remote guidance"), default=False)
    fitted_on = models.DateField(_("fitted on"), null=True, blank=True)
    fitted_item = models.ForeignKey(
        CatalogueItem,
        verbose_name=_("device fitted"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    price = models.DecimalField(
        _("price (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    fitting_notes = models.TextField(_("fitting notes"), blank=True)
    followed_up_on = models.DateField(_("followed up on"), null=True, blank=True)
    follow_up_notes = models.TextField(_("follow-up notes"), blank=True)
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)

    class Meta:
        verbose_name = _("device case")
        verbose_name_plural = _("device cases")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.person} {self.item}"


class Handover(models.Model):
    """The real-time settlement of a device handed over at a centre: the subsidy is the
    lower of the price and the catalogue cap, the person pays the rest. One per case."""

    case = models.OneToOneField(
        DeviceCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="handover"
    )
    centre = models.ForeignKey(
        "services.Facility",
        verbose_name=_("centre"),
        on_delete=models.PROTECT,
        related_name="handovers",
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(CatalogueItem, verbose_name=_("device"), on_delete=models.PROTECT)
    replacement_group = models.SlugField(_("replacement group"), max_length=40)
    handed_over_on = models.DateField(_("handed over on"))
    price = models.DecimalField(_("price (yuan)"), max_digits=10, decimal_places=2)
    cap = models.DecimalField(_("subsidy cap (yuan)"), max_digits=10, decimal_places=2)
    cap_verified = models.BooleanField(_("cap verified"))
    subsidy = models.DecimalField(_("subsidy (yuan)"), max_digits=10, decimal_places=2)
    person_pays = models.DecimalField(_("person pays (yuan)"), max_digits=10, decimal_places=2)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("handover settlement")
        verbose_name_plural = _("handover settlements")
        ordering = ["-handed_over_on", "-pk"]
        indexes = [
            models.Index(fields=["person", "replacement_group"], name="handover_person_group")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subsidy__gte=0) & models.Q(person_pays__gte=0),
                name="handover_amounts_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.handed_over_on}"
