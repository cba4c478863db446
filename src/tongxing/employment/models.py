"""Employers and their quota declarations (残保金), and persons' employment status.

Changes go through :mod:`tongxing.employment.actions`; the fund is computed by
:mod:`tongxing.employment.fund` and never stored, so a corrected parameter or certificate
changes every figure that depends on it.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


class PostKind(models.TextChoices):
    REGULAR = "regular", _("Job post")
    WELFARE = "welfare", _("Public welfare post (公益性岗位)")


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
    # A public welfare post (公益性岗位) is created and paid for by a public body for a
    # term; disabled persons have priority for it (the plan, 三(三)). Regular posts leave
    # the three fields empty.
    kind = models.CharField(
        _("kind of post"), max_length=8, choices=PostKind.choices, default=PostKind.REGULAR
    )
    paid_by = models.CharField(_("paid by"), max_length=100, blank=True)
    term_start = models.DateField(_("term from"), null=True, blank=True)
    term_end = models.DateField(_("term until"), null=True, blank=True)
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


# --- plans: graduates' one person, one plan and zero-employment households' plans ----------


class PlanKind(models.TextChoices):
    GRADUATE = "graduate", _("Graduate: one person, one plan (一人一策)")
    HOUSEHOLD = "household", _("Zero-employment household")


# The schools whose leavers get a graduate plan (the registry's school-level codes).
GRADUATE_LEVELS = ("junior", "senior", "higher")


class PlanStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("plan status", "Open")
    CLOSED = "closed", pgettext_lazy("plan status", "Closed")


class PlanOutcome(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    FURTHER_STUDY = "further_study", _("Went on studying")
    NOT_SEEKING = "not_seeking", _("No longer seeking work")
    MOVED_AWAY = "moved_away", _("Moved away or died")
    OTHER = "other", _("Other")


class EmploymentPlan(models.Model):
    """A plan to get a person (a graduate) or a household (at least one member) into work:
    a goal, steps with owners and dates, and how it ended. Every change is a
    :class:`PlanEvent`, so the plan's history reads in order."""

    kind = models.CharField(_("kind of plan"), max_length=10, choices=PlanKind.choices)
    # The graduate; for a household, the member the plan was opened for (its area and
    # scope follow that person).
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    # Empty for a graduate and for a person who lives alone (a household of one).
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("household"),
    )
    goal = models.TextField(_("goal"))
    school_level = models.CharField(_("school left"), max_length=10, blank=True)
    left_school_on = models.DateField(_("left school on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=6, choices=PlanStatus.choices, default=PlanStatus.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=14, choices=PlanOutcome.choices, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.TextField(_("reason for closing"), blank=True)
    opened_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"))

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("employment plan")
        verbose_name_plural = _("employment plans")
        constraints = [
            # Double submits are harmless: one open plan of a kind per person and household.
            models.UniqueConstraint(
                fields=["kind", "person"],
                condition=models.Q(status="open"),
                name="one_open_plan_per_person",
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(status="open", kind="household"),
                name="one_open_plan_per_household",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", outcome="", closed_on__isnull=True)
                | models.Q(status="closed", closed_on__isnull=False) & ~models.Q(outcome=""),
                name="plan_closed_with_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class PlanStep(models.Model):
    """One action of a plan: what, who does it, by when, and what came of it."""

    plan = models.ForeignKey(
        EmploymentPlan, on_delete=models.CASCADE, related_name="steps", verbose_name=_("plan")
    )
    action = models.CharField(_("action"), max_length=200)
    owner = models.CharField(_("who does it"), max_length=100)
    due_date = models.DateField(_("due by"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    progress = models.TextField(_("progress"), blank=True)

    class Meta:
        ordering = ["plan_id", "due_date", "id"]
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")

    def __str__(self) -> str:
        return self.action

    def overdue_on(self, day: dt.date) -> bool:
        return self.done_on is None and self.due_date < day


class PlanEventKind(models.TextChoices):
    OPENED = "opened", _("Plan opened")
    STEP_ADDED = "step_added", _("Step added")
    PROGRESS = "progress", _("Progress recorded")
    STEP_DONE = "step_done", _("Step done")
    CLOSED = "closed", _("Plan closed")


class PlanEvent(models.Model):
    plan = models.ForeignKey(
        EmploymentPlan, on_delete=models.CASCADE, related_name="events", verbose_name=_("plan")
    )
    step = models.ForeignKey(
        PlanStep, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("what happened"), max_length=10, choices=PlanEventKind.choices)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["plan_id", "at", "id"]
        verbose_name = _("plan event")
        verbose_name_plural = _("plan events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


# --- employer subsidies ---------------------------------------------------------------------


class SubsidyKind(models.TextChoices):
    POST = "post", _("Post subsidy (岗位补贴)")
    SOCIAL_INSURANCE = "insurance", _("Social insurance subsidy (社会保险补贴)")
    FACILITY = "facility", _("Workplace adaptation (无障碍设施改造)")


class SubsidyStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class SubsidyApplication(models.Model):
    """An employer's application for a subsidy, decided by a second officer. Post and
    social insurance subsidies are per disabled employee and period; an adaptation names
    what is adapted. (To move to the generic services engine when it exists.)"""

    employer = models.ForeignKey(
        Employer,
        on_delete=models.PROTECT,
        related_name="subsidy_applications",
        verbose_name=_("employer"),
    )
    kind = models.CharField(_("subsidy"), max_length=10, choices=SubsidyKind.choices)
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("employee"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    description = models.TextField(_("what is asked for"), blank=True)
    amount_claimed = models.DecimalField(
        _("amount claimed (yuan)"), max_digits=12, decimal_places=2
    )
    amount_approved = models.DecimalField(
        _("amount approved (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SubsidyStatus.choices, default=SubsidyStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"))
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("employer subsidy application")
        verbose_name_plural = _("employer subsidy applications")
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "kind", "person", "period_start"],
                name="one_subsidy_application_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="subsidy_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_claimed__gt=0), name="subsidy_claim_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.employer}"


# --- unemployment warning -------------------------------------------------------------------


class WarningReason(models.TextChoices):
    EMPLOYMENT_ENDED = "ended", _("Employment ended")
    LONG_SEEKING = "long_seeking", _("Seeking work for a long time")


class WarningAction(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    TRAINING = "training", _("Referred to training")
    POST = "post", _("Matched with a job post")
    OTHER = "other", _("Other follow-up")


class WarningFollowUp(models.Model):
    """What was done about one warning. A warning is not stored: it is recomputed, and
    known by its person, reason and the day it began (``since``), so a new spell of
    unemployment is a new warning with its own follow-ups."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    reason = models.CharField(_("warning"), max_length=12, choices=WarningReason.choices)
    since = models.DateField(_("since"))
    action = models.CharField(_("follow-up"), max_length=12, choices=WarningAction.choices)
    course = models.ForeignKey(
        TrainingCourse,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("course"),
    )
    post = models.ForeignKey(
        JobPost,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("job post"),
    )
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["person_id", "at", "id"]
        verbose_name = _("unemployment warning follow-up")
        verbose_name_plural = _("unemployment warning follow-ups")
        indexes = [models.Index(fields=["person", "since"], name="warning_followup_person")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "reason", "since"],
                condition=models.Q(action="acknowledged"),
                name="one_acknowledgement_per_warning",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"
