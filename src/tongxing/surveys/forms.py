"""Forms parse and check input shape; the action functions check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.accounts.models import User
from tongxing.areas.models import Area
from tongxing.registry.forms import CHOOSE, DATE_WIDGET, area_choices
from tongxing.surveys.definitions import TEXT_MAX, Group, Question, QuestionType
from tongxing.surveys.models import NeedKind, NeedStatus, VisitReason
from tongxing.surveys.roster import ROSTER_LEVELS

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
CONFIRM_PREFIX = "confirm_"


def _field(question: Question) -> forms.Field:
    common: dict[str, Any] = {
        "label": question.text,
        "required": question.required,
        "help_text": question.help,
    }
    options = [(o.value, o.label) for o in question.options]
    if question.type == QuestionType.CHOICE:
        return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
    if question.type == QuestionType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=options, widget=forms.CheckboxSelectMultiple, **common
        )
    if question.type == QuestionType.YES_NO:
        return forms.TypedChoiceField(
            choices=YES_NO,
            coerce=lambda value: value == "yes",
            empty_value=None,
            widget=forms.RadioSelect,
            **common,
        )
    if question.type == QuestionType.NUMBER:
        return forms.IntegerField(
            min_value=question.min,
            max_value=question.max,
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            **common,
        )
    return forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}), **common)


def initial_value(question: Question, answer: Any) -> Any:
    if question.type == QuestionType.YES_NO and answer is not None:
        return "yes" if answer else "no"
    return answer


class SurveyStepForm(forms.Form):
    """One screen of the questionnaire; a flagged answer gets a "I have checked" box."""

    def __init__(self, *args: Any, group: Group, answers: dict, flags: dict, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        self.flagged = {}
        for question in group.questions:
            self.fields[question.key] = _field(question)
            self.initial[question.key] = initial_value(question, answers.get(question.key))
            flag = flags.get(question.key)
            if flag:
                name = CONFIRM_PREFIX + question.key
                self.flagged[question.key] = flag
                self.fields[name] = forms.BooleanField(
                    label=_("I have checked: this answer is right and the registry is not."),
                    required=False,
                )
                self.initial[name] = flag.get("confirmed", False)

    def answers(self) -> dict[str, Any]:
        return {q.key: self.cleaned_data.get(q.key) for q in self.group.questions}

    def confirmed(self) -> set[str]:
        return {key for key in self.flagged if self.cleaned_data.get(CONFIRM_PREFIX + key) is True}

    def rows(self) -> list[tuple[Any, Any, dict | None]]:
        """(field, its confirm box or None, the flag or None) per question, in order."""
        rows = []
        for question in self.group.questions:
            flag = self.flagged.get(question.key)
            shown = None
            if flag:
                shown = {
                    "answer": question.display(flag["answer"]),
                    "registry": question.display(flag["registry"]),
                }
            confirm = self[CONFIRM_PREFIX + question.key] if flag else None
            rows.append((self[question.key], confirm, shown))
        return rows


class NeedCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(NeedStatus.MET, _("Met by a service")), (NeedStatus.DECLINED, _("Declined"))],
        widget=forms.RadioSelect,
    )
    reference = forms.CharField(
        label=_("Met by (service and reference)"),
        max_length=200,
        required=False,
        help_text=_("For example: wheelchair issued by the county device centre, record 2025-118."),
    )
    reason = forms.CharField(
        label=_("Reason for declining"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NeedFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *NeedStatus.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Need"), choices=[("", _("All")), *NeedKind.choices], required=False
    )


class VisitPlanForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason for the visit"),
        choices=[CHOOSE, *[c for c in VisitReason.choices if c[0] != VisitReason.FOLLOW_UP]],
    )
    detail = forms.CharField(
        label=_("What to look at"),
        max_length=300,
        required=False,
        help_text=_("Do not write health details here; they go in the visit notes."),
    )
    due_date = forms.DateField(label=_("Visit by"), widget=DATE_WIDGET)
    assigned_to = forms.ModelChoiceField(
        label=_("Who visits"), queryset=User.objects.none(), empty_label=CHOOSE[1]
    )

    def __init__(self, *args: Any, visitors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = visitors
        self.fields["assigned_to"].label_from_instance = lambda user: (
            f"{user} · {user.get_role_display()} · {user.area.name}"
        )


class VisitRecordForm(forms.Form):
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE_WIDGET)
    notes = forms.CharField(
        label=_("What you found"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    follow_up = forms.CharField(
        label=_("Follow-up needed"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up_due = forms.DateField(
        label=_("Follow-up visit by"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Give a date to plan the next visit now."),
    )


class RosterForm(forms.Form):
    area = forms.ChoiceField(label=_("Township or village"))
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=200,
        min_length=4,
        help_text=_(
            "For example: flood evacuation drill in July. The list shows full phone numbers "
            "and addresses; your name, the time and the purpose are recorded."
        ),
    )

    def __init__(self, *args: Any, user_area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(user_area.code, ROSTER_LEVELS)
