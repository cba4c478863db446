"""Employers and their quota declarations (残保金), and persons' employment status.

Changes go through :mod:`tongxing.employment.actions`; the fund is computed by
:mod:`tongxing.employment.fund` and never stored, so a corrected parameter or certificate
changes every figure that depends on it.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class Employer(models.Model):
    """A unit that must employ disabled persons in proportion to its staff (按比例就业)."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    sector = models.CharField(_("sector"), max_length=50, blank=True)
    # Government bodies, public institutions and state enterprises are to lead by example
    # (the plan: public bodies first); the list of those below the quota is theirs.
    is_public_body = models.BooleanField(_("public body"), default=False)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        ordering = ["area_id", "name"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")

    def __str__(self) -> str:
        return self.name


class Declaration(models.Model):
    """An employer's annual declaration for one staff year: the fund for it is levied in
    the following year (财税〔2015〕72号: 上年在职职工人数 …)."""

    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="declarations", verbose_name=_("employer")
    )
    year = models.PositiveSmallIntegerField(_("staff year"))
    # Seasonal staff are converted to annual averages, so the number need not be whole.
    average_staff = models.DecimalField(_("average staff"), max_digits=10, decimal_places=2)
    total_wages = models.DecimalField(_("total wages (yuan)"), max_digits=15, decimal_places=2)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["-year", "employer_id"]
        verbose_name = _("quota declaration")
        verbose_name_plural = _("quota declarations")
        constraints = [
            models.UniqueConstraint(fields=["employer", "year"], name="one_declaration_a_year"),
            models.CheckConstraint(
                condition=models.Q(average_staff__gt=0), name="declaration_staff_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(total_wages__gte=0), name="declaration_wages_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer} {self.year}"


class DeclaredEmployee(models.Model):
    """A disabled employee as the employer listed them. Kept even when they cannot count
    (listed twice, declared by another employer, certificate not valid, outside working
    age): the fund computation flags such rows with the reason instead of losing them."""

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="employees",
        verbose_name=_("declaration"),
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    line = models.PositiveIntegerField(_("line"))

    class Meta:
        ordering = ["declaration_id", "line"]
        verbose_name = _("declared employee")
        verbose_name_plural = _("declared employees")
        indexes = [models.Index(fields=["person"], name="declared_employee_person")]

    def __str__(self) -> str:
        return f"{self.declaration} #{self.line}"


class WorkStatus(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    SEEKING = "seeking", _("Unemployed, seeking work")
    NOT_SEEKING = "not_seeking", _("Not seeking work")


class EmploymentForm(models.TextChoices):
    QUOTA = "quota", _("Quota placement (按比例就业)")
    CONCENTRATED = "concentrated", _("Concentrated employment (集中就业)")
    SELF_EMPLOYED = "self_employed", _("Self-employed (个体就业)")
    FLEXIBLE = "flexible", _("Flexible employment (灵活就业)")
    WELFARE_POST = "welfare_post", _("Public welfare post (公益性岗位)")
    ASSISTED = "assisted", _("Assisted employment (辅助性就业)")


class EmploymentStatus(models.Model):
    """One period of a person's employment status; the periods form the history. A new
    status closes the open one the day before it starts."""

    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.CASCADE,
        related_name="employment_statuses",
        verbose_name=_("person"),
    )
    status = models.CharField(_("status"), max_length=12, choices=WorkStatus.choices)
    form = models.CharField(
        _("form of employment"), max_length=14, choices=EmploymentForm.choices, blank=True
    )
    employer = models.ForeignKey(
        Employer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("employer"),
    )
    employer_note = models.CharField(
        _("where (if not a registered employer)"), max_length=100, blank=True
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["person_id", "-start_date", "-id"]
        verbose_name = _("employment status")
        verbose_name_plural = _("employment statuses")
        indexes = [models.Index(fields=["person", "start_date"], name="employment_person_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="employment_status_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(status="employed") & ~models.Q(form="")
                | ~models.Q(status="employed") & models.Q(form="", employer__isnull=True),
                name="employment_form_only_when_employed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.start_date}–{self.end_date or ''}"


class JobSeekerProfile(models.Model):
    """What a person of working age wishes and is able to do, for matching and plans."""

    person = models.OneToOneField(
        "registry.Person",
        on_delete=models.CASCADE,
        related_name="job_profile",
        verbose_name=_("person"),
    )
    wishes = models.TextField(_("wishes (kind of work, place, hours)"), blank=True)
    abilities = models.TextField(_("abilities, skills and training"), blank=True)
    updated_at = models.DateTimeField(_("last changed"))

    class Meta:
        verbose_name = _("job seeker profile")
        verbose_name_plural = _("job seeker profiles")

    def __str__(self) -> str:
        return f"{self.person}"


class Accessibility(models.TextChoices):
    STEP_FREE = "step_free", _("Step-free workplace")
    SIGN_LANGUAGE = "sign_language", _("Sign language used at work")
    SCREEN_READER = "screen_reader", _("Work a screen reader can do")
    SITTING = "sitting", _("Sitting work")
    FLEXIBLE_HOURS = "flexible_hours", _("Flexible hours")


class JobPost(models.Model):
    """A vacancy an employer offers to disabled job seekers."""

    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="posts", verbose_name=_("employer")
    )
    title = models.CharField(_("job title"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("place of work"), on_delete=models.PROTECT, related_name="+"
    )
    duties = models.TextField(_("duties"), blank=True)
    # Lists of Accessibility values and of disability categories (empty: any category).
    accessibility = models.JSONField(_("accessibility"), default=list, blank=True)
    suitable_categories = models.JSONField(_("suitable for"), default=list, blank=True)
    places = models.PositiveSmallIntegerField(_("places"), default=1)
    created_at = models.DateTimeField(_("posted"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job post")
        verbose_name_plural = _("job posts")

    def __str__(self) -> str:
        return f"{self.title} ({self.employer})"


class Placement(models.Model):
    """A job seeker placed in a post; the person's employment status changes with it."""

    post = models.ForeignKey(
        JobPost, on_delete=models.PROTECT, related_name="placements", verbose_name=_("job post")
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    start_date = models.DateField(_("starts on"))
    status = models.OneToOneField(
        EmploymentStatus, on_delete=models.PROTECT, related_name="placement"
    )
    # The follow-ups at 3 and 6 months: when the officer checked, and whether the person
    # was still in the job (empty until checked).
    checked_3m_on = models.DateField(_("checked after 3 months on"), null=True, blank=True)
    in_work_3m = models.BooleanField(_("in work after 3 months"), null=True, blank=True)
    checked_6m_on = models.DateField(_("checked after 6 months on"), null=True, blank=True)
    in_work_6m = models.BooleanField(_("in work after 6 months"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.UniqueConstraint(fields=["post", "person"], name="one_placement_per_post")
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.post}"

    def due(self, months: int) -> dt.date:
        """The day the follow-up after ``months`` months is due."""
        month = self.start_date.month - 1 + months
        year, month = self.start_date.year + month // 12, month % 12 + 1
        return self.start_date.replace(year=year, month=month, day=min(self.start_date.day, 28))

    @property
    def follow_ups(self) -> list[tuple[int, dt.date | None, bool | None, dt.date]]:
        """(months, checked on, still in work, due) for the 3- and 6-month follow-ups."""
        return [
            (3, self.checked_3m_on, self.in_work_3m, self.due(3)),
            (6, self.checked_6m_on, self.in_work_6m, self.due(6)),
        ]


class Skill(models.TextChoices):
    BLIND_MASSAGE = "blind_massage", _("Blind massage")
    ECOMMERCE = "ecommerce", _("E-commerce")
    HAIRDRESSING = "hairdressing", _("Hairdressing")
    FARMING = "farming", _("Farming and breeding")
    CRAFTS = "crafts", _("Handicrafts")
    OTHER = "other", _("Other skill")


class TrainingCourse(models.Model):
    """A practical-skills course for disabled persons (the plan's 实用技术培训)."""

    title = models.CharField(_("course"), max_length=100)
    provider = models.CharField(_("provider"), max_length=100)
    skill = models.CharField(_("skill"), max_length=14, choices=Skill.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("held in"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    places = models.PositiveSmallIntegerField(_("places"))
    accessibility = models.JSONField(_("accessibility"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="training_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Left before the end")


class Enrolment(models.Model):
    course = models.ForeignKey(
        TrainingCourse,
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=_("course"),
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ENROLLED,
    )
    certificate_obtained = models.BooleanField(_("skill certificate obtained"), default=False)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["course_id", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["course", "person"], name="one_enrolment_per_course")
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.course}"
