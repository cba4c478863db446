"""Pages of the application engine: the inbox, an application and its transitions, a
person's applications and documents, the decision letter, the facilities directory and
the providers' pages. Check, parse, call, respond."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability, Role
from tongxing.areas.models import CODE_LENGTH
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.core.scoping import prefix_q
from tongxing.registry.forms import apply_errors
from tongxing.registry.queries import get_person_for_user, require
from tongxing.services import actions, documents, forms
from tongxing.services.calendar import WorkingCalendar
from tongxing.services.definitions import ServiceDefinition
from tongxing.services.models import (
    Application,
    Document,
    Facility,
    FacilityKind,
    ServiceType,
)
from tongxing.services.scoping import (
    applications_for,
    facilities_managed_by,
    get_application_for_user,
    get_managed_facility,
    inbox_for,
    may_view_person_services,
)

PAGE = 50


def _today() -> dt.date:
    return timezone.localdate()


def _audit_view(user: User, application: Application, what: str) -> None:
    audit.record(
        user,
        AuditAction.VIEW,
        object_type="services.application",
        object_id=application.pk,
        person_id=application.person_id,
        area_code=application.area_id,
        summary=what,
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.can(Capability.PROCESS_APPLICATIONS):
        raise PermissionDenied
    waiting = _list_columns(
        inbox_for(user).select_related("person", "service_type", "assigned_to"),
        "assigned_to__username",
        "assigned_to__display_name",
    )
    if request.GET.get("mine") == "1":
        waiting = waiting.filter(assigned_to=user)
    page = Paginator(waiting, PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_step_labels(page.object_list)
    return render(
        request,
        "services/inbox.html",
        {"page": page, "today": _today(), "mine": request.GET.get("mine") == "1"},
    )


def _list_columns(applications: Any, *more: str) -> Any:
    """Only the columns a list shows: a person row loaded whole would decrypt its ID
    number, address and phones, which is most of a list page's time."""
    return applications.only(
        "id",
        "status",
        "current_step",
        "due_date",
        "priority",
        "submitted_on",
        "service_type__name",
        "person__name",
        *more,
    )


def _with_step_labels(applications: Any) -> list[Application]:
    """The rows with ``step_label``: the current step's label from the type's definition."""
    rows = list(applications)
    # One query for the few types on the page, not a definition decoded per row.
    definitions = {
        t.pk: ServiceDefinition.from_type(t)
        for t in ServiceType.objects.filter(pk__in={row.service_type_id for row in rows})
    }
    for row in rows:
        step = definitions[row.service_type_id].step(row.current_step)
        row.step_label = step.label if step else ""
    return rows


def _steps(definition: ServiceDefinition, application: Application) -> list[dict[str, Any]]:
    """Each step with its state: done (and when), current (and due), or to come."""
    done = {
        e.step: e
        for e in application.events.filter(
            kind__in=["step_done", "approved", "refused", "completed"]
        )
    }
    rows = []
    for step in definition.steps:
        event = done.get(step.code)
        state = "done" if event else ("current" if step.code == application.current_step else "")
        rows.append({"step": step, "event": event, "state": state})
    return rows


def _display_answers(specs: Any, values: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for spec in specs:
        if spec.key not in values:
            continue
        value = values[spec.key]
        if spec.type == "yes_no":
            shown = _("Yes") if value else _("No")
        elif spec.type == "choice":
            shown = spec.option_label(value)
        else:
            shown = str(value)
        rows.append((spec.label, shown))
    return rows


def _facilities_for(application: Application, kind: str) -> Any:
    """Open facilities of ``kind`` in the person's city, or outside the region."""
    return Facility.objects.filter(kind=kind, active=True).filter(
        Q(area__isnull=True) | prefix_q("area_id", application.area_id[:4])
    )


def _step_form(request: HttpRequest, application: Application, step: Any) -> forms.SpecForm:
    kept = list(Document.objects.filter(person=application.person))
    return forms.SpecForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        fields=step.fields,
        documents=step.documents,
        kept=kept,
        facility_kind=step.facility_kind,
        facilities=_facilities_for(application, step.facility_kind) if step.facility_kind else (),
        prefix="step",
    )


def _reassign_users(application: Application, step: Any) -> Any:
    if step.role == Role.PROVIDER:
        return User.objects.filter(facilities=application.facility_id, is_active=True)
    return User.objects.filter(role=step.role, area_id=application.step_area, is_active=True)


def _detail(request: HttpRequest, application: Application, **forms_: Any) -> HttpResponse:
    user = request.user
    definition = ServiceDefinition.from_type(application.service_type)
    step = actions.step_for_actor(user, application)
    current = definition.step(application.current_step) if application.current_step else None
    context: dict[str, Any] = {
        "application": application,
        "definition": definition,
        "steps": _steps(definition, application),
        "answers": _display_answers(definition.fields, application.answers),
        "step_records": [
            (s.label, _display_answers(s.fields, application.step_data.get(s.code, {})))
            for s in definition.steps
            if s.code in application.step_data
        ],
        "attachments": application.attachments.select_related("document"),
        "events": application.events.select_related("actor"),
        "records": application.service_records.all(),
        "step": step,
        "current": current,
        "role_label": Role(application.step_role).label if application.step_role else "",
        "today": _today(),
        "calendar_covers": WorkingCalendar.load().covers(application.due_date.year)
        if application.due_date
        else True,
        "may_comment": True,
        "may_withdraw": application.status == "in_progress"
        and actions.may_act_for_person(user, application.person),
        "may_record": user.can(Capability.RECORD_SERVICE_DELIVERY)
        and application.status in ("approved", "completed"),
    }
    if step is not None:
        context["step_form"] = forms_.get("step_form") or _step_form(request, application, step)
        if step.decision:
            context["refuse_form"] = forms_.get("refuse_form") or forms.RefuseForm(prefix="refuse")
    if current is not None and actions.may_reassign(user, application):
        context["reassign_form"] = forms_.get("reassign_form") or forms.ReassignForm(
            users=_reassign_users(application, current), prefix="reassign"
        )
    context["comment_form"] = forms_.get("comment_form") or forms.CommentForm(prefix="comment")
    context["withdraw_form"] = forms_.get("withdraw_form") or forms.WithdrawForm(prefix="withdraw")
    context["record_form"] = forms_.get("record_form") or forms.ServiceRecordForm(prefix="record")
    return render(request, "services/application_detail.html", context)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    _audit_view(request.user, application, "application viewed")
    return _detail(request, application)


def _upload_all(user: User, application: Application, form: forms.SpecForm) -> dict[str, Document]:
    chosen = form.chosen_documents(Document.objects.filter(person=application.person))
    for code, upload in form.uploads().items():
        chosen[code] = actions.upload_document(
            user, application.person, code, upload.name, upload.read()
        )
    return chosen


@login_required
@require_POST
def application_step(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    application = get_application_for_user(user, pk)
    step = actions.step_for_actor(user, application)
    if step is None or request.POST.get("step") != application.current_step:
        messages.error(
            request,
            _("This step is already done or is not yours; the page shows where it is now."),
        )
        return redirect("services:application", pk=pk)
    form = _step_form(request, application, step)
    if form.is_valid():
        try:
            documents_ = _upload_all(user, application, form)
            if step.decision:
                actions.approve_application(
                    user, application, step.code, form.answers(), note=form.cleaned_data["note"]
                )
                messages.success(request, _("Approved."))
            else:
                actions.complete_step(
                    user,
                    application,
                    step.code,
                    form.answers(),
                    note=form.cleaned_data["note"],
                    facility=form.cleaned_data.get("facility"),
                    documents=documents_,
                )
                messages.success(request, _("Step recorded."))
            return redirect("services:application", pk=pk)
        except ValidationError as error:
            apply_spec_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("You may not do this step."))
    return _detail(request, application, step_form=form)


def apply_spec_errors(form: forms.SpecForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for key, errors in error.message_dict.items():
            form.add_error(form.field_name(key) or None, errors)
    else:
        form.add_error(None, error.messages)


def _run_action(form: Any, call: Callable[[], Any]) -> bool:
    """Run a form's action; a refusal becomes the form's errors (named fields where the
    action named them) and False, so the page shows it again with the error summary."""
    try:
        call()
    except ValidationError as error:
        apply_errors(form, error)
        return False
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return False
    return True


@login_required
@require_POST
def application_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    form = forms.RefuseForm(request.POST, prefix="refuse")
    if form.is_valid() and _run_action(
        form,
        lambda: actions.refuse_application(
            request.user, application, request.POST.get("step", ""), form.cleaned_data["reason"]
        ),
    ):
        messages.success(request, _("Refused. The decision letter can be printed."))
        return redirect("services:application", pk=pk)
    return _detail(request, application, refuse_form=form)


@login_required
@require_POST
def application_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    step = ServiceDefinition.from_type(application.service_type).step(application.current_step)
    if step is None:
        raise Http404
    form = forms.ReassignForm(
        request.POST, users=_reassign_users(application, step), prefix="reassign"
    )
    if form.is_valid() and _run_action(
        form,
        lambda: actions.reassign_application(
            request.user, application, form.cleaned_data["to_user"], form.cleaned_data["note"]
        ),
    ):
        messages.success(request, _("Reassigned."))
        return redirect("services:application", pk=pk)
    return _detail(request, application, reassign_form=form)


@login_required
@require_POST
def application_comment(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    form = forms.CommentForm(request.POST, prefix="comment")
    if form.is_valid():
        actions.add_comment(request.user, application, form.cleaned_data["text"])
        messages.success(request, _("Comment added."))
        return redirect("services:application", pk=pk)
    return _detail(request, application, comment_form=form)


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    form = forms.WithdrawForm(request.POST, prefix="withdraw")
    if form.is_valid() and _run_action(
        form,
        lambda: actions.withdraw_application(
            request.user, application, form.cleaned_data["reason"]
        ),
    ):
        messages.success(request, _("Withdrawn."))
        return redirect("services:application", pk=pk)
    return _detail(request, application, withdraw_form=form)


@login_required
@require_POST
def application_record(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    form = forms.ServiceRecordForm(request.POST, prefix="record")
    if form.is_valid() and _run_action(
        form,
        lambda: actions.record_service(
            request.user,
            application,
            form.cleaned_data["delivered_on"],
            form.cleaned_data["description"],
            form.cleaned_data["hours"],
        ),
    ):
        messages.success(request, _("Service recorded."))
        return redirect("services:application", pk=pk)
    return _detail(request, application, record_form=form)


@login_required
def decision_letter(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    if not application.outcome:
        raise Http404
    _audit_view(request.user, application, "decision letter printed")
    definition = ServiceDefinition.from_type(application.service_type)
    decision = next((s for s in definition.steps if s.decision), None)
    record = application.step_data.get(decision.code, {}) if decision else {}
    return render(
        request,
        "services/decision_letter.html",
        {"application": application, "record": record, "definition": definition},
    )


# --- a person's applications and documents -------------------------------------------------


def _document_kinds() -> list[tuple[str, str]]:
    kinds: dict[str, str] = {}
    for service_type in ServiceType.objects.filter(active=True):
        definition = ServiceDefinition.from_type(service_type)
        for spec in [*definition.documents, *(d for s in definition.steps for d in s.documents)]:
            kinds.setdefault(spec.code, spec.label)
    return sorted(kinds.items())


@login_required
def person_services(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, Capability.VIEW_SERVICES)
    upload_form = forms.UploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        kinds=_document_kinds(),
    )
    if request.method == "POST" and upload_form.is_valid():
        upload = upload_form.cleaned_data["file"]
        try:
            actions.upload_document(
                request.user, person, upload_form.cleaned_data["kind"], upload.name, upload.read()
            )
        except ValidationError as error:
            upload_form.add_error("file", error.messages)
        except PermissionDenied as error:
            upload_form.add_error(None, str(error))
        else:
            messages.success(request, _("Document kept."))
            return redirect("services:person", pk=pk)
    audit.record(
        request.user,
        AuditAction.VIEW,
        object_type="registry.person",
        object_id=person.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary="service applications viewed",
    )
    applications = (
        Application.objects.filter(person=person)
        .select_related("service_type")
        .order_by("-submitted_at")[:100]
    )
    return render(
        request,
        "services/person.html",
        {
            "person": person,
            "applications": _with_step_labels(applications),
            "documents": Document.objects.filter(person=person),
            "upload_form": upload_form,
            "service_types": ServiceType.objects.filter(active=True),
            "may_apply": actions.may_act_for_person(request.user, person),
            "today": _today(),
        },
    )


@login_required
def apply(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    person = get_person_for_user(request.user, pk, Capability.APPLY_FOR_SERVICE)
    service_type = ServiceType.objects.filter(code=code, active=True).first()
    if service_type is None:
        raise Http404
    definition = ServiceDefinition.from_type(service_type)
    kept = list(Document.objects.filter(person=person))
    form = forms.SpecForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        fields=definition.fields,
        documents=definition.documents,
        kept=kept,
    )
    reasons = actions.eligibility_reasons(person, definition, {}, _today())
    if request.method == "POST" and form.is_valid():
        try:
            chosen = form.chosen_documents(kept)
            for doc_code, upload in form.uploads().items():
                chosen[doc_code] = actions.upload_document(
                    request.user, person, doc_code, upload.name, upload.read()
                )
            application = actions.submit_application(
                request.user,
                person,
                code,
                form.answers(),
                chosen,
                form.cleaned_data["token"] or None,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_spec_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Application submitted."))
            return redirect("services:application", pk=application.pk)
    return render(
        request,
        "services/apply.html",
        {"person": person, "definition": definition, "form": form, "reasons": reasons},
    )


@login_required
def document(request: HttpRequest, pk: int) -> FileResponse:
    found = Document.objects.select_related("person").filter(pk=pk).first()
    if found is None:
        raise Http404
    if not may_view_person_services(request.user, found.person):
        audit.record(
            request.user,
            AuditAction.REFUSED,
            object_type="services.document",
            object_id=pk,
            person_id=found.person_id,
            area_code=found.person.area_id,
            summary="document outside the user's scope",
        )
        raise Http404
    audit.record(
        request.user,
        AuditAction.VIEW,
        object_type="services.document",
        object_id=pk,
        person_id=found.person_id,
        area_code=found.person.area_id,
        summary=f"document {found.kind} opened",
    )
    try:
        content = documents.read(found.sha256)
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(content, content_type=found.content_type)
    ending = documents.SIGNATURES[found.content_type][1][0]
    response["Content-Disposition"] = f'attachment; filename="document-{found.pk}{ending}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- facilities and providers -------------------------------------------------------------


@login_required
def facility_list(request: HttpRequest) -> HttpResponse:
    if not request.user.can(Capability.VIEW_FACILITIES):
        raise PermissionDenied
    form = forms.FacilityFilterForm(request.GET or None)
    facilities = Facility.objects.select_related("area").order_by("kind", "name")
    if form.is_valid():
        if form.cleaned_data["kind"]:
            facilities = facilities.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["q"]:
            facilities = facilities.filter(name__contains=form.cleaned_data["q"])
        today = _today()
        if form.cleaned_data["designated"] == "yes":
            facilities = (
                facilities.filter(designated=True)
                .exclude(designated_from__gt=today)
                .exclude(designated_until__lt=today)
            )
        elif form.cleaned_data["designated"] == "no":
            facilities = facilities.filter(
                Q(designated=False) | Q(designated_from__gt=today) | Q(designated_until__lt=today)
            )
    page = Paginator(facilities, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "services/facility_list.html",
        {
            "form": form,
            "page": page,
            "today": _today(),
            "may_add": request.user.can(Capability.MANAGE_FACILITIES),
        },
    )


@login_required
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.can(Capability.VIEW_FACILITIES):
        raise PermissionDenied
    facility = Facility.objects.select_related("area").filter(pk=pk).first()
    if facility is None:
        raise Http404
    clients = applications_for(request.user).filter(facility=facility)
    return render(
        request,
        "services/facility_detail.html",
        {
            "facility": facility,
            "kind": FacilityKind(facility.kind).label,
            "designated_now": facility.is_designated_on(_today()),
            "open_places": facility.applications.filter(
                status__in=["in_progress", "approved"]
            ).count(),
            "clients": _list_columns(
                clients.select_related("person", "service_type").order_by("-submitted_at")
            )[:100],
            "may_manage": facilities_managed_by(request.user).filter(pk=facility.pk).exists(),
        },
    )


@login_required
def provider_clients(request: HttpRequest) -> HttpResponse:
    """A provider's clients: every application placed at the facilities they work for."""
    if request.user.role != Role.PROVIDER:
        raise PermissionDenied
    clients = _list_columns(
        applications_for(request.user)
        .select_related("person", "service_type", "facility")
        .order_by("-submitted_at"),
        "facility__name",
    )
    page = Paginator(clients, PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_step_labels(page.object_list)
    return render(
        request,
        "services/provider_clients.html",
        {"page": page, "facilities": request.user.facilities.all(), "today": _today()},
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.role == Role.PROVIDER:
        return redirect("services:provider_clients")
    require(request.user, Capability.VIEW_SERVICES)
    return redirect("services:inbox")


def _int_or_zero(value: str) -> int:
    return int(value) if value.isdigit() else 0


def _facility_form(request: HttpRequest, **kwargs: Any) -> forms.FacilityForm:
    user = request.user
    return forms.FacilityForm(
        request.POST if request.method == "POST" else None,
        area_prefix=user.area_id,
        outside_allowed=len(user.area_id) == CODE_LENGTH["city"],
        **kwargs,
    )


def _facility_data(form: forms.FacilityForm) -> actions.FacilityData:
    return actions.FacilityData(**form.cleaned_data)


@login_required
def facility_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.MANAGE_FACILITIES)
    form = _facility_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            facility = actions.create_facility(request.user, _facility_data(form))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Facility added."))
            return redirect("services:facility_detail", facility.pk)
    return render(request, "services/facility_form.html", {"form": form, "facility": None})


@login_required
def facility_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_FACILITIES)
    facility = get_managed_facility(request.user, pk)
    form = _facility_form(request, initial=forms.FacilityForm.initial_for(facility))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_facility(request.user, facility, _facility_data(form))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Facility changed."))
            return redirect("services:facility_detail", facility.pk)
    return render(request, "services/facility_form.html", {"form": form, "facility": facility})


@login_required
def facility_members(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a provider account to the facility, or unlink one (``remove`` = its user id)."""
    require(request.user, Capability.MANAGE_FACILITIES)
    facility = get_managed_facility(request.user, pk)
    removing = request.method == "POST" and "remove" in request.POST
    form = forms.FacilityMemberForm(
        request.POST if request.method == "POST" and not removing else None
    )
    if removing:
        member = facility.members.filter(pk=_int_or_zero(request.POST["remove"])).first()
        if member is None:
            messages.error(request, _("That account does not work for this facility."))
        else:
            actions.remove_facility_member(request.user, facility, member)
            messages.success(request, _("Account unlinked from the facility."))
        return redirect("services:facility_members", facility.pk)
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(username=form.cleaned_data["username"]).first()
        try:
            if user is None:
                raise ValidationError({"username": [_("No account has that user name.")]})
            actions.add_facility_member(
                request.user, facility, user, since=form.cleaned_data["since"]
            )
        except ValidationError as error:
            # The action names the account ``user``; the form calls it ``username``.
            apply_errors(form, ValidationError({"username": error.messages}))
        else:
            messages.success(request, _("Account linked to the facility."))
            return redirect("services:facility_members", facility.pk)
    members = facility.facilitymember_set.select_related("user").order_by("user__username")
    return render(
        request,
        "services/facility_members.html",
        {"facility": facility, "form": form, "members": members},
    )
