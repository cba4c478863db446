"""Staff pages for the registry: check, parse, call, respond."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.roles import Capability
from tongxing.accounts.start_page import start_page
from tongxing.core import audit
from tongxing.core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_chunks, xlsx_file
from tongxing.core.masking import mask_id_number
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.core.pagination import CappedPaginator
from tongxing.registry import actions, forms, queries
from tongxing.registry.models import (
    Category,
    CertificateStatus,
    Grade,
    LifeEventKind,
    Person,
    PersonStatus,
    Sex,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.can(Capability.VIEW_REGISTRY):
        if (start := start_page(request.user)) != request.path:
            return redirect(start)
        return render(request, "registry/no_access.html", status=403)
    return render(
        request,
        "registry/home.html",
        {
            "summary": queries.area_summary(request.user),
            "categories": Category.choices,
            "grades": Grade.choices,
            "certificate_statuses": CertificateStatus.choices,
        },
    )


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    queries.require(request.user, Capability.VIEW_REGISTRY)
    form = forms.SearchForm(request.GET or None, user_area=request.user.area)
    criteria = form.cleaned_data if form.is_valid() else {}
    paginator = CappedPaginator(
        queries.search_persons(request.user, criteria), settings.TONGXING_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/person_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "searched": bool(request.GET)},
    )


EXPORT_COLUMNS = (
    "name",
    "id_number",
    "sex",
    "birth_date",
    "certificate__category",
    "certificate__grade",
    "certificate__status",
    "area_id",
    "area__name",
    "status",
)


def _export_rows(persons, full_numbers: bool):
    """One tuple per person, labels in the reader's language; ID numbers masked unless the
    export was asked for with a purpose. Decryption is per value, of this one column."""
    labels = {
        "sex": dict(Sex.choices),
        "category": dict(Category.choices),
        "grade": dict(Grade.choices),
        "certificate_status": dict(CertificateStatus.choices),
        "status": dict(PersonStatus.choices),
    }
    for (
        name,
        id_number,
        sex,
        birth,
        category,
        grade,
        cert_status,
        code,
        area,
        status,
    ) in persons.values_list(*EXPORT_COLUMNS).iterator(chunk_size=2000):
        yield (
            name,
            id_number if full_numbers else mask_id_number(id_number),
            labels["sex"].get(sex, sex),
            birth.isoformat() if birth else "",
            labels["category"].get(category, ""),
            labels["grade"].get(grade, ""),
            labels["certificate_status"].get(cert_status, ""),
            code,
            area,
            labels["status"].get(status, status),
        )


@login_required
def person_export(request: HttpRequest) -> HttpResponse:
    """The person list, as filtered on the search page, as .xlsx or .csv."""
    queries.require(request.user, Capability.VIEW_REGISTRY)
    search = forms.SearchForm(request.GET or None, user_area=request.user.area)
    criteria = search.cleaned_data if search.is_valid() else {}
    may_reveal = request.user.can(Capability.REVEAL_IDENTIFIERS)
    form = forms.ExportForm(request.POST or None, may_reveal=may_reveal)
    if request.method == "POST" and form.is_valid():
        full = bool(form.cleaned_data.get("full_numbers"))
        file_format = form.cleaned_data["file_format"]
        persons = queries.search_persons(request.user, criteria)
        count = persons.count()
        audit.record(
            request.user,
            AuditAction.EXPORT,
            object_type="registry.person",
            area_code=request.user.area_id,
            purpose=form.cleaned_data.get("purpose", "") if full else "",
            summary=f"person list {file_format}: {count} rows"
            + (", full ID numbers" if full else ""),
            changes={
                "rows": count,
                "format": file_format,
                "full_numbers": full,
                "filters": {k: v for k, v in criteria.items() if v not in ("", None)},
            },
        )
        header = [
            _("Name"),
            _("ID number"),
            _("Sex"),
            _("Date of birth"),
            _("Category"),
            _("Grade"),
            _("Certificate"),
            _("Area code"),
            _("Area"),
            _("Status"),
        ]
        rows = _export_rows(persons, full)
        stamp = timezone.localdate().isoformat()
        if file_format == "csv":
            response = StreamingHttpResponse(
                csv_chunks(header, rows), content_type=CSV_CONTENT_TYPE
            )
            response["Content-Disposition"] = f'attachment; filename="persons-{stamp}.csv"'
            return response
        return FileResponse(
            xlsx_file(header, rows, sheet=_("Persons")),
            as_attachment=True,
            filename=f"persons-{stamp}.xlsx",
            content_type=XLSX_CONTENT_TYPE,
        )
    return render(
        request,
        "registry/person_export.html",
        {"form": form, "query": request.GET.urlencode(), "searched": bool(criteria)},
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.open_person_record(request.user, pk)
    return render(request, "registry/person_detail.html", _detail_context(request, person))


def _detail_context(request: HttpRequest, person: Person, revealed: bool = False) -> dict:
    certificate = getattr(person, "certificate", None)
    members = (
        queries.persons_for(request.user)
        .filter(household_id=person.household_id)
        .exclude(pk=person.pk)
        .select_related("certificate")
        if person.household_id
        else []
    )
    return {
        "person": person,
        "certificate": certificate,
        "certificate_expired": certificate is not None
        and certificate.expired_on(timezone.localdate()),
        "members": members,
        "household_statuses": person.household.statuses.all() if person.household_id else [],
        "events": person.life_events.select_related("recorded_by"),
        "history": AuditEvent.objects.filter(
            person_id=person.pk,
            action__in=[AuditAction.CREATE, AuditAction.UPDATE, AuditAction.LIFE_EVENT],
        ).select_related("actor")[:50],
        "revealed": revealed,
        "can_edit": request.user.can(Capability.EDIT_REGISTRY),
        "can_view_entitlements": request.user.can(Capability.VIEW_ENTITLEMENTS),
        "can_manage_certificate": request.user.can(Capability.MANAGE_CERTIFICATE),
        "event_kinds": EVENT_FORMS,
    }


@login_required
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.get_person_for_user(request.user, pk, Capability.REVEAL_IDENTIFIERS)
    form = forms.RevealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        audit.record(
            request.user,
            AuditAction.REVEAL,
            object_type="registry.person",
            object_id=person.pk,
            person_id=person.pk,
            area_code=person.area_id,
            purpose=form.cleaned_data["purpose"],
            summary="id_number, certificate number, phones",
        )
        context = _detail_context(request, person, revealed=True)
        return render(request, "registry/person_detail.html", context)
    return render(request, "registry/person_reveal.html", {"person": person, "form": form})


def _person_data(cleaned: dict) -> actions.PersonData:
    return actions.PersonData(
        id_number=cleaned["id_number"],
        name=cleaned["name"],
        hukou_type=cleaned["hukou_type"],
        area=cleaned["area"],
        ethnicity=cleaned["ethnicity"],
        address=cleaned["address"],
        phone=cleaned["phone"],
        guardian_name=cleaned["guardian_name"],
        guardian_id_number=cleaned["guardian_id_number"],
        guardian_phone=cleaned["guardian_phone"],
        guardian_relation=cleaned["guardian_relation"],
    )


@login_required
def person_register(request: HttpRequest) -> HttpResponse:
    queries.require(request.user, Capability.EDIT_REGISTRY)
    form = forms.RegisterForm(request.POST or None, area_prefix=request.user.area_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            head = _household_head(request, data["household_head_id_number"])
            person = actions.register_person(
                request.user,
                _person_data(data),
                actions.CertificateData(
                    category=data["category"],
                    grade=data["grade"],
                    issue_date=data["issue_date"],
                    valid_until=data["valid_until"],
                    multiple_detail=",".join(data["multiple_detail"]),
                    number=data["certificate_number"],
                ),
                household_head=head,
                relation_to_head=data["relation_to_head"],
            )
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": person.name})
            return redirect("registry:person_detail", pk=person.pk)
    return render(
        request, "registry/person_form.html", {"form": form, "title": _("Register a person")}
    )


def _household_head(request: HttpRequest, id_number: str) -> Person | None:
    if not id_number:
        return None
    head = queries.persons_for(request.user).with_id_number(id_number).first()
    if head is None:
        raise ValidationError(
            {"household_head_id_number": _("No person with this ID number in your area.")}
        )
    return head


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.get_person_for_user(request.user, pk, Capability.EDIT_REGISTRY)
    initial = {
        name: getattr(person, name) for name in forms.PersonForm.base_fields if name != "area"
    } | {"area": person.area_id}
    form = forms.PersonForm(request.POST or None, initial=initial, area_prefix=request.user.area_id)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_person(request.user, person, _person_data(form.cleaned_data))
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("registry:person_detail", pk=person.pk)
    return render(
        request,
        "registry/person_form.html",
        {
            "form": form,
            "person": person,
            "title": _("Change details of %(name)s") % {"name": person.name},
        },
    )


def _death(user, person, data):
    return actions.record_death(user, person, data["effective_date"], note=data["note"])


def _move(user, person, data):
    return actions.record_move(
        user,
        person,
        data["effective_date"],
        data["to_area"],
        address=data["address"],
        note=data["note"],
    )


def _move_out(user, person, data):
    return actions.record_move_out(
        user, person, data["effective_date"], destination=data["destination"], note=data["note"]
    )


def _reassessment(user, person, data):
    return actions.record_reassessment(
        user,
        person,
        data["effective_date"],
        category=data["category"],
        grade=data["grade"],
        multiple_detail=",".join(data["multiple_detail"]),
        note=data["note"],
    )


def _renewal(user, person, data):
    return actions.renew_certificate(user, person, data["effective_date"], note=data["note"])


def _reissue(user, person, data):
    return actions.reissue_certificate(user, person, data["effective_date"], note=data["note"])


def _status_change(action):
    def call(user, person, data):
        return action(user, person, data["effective_date"], reason=data["note"])

    return call


# kind → (form class, action, capability needed)
EVENT_FORMS = {
    LifeEventKind.DEATH: (forms.LifeEventForm, _death, Capability.EDIT_REGISTRY),
    LifeEventKind.MOVE: (forms.MoveForm, _move, Capability.EDIT_REGISTRY),
    LifeEventKind.MOVE_OUT: (forms.MoveOutForm, _move_out, Capability.EDIT_REGISTRY),
    LifeEventKind.REASSESSMENT: (
        forms.ReassessmentForm,
        _reassessment,
        Capability.MANAGE_CERTIFICATE,
    ),
    LifeEventKind.RENEWAL: (forms.LifeEventForm, _renewal, Capability.MANAGE_CERTIFICATE),
    LifeEventKind.REISSUE: (forms.LifeEventForm, _reissue, Capability.MANAGE_CERTIFICATE),
    LifeEventKind.FREEZE: (
        forms.ReasonForm,
        _status_change(actions.freeze_certificate),
        Capability.MANAGE_CERTIFICATE,
    ),
    LifeEventKind.UNFREEZE: (
        forms.ReasonForm,
        _status_change(actions.unfreeze_certificate),
        Capability.MANAGE_CERTIFICATE,
    ),
    LifeEventKind.CANCEL: (
        forms.ReasonForm,
        _status_change(actions.cancel_certificate),
        Capability.MANAGE_CERTIFICATE,
    ),
}


@login_required
def life_event(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in EVENT_FORMS:
        raise Http404
    form_class, action, capability = EVENT_FORMS[LifeEventKind(kind)]
    person = queries.get_person_for_user(request.user, pk, capability)
    extra = {"area_prefix": region_root_code(request)} if form_class is forms.MoveForm else {}
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            action(request.user, person, form.cleaned_data)
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(
                request, _("Recorded: %(event)s.") % {"event": LifeEventKind(kind).label}
            )
            return redirect("registry:person_detail", pk=person.pk)
    return render(
        request,
        "registry/life_event_form.html",
        {"form": form, "person": person, "kind": LifeEventKind(kind)},
    )


def region_root_code(request: HttpRequest) -> str:
    """Moves may go anywhere in the region, so offer every village of the city."""
    area = request.user.area
    while area.parent_id:
        area = area.parent
    return area.code
