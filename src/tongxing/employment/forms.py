"""Forms parse and check input shape; the action functions check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.areas.models import AreaLevel
from tongxing.employment.models import (
    GRADUATE_LEVELS,
    Accessibility,
    Employer,
    EmploymentForm,
    EnrolmentStatus,
    PlanOutcome,
    PostKind,
    Skill,
    SubsidyKind,
    WarningAction,
    WorkStatus,
)
from tongxing.registry.forms import CHOOSE, DATE_WIDGET, AreaField, area_choices
from tongxing.registry.models import Category, SchoolLevel


class EmployerForm(forms.Form):
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        help_text=_("18 characters, as on the business licence."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    area = AreaField(label=_("Area"))
    sector = forms.CharField(label=_("Sector"), max_length=50, required=False)
    is_public_body = forms.BooleanField(
        label=_("Public body (government, public institution or state enterprise)"),
        required=False,
    )

    def __init__(self, *args, prefix_code: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(
            prefix_code, (AreaLevel.COUNTY, AreaLevel.TOWNSHIP, AreaLevel.VILLAGE)
        )


class DeclarationForm(forms.Form):
    year = forms.IntegerField(label=_("Staff year"), min_value=2000, max_value=2100)
    average_staff = forms.DecimalField(
        label=_("Average staff in the year"),
        max_digits=10,
        decimal_places=2,
        help_text=_("Seasonal staff converted to annual averages; need not be a whole number."),
    )
    total_wages = forms.DecimalField(
        label=_("Total wages paid in the year (yuan)"), max_digits=15, decimal_places=2
    )
    employees = forms.CharField(
        label=_("Disabled employees: resident ID numbers, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Each person must be in the registry of your area."),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=WorkStatus.choices, widget=forms.RadioSelect
    )
    form = forms.ChoiceField(
        label=_("Form of employment (if employed)"),
        choices=[CHOOSE, *EmploymentForm.choices],
        required=False,
    )
    employer = forms.ModelChoiceField(
        label=_("Employer (if registered)"), queryset=Employer.objects.none(), required=False
    )
    employer_note = forms.CharField(
        label=_("Where (if not a registered employer)"), max_length=100, required=False
    )
    start_date = forms.DateField(label=_("From"), widget=DATE_WIDGET)

    def __init__(self, *args, employers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = employers


class ProfileForm(forms.Form):
    wishes = forms.CharField(
        label=_("Wishes (kind of work, place, hours)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    abilities = forms.CharField(
        label=_("Abilities, skills and training"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PostForm(forms.Form):
    title = forms.CharField(label=_("Job title"), max_length=100)
    area = AreaField(label=_("Place of work"))
    duties = forms.CharField(
        label=_("Duties"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    accessibility = forms.MultipleChoiceField(
        label=_("Accessibility"),
        choices=Accessibility.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    suitable_categories = forms.TypedMultipleChoiceField(
        label=_("Suitable for (leave empty for any kind of disability)"),
        choices=Category.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=999, initial=1)
    kind = forms.ChoiceField(
        label=_("Kind of post"),
        choices=PostKind.choices,
        initial=PostKind.REGULAR,
        widget=forms.RadioSelect,
    )
    paid_by = forms.CharField(
        label=_("Paid by (public welfare posts)"),
        max_length=100,
        required=False,
        help_text=_("The body or fund that pays the wage, e.g. the employment subsidy fund."),
    )
    term_start = forms.DateField(
        label=_("Term from (public welfare posts)"), required=False, widget=DATE_WIDGET
    )
    term_end = forms.DateField(
        label=_("Term until (public welfare posts)"), required=False, widget=DATE_WIDGET
    )

    def __init__(self, *args, prefix_code: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(
            prefix_code, (AreaLevel.COUNTY, AreaLevel.TOWNSHIP, AreaLevel.VILLAGE)
        )


class PlacementForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    form = forms.ChoiceField(
        label=_("Form of employment"),
        choices=[CHOOSE, *EmploymentForm.choices],
    )
    start_date = forms.DateField(label=_("Starts on"), widget=DATE_WIDGET)


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Course"), max_length=100)
    provider = forms.CharField(label=_("Provider"), max_length=100)
    skill = forms.ChoiceField(label=_("Skill"), choices=[CHOOSE, *Skill.choices])
    area = AreaField(label=_("Held in"))
    start_date = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("Until"), widget=DATE_WIDGET)
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=999)
    accessibility = forms.MultipleChoiceField(
        label=_("Accessibility"),
        choices=Accessibility.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, prefix_code: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(
            prefix_code, (AreaLevel.COUNTY, AreaLevel.TOWNSHIP, AreaLevel.VILLAGE)
        )


class EnrolForm(forms.Form):
    id_number = forms.CharField(label=_("Resident ID number of the person to enrol"), max_length=30)


class FinishForm(forms.Form):
    enrolment = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (EnrolmentStatus.COMPLETED.value, EnrolmentStatus.COMPLETED.label),
            (EnrolmentStatus.DROPPED.value, EnrolmentStatus.DROPPED.label),
        ],
    )
    certificate_obtained = forms.BooleanField(label=_("Skill certificate obtained"), required=False)


class FollowUpForm(forms.Form):
    placement = forms.IntegerField(widget=forms.HiddenInput)
    months = forms.TypedChoiceField(
        choices=[(3, "3"), (6, "6")], coerce=int, widget=forms.HiddenInput
    )
    checked_on = forms.DateField(label=_("Checked on"), widget=DATE_WIDGET)
    in_work = forms.TypedChoiceField(
        label=_("Still in the job"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
    )


class GraduatePlanForm(forms.Form):
    goal = forms.CharField(
        label=_("Goal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    school_level = forms.ChoiceField(
        label=_("School left"),
        choices=[CHOOSE, *[(level, SchoolLevel(level).label) for level in GRADUATE_LEVELS]],
    )
    left_school_on = forms.DateField(label=_("Left school on"), widget=DATE_WIDGET)


class HouseholdPlanForm(forms.Form):
    goal = forms.CharField(
        label=_("Goal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The target is at least one member of the household in work."),
    )


class StepForm(forms.Form):
    action = forms.CharField(label=_("What is to be done"), max_length=200)
    owner = forms.CharField(label=_("Who does it"), max_length=100)
    due_date = forms.DateField(label=_("Due by"), widget=DATE_WIDGET)


class ProgressForm(forms.Form):
    step = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Progress"), max_length=2000)
    done_on = forms.DateField(
        label=_("Done on (leave empty if not yet done)"), required=False, widget=DATE_WIDGET
    )


class ClosePlanForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[CHOOSE, *PlanOutcome.choices])
    reason = forms.CharField(
        label=_("Reason for closing"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE_WIDGET)


class SubsidyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Subsidy"), choices=[CHOOSE, *SubsidyKind.choices])
    id_number = forms.CharField(
        label=_("Resident ID number of the disabled employee (post and insurance subsidies)"),
        max_length=30,
        required=False,
    )
    period_start = forms.DateField(label=_("Period from"), widget=DATE_WIDGET)
    period_end = forms.DateField(label=_("Period until"), widget=DATE_WIDGET)
    amount_claimed = forms.DecimalField(
        label=_("Amount claimed (yuan)"), max_digits=12, decimal_places=2
    )
    description = forms.CharField(
        label=_("What is asked for (required for a workplace adaptation)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    decision = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        coerce=lambda value: value == "approve",
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Amount approved (yuan)"), max_digits=12, decimal_places=2, required=False
    )
    reason = forms.CharField(
        label=_("Reason or basis"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when refusing, and when no verified standard is in force."),
    )


class WarningFollowUpForm(forms.Form):
    warning = forms.ChoiceField(label=_("Warning"))
    action = forms.ChoiceField(
        label=_("Follow-up"), choices=WarningAction.choices, widget=forms.RadioSelect
    )
    course = forms.ModelChoiceField(label=_("Course"), queryset=None, required=False)
    post = forms.ModelChoiceField(label=_("Job post"), queryset=None, required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args, warnings, courses, posts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warning"].choices = warnings
        self.fields["course"].queryset = courses
        self.fields["post"].queryset = posts
