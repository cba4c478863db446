"""Applying for a service in the portal: one question per screen, then the documents,
then a check of the answers before sending.

The answers given so far are a draft kept in the session (nothing is written to the
database until the last screen sends it through the engine's ``submit_application``).
The draft's token is the submit's idempotency key, so a double click or a refresh of the
last screen sends one application.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.sessions.backends.base import SessionBase
from django.utils.translation import gettext_lazy as _

from tongxing.services.actions import clean_fields
from tongxing.services.definitions import DocumentSpec, FieldSpec

SESSION_KEY = "portal_application_drafts"
YES_NO = (("yes", _("Yes")), ("no", _("No")))
NEW_FILE = "new"
NOT_NOW = "none"


@dataclass
class Draft:
    answers: dict[str, Any] = field(default_factory=dict)
    documents: dict[str, int] = field(default_factory=dict)  # requirement -> Document pk
    token: str = field(default_factory=lambda: secrets.token_hex(16))


def _key(person_pk: int, code: str) -> str:
    return f"{person_pk}:{code}"


def load_draft(session: SessionBase, person_pk: int, code: str) -> Draft:
    stored = session.get(SESSION_KEY, {}).get(_key(person_pk, code))
    return Draft(**stored) if stored else Draft()


def save_draft(session: SessionBase, person_pk: int, code: str, draft: Draft) -> None:
    drafts = session.get(SESSION_KEY, {})
    drafts[_key(person_pk, code)] = {
        "answers": draft.answers,
        "documents": draft.documents,
        "token": draft.token,
    }
    session[SESSION_KEY] = drafts


def clear_draft(session: SessionBase, person_pk: int, code: str) -> None:
    drafts = session.get(SESSION_KEY, {})
    if drafts.pop(_key(person_pk, code), None) is not None:
        session[SESSION_KEY] = drafts


def _form_field(spec: FieldSpec) -> forms.Field:
    common = {"label": spec.label, "required": spec.required, "help_text": spec.help}
    if spec.type == "choice":
        return forms.ChoiceField(choices=spec.options, widget=forms.RadioSelect, **common)
    if spec.type == "yes_no":
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if spec.type == "long_text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), **common)
    if spec.type == "date":
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if spec.type in ("number", "money"):
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    return forms.CharField(**common)


def _stored_to_initial(spec: FieldSpec, value: Any) -> Any:
    if spec.type == "yes_no" and isinstance(value, bool):
        return "yes" if value else "no"
    return value


class QuestionForm(forms.Form):
    """One question of the service's form, checked by the engine's own rules."""

    def __init__(self, spec: FieldSpec, *args: Any, stored: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.fields[spec.key] = _form_field(spec)
        if stored is not None:
            self.initial[spec.key] = _stored_to_initial(spec, stored)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        answers, errors = clean_fields([self.spec], {self.spec.key: cleaned.get(self.spec.key)})
        if errors:
            self.add_error(self.spec.key, errors[self.spec.key])
        else:
            cleaned["stored"] = answers.get(self.spec.key)
        return cleaned


class DocumentsForm(forms.Form):
    """For each document the service needs: one already on file, a new file, or (when it
    is not required) none for now."""

    def __init__(
        self,
        specs: tuple[DocumentSpec, ...],
        on_file: dict[str, list[Any]],
        chosen: dict[str, int],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.specs = specs
        for spec in specs:
            choices = [
                (
                    str(doc.pk),
                    _("Use the file already given: %(name)s (%(day)s)")
                    % {"name": doc.original_name, "day": f"{doc.uploaded_at:%Y-%m-%d}"},
                )
                for doc in on_file.get(spec.code, [])
            ]
            choices.append((NEW_FILE, _("Upload a new file")))
            if not spec.required:
                choices.append((NOT_NOW, _("I do not have it now")))
            # A file already given is offered first; otherwise an optional document
            # defaults to "not now" so that skipping it needs no extra choice.
            if spec.code in chosen:
                initial = str(chosen[spec.code])
            elif on_file.get(spec.code) or spec.required:
                initial = choices[0][0]
            else:
                initial = NOT_NOW
            self.fields[f"doc_{spec.code}"] = forms.ChoiceField(
                label=spec.label,
                choices=choices,
                widget=forms.RadioSelect,
                initial=initial,
                help_text=spec.help,
            )
            self.fields[f"file_{spec.code}"] = forms.FileField(
                label=_("New file for: %(label)s") % {"label": spec.label},
                required=False,
                help_text=_("A photo or scan: JPEG, PNG or PDF."),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for spec in self.specs:
            if cleaned.get(f"doc_{spec.code}") == NEW_FILE and not cleaned.get(f"file_{spec.code}"):
                self.add_error(f"file_{spec.code}", _("Choose the file to upload."))
        return cleaned

    def pairs(self) -> list[tuple[Any, Any]]:
        """Each document's choice and file field, for the template."""
        return [(self[f"doc_{spec.code}"], self[f"file_{spec.code}"]) for spec in self.specs]


RATING_CHOICES = (
    (5, _("5 stars: very satisfied")),
    (4, _("4 stars: satisfied")),
    (3, _("3 stars: neither satisfied nor dissatisfied")),
    (2, _("2 stars: dissatisfied")),
    (1, _("1 star: very dissatisfied")),
)


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("How satisfied are you with this service?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
