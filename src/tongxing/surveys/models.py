"""The annual needs survey (量服), the needs it finds, and home visits.

Rows belong to their person and go with them (CASCADE): persons are never deleted in
normal work (a death is a status), only when the demo population is replaced.

State changes go through :mod:`tongxing.surveys.actions`; scoped reads through
:mod:`tongxing.surveys.queries`. Answers and visit notes are health and family
information (PIPL 第二十八条), so they are stored encrypted.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxing.core.fields import EncryptedTextField


class NeedKind(models.TextChoices):
    """What a stated need asks for; the services module will map each to a service type."""

    REHABILITATION = "rehabilitation", _("Rehabilitation")
    ASSISTIVE_DEVICE = "assistive_device", _("Assistive device")
    EDUCATION = "education", _("Education")
    EMPLOYMENT = "employment", _("Employment or training")
    CARE = "care", _("Care")
    SUBSIDY = "subsidy", _("Subsidy")
    HOME_RENOVATION = "home_renovation", _("Home accessibility renovation")
    LEGAL_AID = "legal_aid", _("Legal aid")
    CULTURE_SPORTS = "culture_sports", _("Culture and sports")


class SurveyDefinition(models.Model):
    """One year's questionnaire, loaded from ``regions/<pack>/surveys/<year>.yaml``."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    reference = models.TextField(_("basis"))
    verified = models.BooleanField(_("verified"), default=False)
    groups = models.JSONField(_("question groups"))
    file_path = models.CharField(_("file"), max_length=200)
    loaded_at = models.DateTimeField(_("loaded"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("survey definition")
        verbose_name_plural = _("survey definitions")

    def __str__(self) -> str:
        return self.title


class SurveyStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class Survey(models.Model):
    """One person's survey for one year. Only ``completed`` counts as done."""

    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.CASCADE,
        related_name="surveys",
        verbose_name=_("person"),
    )
    definition = models.ForeignKey(
        SurveyDefinition, on_delete=models.PROTECT, related_name="surveys"
    )
    # The definition's year, kept here so progress joins persons to surveys on
    # (person, year) through the unique index, without a second join.
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=12, choices=SurveyStatus.choices, default=SurveyStatus.IN_PROGRESS
    )
    # JSON {question key: answer}; encrypted because it holds health and income details.
    answers_data = EncryptedTextField(_("answers"), context="surveys.survey.answers")
    # JSON {question key: {"registry": …, "answer": …, "confirmed": bool}}: answers that
    # contradict the registry, kept with the answer rather than silently saved.
    flags_data = EncryptedTextField(_("registry differences"), context="surveys.survey.flags")
    flagged = models.BooleanField(_("differs from the registry"), default=False)
    saved_groups = models.JSONField(_("screens saved"), default=list)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started"))
    updated_at = models.DateTimeField(_("last saved"))
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("needs survey")
        verbose_name_plural = _("needs surveys")
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="one_survey_per_person_year"),
            models.CheckConstraint(
                condition=models.Q(status="in_progress", completed_at__isnull=True)
                | models.Q(status="completed", completed_at__isnull=False),
                name="survey_completed_has_time",
            ),
        ]
        # Progress joins every person of an area to this year's survey and reads only its
        # status: with status in the index the join never visits the table.
        indexes = [
            models.Index(fields=["person", "year", "status"], name="survey_person_year_status")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.person_id}"

    @property
    def answers(self) -> dict[str, Any]:
        return json.loads(self.answers_data) if self.answers_data else {}

    @answers.setter
    def answers(self, value: dict[str, Any]) -> None:
        self.answers_data = json.dumps(value, ensure_ascii=False, sort_keys=True)

    @property
    def flags(self) -> dict[str, dict[str, Any]]:
        return json.loads(self.flags_data) if self.flags_data else {}

    @flags.setter
    def flags(self, value: dict[str, dict[str, Any]]) -> None:
        self.flags_data = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
        self.flagged = bool(value)

    @property
    def is_done(self) -> bool:
        return self.status == SurveyStatus.COMPLETED


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    DECLINED = "declined", _("Declined")


class Need(models.Model):
    """A need stated in a survey; open until a service meets it or it is declined."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="needs", verbose_name=_("person")
    )
    kind = models.CharField(_("need"), max_length=20, choices=NeedKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="needs", verbose_name=_("from survey")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    opened_at = models.DateTimeField(_("stated"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Met: the service that met it ("met by …", with its reference); declined: why.
    reference = models.CharField(_("met by (reference)"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["status", "-opened_at", "id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.UniqueConstraint(fields=["survey", "kind"], name="one_need_per_kind_survey"),
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | (~models.Q(status="open") & models.Q(closed_at__isnull=False)),
                name="need_closed_has_time",
            ),
        ]
        # The same for the "need → met" figures per area.
        indexes = [
            models.Index(fields=["person", "year", "status"], name="need_person_year_status")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"


class VisitReason(models.TextChoices):
    SPECIAL_HARDSHIP = "special_hardship", _("Special hardship")
    LIVING_ALONE = "living_alone", _("Living alone")
    NO_CAREGIVER = "no_caregiver", _("Severe disability without a caregiver")
    FINDING = "finding", _("After a finding")
    FOLLOW_UP = "follow_up", _("Follow-up of an earlier visit")


class VisitPlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Visited")
    CANCELLED = "cancelled", _("Cancelled")


class VisitPlan(models.Model):
    """A home visit (入户访视) someone is to make by a date."""

    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.CASCADE,
        related_name="visit_plans",
        verbose_name=_("person"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=VisitReason.choices)
    detail = models.CharField(_("what to look at"), max_length=300, blank=True)
    due_date = models.DateField(_("visit by"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visitor"),
        on_delete=models.PROTECT,
        related_name="visit_plans",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=VisitPlanStatus.choices,
        default=VisitPlanStatus.PLANNED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("planned on"))
    follows = models.ForeignKey(
        "Visit",
        verbose_name=_("follows up the visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_up_plans",
    )

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        indexes = [models.Index(fields=["status", "due_date"], name="visit_plan_status_due")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.due_date}"


class Visit(models.Model):
    """What a home visit found. The notes are personal data and stored encrypted."""

    plan = models.OneToOneField(
        VisitPlan, on_delete=models.CASCADE, related_name="visit", verbose_name=_("plan")
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="visits", verbose_name=_("person")
    )
    visited_on = models.DateField(_("visited on"))
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = EncryptedTextField(_("notes"), context="surveys.visit.notes")
    follow_up = EncryptedTextField(_("follow-up"), context="surveys.visit.follow_up")
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")

    def __str__(self) -> str:
        return f"{self.person_id} {self.visited_on}"


class NeedApplication(models.Model):
    """The service application started from a need (issue #6: a need is met by a service).

    Owned by surveys so the services engine knows nothing of surveys: the link is made by
    :func:`tongxing.surveys.actions.start_application_for_need` and read back by the
    outcome handler the surveys app registers with the engine. An application comes from
    at most one need; a need may have several over time (a refused one, then another),
    but at most one open — the action checks that under the need's row lock, and the
    engine's one-open-application-per-person-and-service constraint backs it up.
    """

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="applications", verbose_name=_("need")
    )
    application = models.OneToOneField(
        "services.Application",
        on_delete=models.CASCADE,
        related_name="need_link",
        verbose_name=_("application"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("started"))
    # What became of the application when it ended without meeting the need (refused:
    # the reason), shown with the need that stays open.
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("application from a need")
        verbose_name_plural = _("applications from needs")

    def __str__(self) -> str:
        return f"{self.need_id} → {self.application_id}"
