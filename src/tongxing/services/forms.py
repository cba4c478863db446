"""Forms built from a service type's field specs; they check shape, the actions check
the rules (and re-check every field, so an API call cannot skip them)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.areas.models import AreaLevel
from tongxing.registry.forms import CHOOSE, DATE_WIDGET, AreaField, area_choices
from tongxing.services.definitions import DocumentSpec, FieldSpec
from tongxing.services.models import Document, Facility, FacilityKind

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _form_field(spec: FieldSpec) -> forms.Field:
    common = {"label": spec.label, "required": spec.required, "help_text": spec.help}
    if spec.type == "text":
        return forms.CharField(max_length=200, **common)
    if spec.type == "long_text":
        return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if spec.type == "choice":
        return forms.ChoiceField(choices=[CHOOSE, *spec.options], **common)
    if spec.type == "yes_no":
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if spec.type == "date":
        return forms.DateField(widget=DATE_WIDGET, **common)
    places = 2 if spec.type == "money" else None
    return forms.DecimalField(
        decimal_places=places, min_value=spec.min, max_value=spec.max, **common
    )


class SpecForm(forms.Form):
    """The fields of a service (or of one step), the documents it asks for (an earlier
    upload of that kind chosen, or a new file), and the form's idempotency token."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        fields: Sequence[FieldSpec] = (),
        documents: Sequence[DocumentSpec] = (),
        kept: Iterable[Document] = (),
        facility_kind: str = "",
        facilities: Iterable[Facility] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)
        self.specs = list(fields)
        self.document_specs = list(documents)
        for spec in self.specs:
            self.fields[f"f_{spec.key}"] = _form_field(spec)
        kept = list(kept)
        for spec in self.document_specs:
            earlier = [
                (str(d.pk), f"{d.original_name} ({d.uploaded_at:%Y-%m-%d})")
                for d in kept
                if d.kind == spec.code
            ]
            if earlier:
                self.fields[f"doc_{spec.code}"] = forms.ChoiceField(
                    label=_("%(label)s: a document already kept") % {"label": spec.label},
                    choices=[("", _("— none, upload a new one below —")), *earlier],
                    required=False,
                    initial=earlier[0][0],
                )
            self.fields[f"file_{spec.code}"] = forms.FileField(
                label=_("%(label)s: upload (PDF, JPEG or PNG)") % {"label": spec.label},
                required=False,
            )
        if facility_kind:
            self.fields["facility"] = forms.ModelChoiceField(
                queryset=Facility.objects.filter(pk__in=[f.pk for f in facilities]),
                label=FacilityKind(facility_kind).label,
                empty_label=str(CHOOSE[1]),
            )
        self.fields["note"] = forms.CharField(
            label=_("Note"),
            max_length=2000,
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def answers(self) -> dict[str, Any]:
        return {spec.key: self.cleaned_data.get(f"f_{spec.key}") for spec in self.specs}

    def chosen_documents(self, kept: Iterable[Document]) -> dict[str, Document]:
        by_pk = {str(d.pk): d for d in kept}
        return {
            spec.code: by_pk[self.cleaned_data[f"doc_{spec.code}"]]
            for spec in self.document_specs
            if self.cleaned_data.get(f"doc_{spec.code}") in by_pk
        }

    def uploads(self) -> dict[str, Any]:
        return {
            spec.code: self.cleaned_data[f"file_{spec.code}"]
            for spec in self.document_specs
            if self.cleaned_data.get(f"file_{spec.code}")
        }

    def field_name(self, key: str) -> str:
        """The form field an action's error for ``key`` belongs to."""
        if f"f_{key}" in self.fields:
            return f"f_{key}"
        if key.startswith("document_") and f"file_{key[9:]}" in self.fields:
            return f"file_{key[9:]}"
        return key if key in self.fields else ""


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the refusal (shown in the decision letter)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why it is withdrawn"), max_length=2000, required=False)


class ReassignForm(forms.Form):
    to_user = forms.ModelChoiceField(
        queryset=None, label=_("Give this step to"), empty_label=str(CHOOSE[1])
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = users


class ServiceRecordForm(forms.Form):
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DATE_WIDGET)
    description = forms.CharField(label=_("What was done"), max_length=500)
    hours = forms.DecimalField(label=_("Hours"), required=False, max_digits=6, decimal_places=2)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"))
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))

    def __init__(self, *args: Any, kinds: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [CHOOSE, *kinds]


class FacilityFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *FacilityKind.choices], required=False
    )
    designated = forms.ChoiceField(
        label=_("Designated"),
        choices=[("", _("All")), ("yes", _("Designated now")), ("no", _("Not designated"))],
        required=False,
    )
    q = forms.CharField(label=_("Name contains"), max_length=50, required=False)


class FacilityForm(forms.Form):
    """The directory entry; the actions check the area, the names and the dates."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=[CHOOSE, *FacilityKind.choices])
    area = AreaField(
        label=_("Area"),
        required=False,
        help_text=_("Leave empty for a facility outside the region, and name its city below."),
    )
    region = forms.CharField(
        label=_("City or region outside the area list"),
        max_length=100,
        required=False,
        help_text=_("For facilities outside the region, e.g. 成都市 or 重庆市."),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    capacity = forms.IntegerField(label=_("Places"), required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    designated = forms.BooleanField(label=_("Designated (定点)"), required=False)
    designated_from = forms.DateField(
        label=_("Designated from"), widget=DATE_WIDGET, required=False
    )
    designated_until = forms.DateField(
        label=_("Designated until"), widget=DATE_WIDGET, required=False
    )
    mutual_recognition = forms.BooleanField(label=_("Mutual recognition"), required=False)

    def __init__(self, *args: Any, area_prefix: str, outside_allowed: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = (AreaLevel.COUNTY, AreaLevel.TOWNSHIP, AreaLevel.VILLAGE)
        _choose, *areas = area_choices(area_prefix, levels)
        area = self.fields["area"]
        if outside_allowed:
            area.choices = [("", _("— outside the region —")), *areas]
        else:
            # Facilities outside the region are the city's: a county officer picks an area.
            area.choices = [CHOOSE, *areas]
            area.required = True
            area.help_text = ""

    @classmethod
    def initial_for(cls, facility: Facility) -> dict[str, Any]:
        return {name: getattr(facility, name) for name in cls.base_fields if name != "area"} | {
            "area": facility.area_id or ""
        }


class FacilityMemberForm(forms.Form):
    username = forms.CharField(
        label=_("Provider account's user name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    since = forms.DateField(
        label=_("Works for the facility since"), widget=DATE_WIDGET, required=False
    )
