"""Service types, applications and their history, documents, facilities and holidays.

State changes go through :mod:`tongxing.services.actions`; reads of applications go
through :mod:`tongxing.services.scoping`, which applies the user's area, facility or
person scope. See the package docstring for how another app plugs in.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceType(models.Model):
    """One kind of service, declared in the region pack (``services/<code>.yaml``) and
    loaded by ``manage.py load_services``. ``definition`` is the checked YAML: fields,
    documents, eligibility, steps; :mod:`tongxing.services.definitions` reads it."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    definition = models.JSONField(_("definition"), default=dict)
    reference = models.CharField(_("reference"), max_length=500, blank=True)
    verified = models.BooleanField(_("verified against the sources"), default=False)
    active = models.BooleanField(_("open for applications"), default=True)
    loaded_at = models.DateTimeField(_("loaded"), auto_now=True)

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class FacilityKind(models.TextChoices):
    DISABLED_HOME = "disabled_home", _("Home for disabled persons (残疾人之家)")
    REHAB_STATION = "rehab_station", _("Village or community rehabilitation station")
    CARE_INSTITUTION = "care_institution", _("Care institution (托养, 阳光家园)")
    LEGAL_AID_STATION = "legal_aid_station", _("Legal aid station")
    DEVICE_CENTRE = "device_centre", _("Assistive device service centre")
    REHAB_INSTITUTION = "rehab_institution", _("Rehabilitation institution")
    CONTRACTOR = "contractor", _("Renovation contractor")
    SCHOOL = "school", _("School")


class Facility(models.Model):
    """A place that delivers services: the facilities and providers directory.

    ``area`` is set for facilities inside the region; one outside it (a Chengdu or
    Chongqing rehabilitation institution) has no area and names its place in ``region``.
    A facility is designated (定点) between ``designated_from`` and ``designated_until``;
    ``mutual_recognition`` marks one another region's federation also recognises."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    region = models.CharField(
        _("city or region outside the area list"),
        max_length=100,
        blank=True,
        help_text=_("For facilities outside the region, e.g. 成都市 or 重庆市."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    designated = models.BooleanField(_("designated"), default=False)
    designated_from = models.DateField(_("designated from"), null=True, blank=True)
    designated_until = models.DateField(_("designated until"), null=True, blank=True)
    mutual_recognition = models.BooleanField(_("mutual recognition"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("provider staff"),
        through="FacilityMember",
        related_name="facilities",
        blank=True,
    )

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["kind", "area"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(area__isnull=False) | ~models.Q(region=""),
                name="facility_has_area_or_region",
                violation_error_message=_("A facility outside the area list names its region."),
            ),
            models.CheckConstraint(
                condition=models.Q(designated_until__isnull=True)
                | models.Q(designated_from__isnull=True)
                | models.Q(designated_until__gte=models.F("designated_from")),
                name="facility_designation_dates_in_order",
                violation_error_message=_("A designation cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_designated_on(self, day: dt.date) -> bool:
        if not self.designated:
            return False
        if self.designated_from and day < self.designated_from:
            return False
        return not (self.designated_until and day > self.designated_until)

    @property
    def place(self) -> str:
        return str(self.area) if self.area_id else self.region


class FacilityMember(models.Model):
    """A provider user works for a facility; they see and record only its clients."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        verbose_name = _("facility staff member")
        verbose_name_plural = _("facility staff members")
        constraints = [
            models.UniqueConstraint(fields=["facility", "user"], name="facility_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.facility}"


class ApplicationStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    APPROVED = "approved", _("Approved, being delivered")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (ApplicationStatus.IN_PROGRESS, ApplicationStatus.APPROVED)


class Outcome(models.TextChoices):
    NONE = "", _("Not decided")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Application(models.Model):
    """A person's application for one service, moving through its type's steps.

    The current step says who acts: ``step_role`` in ``step_area`` (the person's area cut
    to that role's level), or for a provider step the staff of ``facility``. The inbox is
    those columns, so it is one index range. ``due_date`` is the current step's deadline
    in working days (see :mod:`tongxing.services.calendar`)."""

    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("service"), on_delete=models.PROTECT
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="service_applications",
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.IN_PROGRESS,
    )
    current_step = models.CharField(_("current step"), max_length=40, blank=True)
    step_role = models.CharField(_("acting role"), max_length=20, blank=True)
    step_area = models.CharField(_("acting area"), max_length=12, blank=True)
    step_started = models.DateField(_("step started"), null=True, blank=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    step_data = models.JSONField(_("step records"), default=dict, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, blank=True, default=""
    )
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    items = models.JSONField(_("items"), default=list, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    priority = models.BooleanField(_("priority"), default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_on = models.DateField(_("submitted on"))
    submitted_at = models.DateTimeField(_("submitted"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            # The staff inbox: one role and area, open, earliest deadline first.
            models.Index(
                fields=["step_role", "step_area", "due_date", "id"],
                name="services_app_inbox",
                condition=models.Q(status__in=["in_progress", "approved"]),
            ),
            models.Index(
                fields=["facility", "due_date", "id"],
                name="services_app_facility",
                condition=models.Q(status__in=["in_progress", "approved"]),
            ),
            models.Index(fields=["person", "-submitted_at"], name="services_app_person"),
            models.Index(fields=["area", "id"], name="services_app_area"),
        ]
        constraints = [
            # One open application per person and service: a second submit is refused.
            models.UniqueConstraint(
                fields=["person", "service_type"],
                condition=models.Q(status__in=["in_progress", "approved"]),
                name="services_one_open_application",
                violation_error_message=_("This person already has an open application."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_type} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, day: dt.date) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < day


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    STEP_DONE = "step_done", _("Step completed")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    COMPLETED = "completed", _("Completed")
    REASSIGNED = "reassigned", _("Reassigned")
    COMMENT = "comment", _("Comment")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DOCUMENT = "document", _("Document attached")


class ApplicationEvent(models.Model):
    """The application's history: one row per transition or comment, never edited."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=12, choices=EventKind.choices)
    step = models.CharField(_("step"), max_length=40, blank=True)
    next_step = models.CharField(_("next step"), max_length=40, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.step}"


class Document(models.Model):
    """A file kept on the person, uploaded once and attached to any later application.

    The bytes live under ``TONGXING_DOCUMENTS_DIR`` (outside the web root), named by
    their SHA-256, and are served only by the access-checked, audited download view."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="service_documents"
    )
    kind = models.CharField(_("kind of document"), max_length=40)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("file type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            # Uploading the same file again for the same person and kind is harmless.
            models.UniqueConstraint(
                fields=["person", "kind", "sha256"], name="services_document_once"
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class ApplicationDocument(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    requirement = models.CharField(_("required as"), max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "document", "requirement"],
                name="services_attachment_once",
            )
        ]

    def __str__(self) -> str:
        return self.requirement


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    WORKDAY = "workday", _("Make-up working day (调休)")


class CalendarDay(models.Model):
    """A day that is not what its weekday says: a public holiday on a weekday, or a
    weekend day worked to make up for one (调休). Loaded from ``holidays/<year>.yaml``."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("holiday"), max_length=40)
    source = models.CharField(_("source"), max_length=300, blank=True)
    verified = models.BooleanField(_("verified"), default=False)

    class Meta:
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holidays and make-up days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class CalendarYear(models.Model):
    """A year whose holiday table is loaded: deadlines in other years count weekends only
    and say so."""

    year = models.PositiveSmallIntegerField(unique=True)
    source = models.CharField(max_length=300, blank=True)
    verified = models.BooleanField(default=False)

    def __str__(self) -> str:
        return str(self.year)


class ServiceRecord(models.Model):
    """A service a provider delivered to one of its facility's clients (a session of day
    care, a legal consultation, a repair): recorded by the facility's own staff only."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="service_records"
    )
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    delivered_on = models.DateField(_("delivered on"))
    description = models.CharField(_("what was done"), max_length=500)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("service delivered")
        verbose_name_plural = _("services delivered")
        ordering = ["-delivered_on", "-id"]

    def __str__(self) -> str:
        return f"{self.delivered_on} {self.description}"
