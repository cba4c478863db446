"""Applying for services, following applications and rating them, in the portal.

Every page fetches the person through the citizen's links (portal/queries.py) and the
application through the engine's scope, which the portal registered for citizens; staff
and other citizens get an audited 404. Changes go through the engine's actions (submit,
upload) and ``portal.actions.rate_service``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxing.accounts.roles import Capability, Role
from tongxing.core.scoping import prefix_q
from tongxing.portal import actions, queries
from tongxing.portal.apply import (
    NEW_FILE,
    NOT_NOW,
    DocumentsForm,
    Draft,
    QuestionForm,
    RatingForm,
    clear_draft,
    load_draft,
    save_draft,
)
from tongxing.portal.models import ServiceRating
from tongxing.registry.forms import apply_errors
from tongxing.registry.models import Person
from tongxing.registry.queries import require
from tongxing.services.actions import (
    documents_for_person,
    eligibility_reasons,
    submit_application,
    upload_document,
)
from tongxing.services.definitions import ServiceDefinition
from tongxing.services.documents import max_bytes
from tongxing.services.models import Application, ApplicationStatus, Document, ServiceType
from tongxing.services.scoping import get_application_for_user

# Who does a step, in the words a family uses.
WHO = {
    Role.VILLAGE_WORKER: gettext_lazy("your village or community disability worker"),
    Role.TOWNSHIP_OFFICER: gettext_lazy("the township or street office"),
    Role.COUNTY_OFFICER: gettext_lazy("the county disabled persons' federation"),
    Role.CITY_OFFICER: gettext_lazy("the city disabled persons' federation"),
    Role.PROVIDER: gettext_lazy("the service centre"),
}


def service_name(service_type: ServiceType) -> str:
    if get_language() == "en" and service_type.name_en:
        return service_type.name_en
    return service_type.name


def _service(code: str) -> tuple[ServiceType, ServiceDefinition]:
    service_type = ServiceType.objects.filter(code=code, active=True).first()
    if service_type is None:
        raise Http404
    service_type.display_name = service_name(service_type)
    return service_type, ServiceDefinition.from_type(service_type)


def _open_application(person: Person, service_type: ServiceType) -> Application | None:
    return Application.objects.filter(
        person=person,
        service_type=service_type,
        status__in=(ApplicationStatus.IN_PROGRESS, ApplicationStatus.APPROVED),
    ).first()


@login_required
def services(request: HttpRequest, pk: int) -> HttpResponse:
    """The services one can apply for, each with whether the person may, in plain words."""
    person = queries.get_person_for_citizen(request.user, pk)
    today = timezone.localdate()
    rows = []
    for service_type in ServiceType.objects.filter(active=True).order_by("code"):
        service_type.display_name = service_name(service_type)
        definition = ServiceDefinition.from_type(service_type)
        rows.append(
            {
                "service": service_type,
                "open": _open_application(person, service_type),
                "reasons": eligibility_reasons(person, definition, {}, today),
            }
        )
    return render(request, "portal/services.html", {"person": person, "rows": rows})


@dataclass
class Screen:
    """One screen of the application: a question, the documents, or the check."""

    name: str  # "question", "documents", "check"
    number: int = 0  # the question's index


def _screens(definition: ServiceDefinition) -> list[Screen]:
    screens = [Screen("question", i) for i in range(len(definition.fields))]
    if definition.documents:
        screens.append(Screen("documents"))
    screens.append(Screen("check"))
    return screens


def _url_of(screen: Screen, person: Person, code: str) -> str:
    if screen.name == "question":
        return reverse("portal:apply_question", args=[person.pk, code, screen.number + 1])
    return reverse(f"portal:apply_{screen.name}", args=[person.pk, code])


def _neighbours(
    screens: list[Screen], current: Screen, person: Person, code: str
) -> tuple[str, str, int]:
    """The URLs of the screens before and after, and the current screen's position."""
    index = next(
        i for i, s in enumerate(screens) if (s.name, s.number) == (current.name, current.number)
    )
    back = _url_of(screens[index - 1], person, code) if index else ""
    forward = _url_of(screens[index + 1], person, code) if index + 1 < len(screens) else ""
    return back, forward, index + 1


def _apply_context(person, service_type, screens, current, **extra) -> dict:
    back, _forward, position = _neighbours(screens, current, person, service_type.code)
    return {
        "person": person,
        "service": service_type,
        "position": position,
        "total": len(screens),
        "back": back,
        **extra,
    }


def _may_start(person: Person, service_type: ServiceType, definition: ServiceDefinition):
    """An open application already, or the reasons the person may not apply."""
    return (
        _open_application(person, service_type),
        eligibility_reasons(person, definition, {}, timezone.localdate()),
    )


@login_required
def apply_start(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    person = queries.get_person_for_citizen(request.user, pk)
    service_type, definition = _service(code)
    open_application, reasons = _may_start(person, service_type, definition)
    screens = _screens(definition)
    return render(
        request,
        "portal/apply_start.html",
        {
            "person": person,
            "service": service_type,
            "definition": definition,
            "open_application": open_application,
            "reasons": reasons,
            "first": _url_of(screens[0], person, code),
            "steps": [(step, WHO.get(step.role, "")) for step in definition.steps],
        },
    )


def _guard(person, service_type, definition) -> HttpResponse | None:
    open_application, reasons = _may_start(person, service_type, definition)
    if open_application is not None or reasons:
        return redirect("portal:apply_start", pk=person.pk, code=service_type.code)
    return None


@login_required
def apply_question(request: HttpRequest, pk: int, code: str, number: int) -> HttpResponse:
    person = queries.get_person_for_citizen(request.user, pk)
    service_type, definition = _service(code)
    if not 1 <= number <= len(definition.fields):
        raise Http404
    if (stop := _guard(person, service_type, definition)) is not None:
        return stop
    spec = definition.fields[number - 1]
    draft = load_draft(request.session, person.pk, code)
    form = QuestionForm(spec, request.POST or None, stored=draft.answers.get(spec.key))
    screens = _screens(definition)
    current = Screen("question", number - 1)
    if request.method == "POST" and form.is_valid():
        stored = form.cleaned_data.get("stored")
        if stored is None:
            draft.answers.pop(spec.key, None)
        else:
            draft.answers[spec.key] = stored
        save_draft(request.session, person.pk, code, draft)
        _back, forward, _position = _neighbours(screens, current, person, code)
        return redirect(forward)
    return render(
        request,
        "portal/apply_question.html",
        _apply_context(person, service_type, screens, current, form=form),
    )


def _on_file(person: Person) -> dict[str, list[Document]]:
    kept: dict[str, list[Document]] = {}
    for document in documents_for_person(person):
        kept.setdefault(document.kind, []).append(document)
    return kept


@login_required
def apply_documents(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    person = queries.get_person_for_citizen(request.user, pk)
    service_type, definition = _service(code)
    if not definition.documents:
        raise Http404
    if (stop := _guard(person, service_type, definition)) is not None:
        return stop
    draft = load_draft(request.session, person.pk, code)
    on_file = _on_file(person)
    form = DocumentsForm(
        definition.documents, on_file, draft.documents, request.POST or None, request.FILES or None
    )
    screens = _screens(definition)
    current = Screen("documents")
    if request.method == "POST" and form.is_valid():
        chosen = _keep_documents(request, person, definition, form, on_file)
        if chosen is not None:
            draft.documents = chosen
            save_draft(request.session, person.pk, code, draft)
            return redirect("portal:apply_check", pk=person.pk, code=code)
    return render(
        request,
        "portal/apply_documents.html",
        _apply_context(person, service_type, screens, current, form=form),
    )


def _keep_documents(request, person, definition, form, on_file) -> dict[str, int] | None:
    """The chosen document of each requirement, new files uploaded and kept on the person;
    ``None`` (with the form's errors set) if a file was refused."""
    chosen: dict[str, int] = {}
    for spec in definition.documents:
        choice = form.cleaned_data[f"doc_{spec.code}"]
        if choice == NOT_NOW:
            continue
        if choice == NEW_FILE:
            upload = form.cleaned_data[f"file_{spec.code}"]
            if upload.size > max_bytes():  # refused before reading it into memory
                form.add_error(
                    f"file_{spec.code}",
                    _("%(name)s is larger than %(limit)s MB.")
                    % {"name": upload.name, "limit": max_bytes() // (1024 * 1024)},
                )
                return None
            try:
                document = upload_document(
                    request.user, person, spec.code, upload.name, upload.read()
                )
            except ValidationError as error:
                form.add_error(f"file_{spec.code}", error.messages)
                return None
            chosen[spec.code] = document.pk
        else:
            allowed = {doc.pk for doc in on_file.get(spec.code, [])}
            if int(choice) not in allowed:
                raise Http404
            chosen[spec.code] = int(choice)
    return chosen


def _answer_rows(definition: ServiceDefinition, draft: Draft, person: Person, code: str):
    rows = []
    for number, spec in enumerate(definition.fields, start=1):
        value = draft.answers.get(spec.key)
        if spec.type in ("choice",) and value is not None:
            shown = spec.option_label(value)
        elif spec.type == "yes_no" and value is not None:
            shown = _("Yes") if value else _("No")
        else:
            shown = value if value not in (None, "") else _("(not answered)")
        rows.append((spec, shown, _url_of(Screen("question", number - 1), person, code)))
    return rows


@login_required
def apply_check(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    person = queries.get_person_for_citizen(request.user, pk)
    service_type, definition = _service(code)
    draft = load_draft(request.session, person.pk, code)
    if request.method != "POST" and (stop := _guard(person, service_type, definition)):
        return stop
    problems: list[str] = []
    if request.method == "POST":
        documents = {
            requirement: Document.objects.get(pk=doc_pk, person=person)
            for requirement, doc_pk in draft.documents.items()
        }
        try:
            application = submit_application(
                request.user,
                person,
                code,
                draft.answers,
                documents,
                idempotency_key=request.POST.get("token") or draft.token,
            )
        except ValidationError as error:
            problems = error.messages
        except PermissionDenied as error:
            problems = [str(error)]
        else:
            clear_draft(request.session, person.pk, code)
            messages.success(request, _("Your application has been sent."))
            return redirect("portal:application", pk=application.pk)
    save_draft(request.session, person.pk, code, draft)  # keeps the token for the resubmit
    names = {
        doc.pk: doc.original_name
        for doc in Document.objects.filter(pk__in=draft.documents.values(), person=person)
    }
    screens = _screens(definition)
    return render(
        request,
        "portal/apply_check.html",
        _apply_context(
            person,
            service_type,
            screens,
            Screen("check"),
            rows=_answer_rows(definition, draft, person, code),
            documents=[
                (spec, names.get(draft.documents.get(spec.code))) for spec in definition.documents
            ],
            documents_url=_url_of(Screen("documents"), person, code),
            token=draft.token,
            problems=problems,
        ),
    )


def _citizen_application(request: HttpRequest, pk: int) -> Application:
    """The application if the signed-in citizen acts for its person; an audited 404 for
    anyone else, staff included (their pages for applications are the engine's)."""
    if not queries.is_citizen(request.user):
        person_id = Application.objects.filter(pk=pk).values_list("person_id", flat=True).first()
        queries.refuse(request.user, person_id, "services.application", pk)
        raise Http404
    return get_application_for_user(request.user, pk)


@dataclass
class StepLine:
    label: str
    who: str
    state: str  # "done", "current", "later", "skipped"
    done_on: dt.date | None = None


def _step_lines(application: Application, definition: ServiceDefinition) -> list[StepLine]:
    done: dict[str, dt.date] = {}
    for event in application.events.all():
        if event.step:
            done[event.step] = timezone.localtime(event.at).date()
    codes = [step.code for step in definition.steps]
    current = codes.index(application.current_step) if application.current_step in codes else None
    lines = []
    for index, step in enumerate(definition.steps):
        who = str(WHO.get(step.role, ""))
        if step.role == Role.PROVIDER and application.facility_id:
            who = application.facility.name
        if application.is_open and current is not None:
            state = "done" if index < current else "current" if index == current else "later"
        else:
            state = "done" if step.code in done else "skipped"
        lines.append(StepLine(step.label, who, state, done.get(step.code)))
    return lines


@login_required
def application(request: HttpRequest, pk: int) -> HttpResponse:
    found = _citizen_application(request, pk)
    definition = ServiceDefinition.from_type(found.service_type)
    found.service_type.display_name = service_name(found.service_type)
    rating = ServiceRating.objects.filter(application=found).first()
    waiting = _waiting_for_delivery(found, rating)
    rateable = rating is None and found.status in actions.RATEABLE_STATUSES and not waiting
    context = _application_context(found, definition, rating, RatingForm() if rateable else None)
    context["not_rateable_yet"] = waiting
    return render(request, "portal/application.html", context)


def _waiting_for_delivery(found: Application, rating: ServiceRating | None) -> str | None:
    """Why an ended application cannot be rated yet (its service is still to come)."""
    if rating is not None or found.status not in actions.RATEABLE_STATUSES:
        return None  # rated already, or open: the page says where it is
    return actions.not_yet_rateable(found)


def _settled(application: Application) -> dict | None:
    """A step that settled money on the spot (the device handover records the price, the
    subsidy and what the person pays, and whether the cap used is verified)."""
    for record in (application.step_data or {}).values():
        if isinstance(record, dict) and "person_pays" in record:
            return record
    return None


def _application_context(found, definition, rating, form) -> dict:
    lines = _step_lines(found, definition)
    current = next((line for line in lines if line.state == "current"), None)
    today = timezone.localdate()
    return {
        "application": found,
        "person": found.person,
        "service": found.service_type,
        "lines": lines,
        "current": current,
        "overdue": found.is_overdue(today),
        "settled": _settled(found),
        "rating": rating,
        "form": form,
    }


@login_required
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    found = _citizen_application(request, pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            actions.rate_service(
                request.user, found.pk, form.cleaned_data["stars"], form.cleaned_data["comment"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Thank you. Your rating has been recorded."))
            return redirect("portal:application", pk=found.pk)
    definition = ServiceDefinition.from_type(found.service_type)
    found.service_type.display_name = service_name(found.service_type)
    rating = ServiceRating.objects.filter(application=found).first()
    waiting = _waiting_for_delivery(found, rating)
    # Refused as not yet rateable: the page says why instead of offering the form again.
    context = _application_context(found, definition, rating, None if waiting else form)
    context["not_rateable_yet"] = waiting
    return render(request, "portal/application.html", context, status=200)


@login_required
def ratings(request: HttpRequest) -> HttpResponse:
    """Ratings of the services and facilities in the officer's area (county or city)."""
    require(request.user, Capability.VIEW_SERVICE_RATINGS)
    scoped = ServiceRating.objects.filter(prefix_q("area_id", request.user.area_id))
    stars = {f"s{n}": Count("id", filter=Q(stars=n)) for n in range(1, 6)}
    by_service = list(
        scoped.values("service_type__name", "service_type__name_en")
        .annotate(n=Count("id"), average=Avg("stars"), **stars)
        .order_by("service_type__name")
    )
    by_facility = list(
        scoped.filter(facility__isnull=False)
        .values("facility__name")
        .annotate(n=Count("id"), average=Avg("stars"), **stars)
        .order_by("facility__name")
    )
    recent = scoped.select_related("service_type", "facility")[:50]
    return render(
        request,
        "portal/ratings.html",
        {"by_service": by_service, "by_facility": by_facility, "recent": recent},
    )
