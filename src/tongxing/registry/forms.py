"""Forms parse and check input shape; the action functions check the rules."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tongxing.areas.models import Area, AreaLevel
from tongxing.core.scoping import prefix_q
from tongxing.registry.models import (
    Category,
    CertificateStatus,
    Grade,
    HukouType,
    PersonStatus,
    Relation,
)
from tongxing.registry.queries import AGE_BANDS

# An explicit empty first option, so nobody submits the first category by not choosing.
CHOOSE = ("", _("— choose —"))
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def area_choices(prefix: str, levels: tuple[str, ...] = (AreaLevel.VILLAGE,)) -> list:
    """Villages under ``prefix``, grouped by township, for a select the keyboard can search."""
    areas = Area.objects.filter(prefix_q("code", prefix), level__in=levels).select_related("parent")
    groups: dict[str, list[tuple[str, str]]] = {}
    for area in areas.order_by("code"):
        label = _("%(name)s (demo)") % {"name": area.name} if area.synthetic else area.name
        groups.setdefault(area.parent.name if area.parent else "", []).append((area.code, label))
    return [CHOOSE, *groups.items()]


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach an action's ValidationError to the form fields it names."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class AreaField(forms.ChoiceField):
    def to_python(self, value: str) -> Area | None:
        value = super().to_python(value)
        if not value:
            return None
        try:
            return Area.objects.get(code=value)
        except Area.DoesNotExist:
            raise ValidationError(_("Choose an area from the list."), code="invalid") from None

    def validate(self, value: Area | None) -> None:
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        if value is not None:
            super().validate(value.code)


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=22,
        help_text=_("18 characters, as on the resident identity card."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, initial="汉族")
    hukou_type = forms.ChoiceField(label=_("Hukou type"), choices=[CHOOSE, *HukouType.choices])
    area = AreaField(label=_("Village or community"))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=50, required=False)
    guardian_relation = forms.CharField(
        label=_("Guardian is the person's"),
        max_length=20,
        required=False,
        help_text=_("For example: mother, son, legal guardian."),
    )
    guardian_id_number = forms.CharField(
        label=_("Guardian's ID number"),
        max_length=22,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    guardian_phone = forms.CharField(
        label=_("Guardian's phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args, area_prefix: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(area_prefix)


class RegisterForm(PersonForm):
    household_head_id_number = forms.CharField(
        label=_("Joins the household of (ID number of the head)"),
        max_length=22,
        required=False,
        help_text=_("Leave empty to start a new household with this person as its head."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    relation_to_head = forms.ChoiceField(
        label=_("Relation to the head of household"),
        choices=[CHOOSE, *[c for c in Relation.choices if c[0] != Relation.HEAD]],
        required=False,
    )
    category = forms.TypedChoiceField(
        label=_("Disability category"), choices=[CHOOSE, *Category.choices], coerce=int
    )
    multiple_detail = forms.MultipleChoiceField(
        label=_("For a multiple disability: the kinds combined"),
        choices=[c for c in Category.choices if c[0] != Category.MULTIPLE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    grade = forms.TypedChoiceField(label=_("Grade"), choices=[CHOOSE, *Grade.choices], coerce=int)
    certificate_number = forms.CharField(
        label=_("Certificate number"),
        max_length=24,
        required=False,
        help_text=_("Leave empty to use the ID number followed by the category and grade."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    issue_date = forms.DateField(label=_("Certificate issued on"), widget=DATE_WIDGET)
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Leave empty for 10 years from the issue date."),
    )


class LifeEventForm(forms.Form):
    effective_date = forms.DateField(label=_("Date it happened"), widget=DATE_WIDGET)
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MoveForm(LifeEventForm):
    to_area = AreaField(label=_("Moved to (village or community)"))
    address = forms.CharField(label=_("New address"), max_length=200, required=False)

    def __init__(self, *args, area_prefix: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A move may leave the worker's own area, so any village of the region is offered.
        self.fields["to_area"].choices = area_choices(area_prefix)


class MoveOutForm(LifeEventForm):
    destination = forms.CharField(label=_("Moved to (place outside the region)"), max_length=200)


class ReassessmentForm(LifeEventForm):
    category = forms.TypedChoiceField(
        label=_("New disability category"), choices=[CHOOSE, *Category.choices], coerce=int
    )
    multiple_detail = forms.MultipleChoiceField(
        label=_("For a multiple disability: the kinds combined"),
        choices=[c for c in Category.choices if c[0] != Category.MULTIPLE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    grade = forms.TypedChoiceField(
        label=_("New grade"), choices=[CHOOSE, *Grade.choices], coerce=int
    )


class ReasonForm(LifeEventForm):
    note = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class RevealForm(forms.Form):
    purpose = forms.CharField(
        label=_("Why do you need the full numbers?"),
        max_length=200,
        min_length=4,
        help_text=_(
            "For example: checking the identity card for a subsidy application. "
            "Your reason is recorded."
        ),
    )


class ExportForm(forms.Form):
    file_format = forms.ChoiceField(
        label=_("File format"),
        choices=[("xlsx", _("Excel workbook (.xlsx)")), ("csv", _("CSV text (.csv)"))],
        initial="xlsx",
        widget=forms.RadioSelect,
    )
    full_numbers = forms.BooleanField(
        label=_("Include full ID numbers"),
        required=False,
        help_text=_("Without this, ID numbers are masked as on screen."),
    )
    purpose = forms.CharField(
        label=_("Why do you need the full numbers?"),
        max_length=200,
        required=False,
        help_text=_("Required for full numbers. Your reason and the number of rows are recorded."),
    )

    def __init__(self, *args, may_reveal: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not may_reveal:
            del self.fields["full_numbers"]
            del self.fields["purpose"]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("full_numbers") and len(cleaned.get("purpose", "").strip()) < 4:
            self.add_error("purpose", _("Say why you need the full numbers."))
        return cleaned


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, pinyin, ID or certificate number"), required=False, max_length=30
    )
    area = forms.ChoiceField(label=_("Area"), required=False)
    category = forms.TypedChoiceField(
        label=_("Category"),
        choices=[("", _("All")), *Category.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    grade = forms.TypedChoiceField(
        label=_("Grade"),
        choices=[("", _("All")), *Grade.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    certificate_status = forms.ChoiceField(
        label=_("Certificate status"),
        choices=[("", _("All")), *CertificateStatus.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Person status"), choices=[("", _("All")), *PersonStatus.choices], required=False
    )
    age = forms.ChoiceField(
        label=_("Age"),
        choices=[("", _("All")), *[(k, _("%(band)s years") % {"band": k}) for k in AGE_BANDS]],
        required=False,
    )

    def __init__(self, *args, user_area: Area, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        sub_areas = (
            Area.objects.filter(prefix_q("code", user_area.code))
            .exclude(level=AreaLevel.VILLAGE if user_area.level in ("city", "county") else "")
            .order_by("code")
        )
        self.fields["area"].choices = [("", _("All of %(area)s") % {"area": user_area.name})] + [
            (a.code, ("　" * (len(a.code) // 3 - 1)) + a.name)
            for a in sub_areas
            if a.code != user_area.code
        ]
