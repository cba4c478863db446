"""Portal pages for citizens and guardians: check, fetch through the citizen's links,
respond. Plain words, one task per page, no scripts needed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tongxing.benefits.payroll import explain_person
from tongxing.benefits.rules import benefit_name
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.portal import queries
from tongxing.portal.plain import plain_entitlements
from tongxing.portal.service_views import service_name
from tongxing.registry.models import Person


def _not_for_staff(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/not_citizen.html", status=403)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not queries.is_citizen(request.user):
        return _not_for_staff(request)
    links = list(queries.links_for_citizen(request.user))
    if len(links) == 1:
        return redirect("portal:person", pk=links[0].person_id)
    return render(request, "portal/home.html", {"links": links})


def _person_context(request: HttpRequest, person: Person, revealed: bool = False) -> dict:
    today = timezone.localdate()
    month = today.replace(day=1)
    certificate = getattr(person, "certificate", None)
    claims = list(person.claims.order_by("-applied_on", "-pk"))
    for claim in claims:
        claim.benefit_name = benefit_name(claim.benefit)
    return {
        "person": person,
        "link": queries.link_for_citizen(request.user, person),
        "certificate": certificate,
        "certificate_expired": certificate is not None and certificate.expired_on(today),
        "revealed": revealed,
        "month": month,
        "entitlements": plain_entitlements(explain_person(person.pk, month)),
        "claims": claims,
        "applications": _applications(person),
        "several": queries.links_for_citizen(request.user).count() > 1,
    }


def _applications(person: Person) -> list:
    applications = list(
        person.service_applications.select_related("service_type").order_by("-submitted_at", "-pk")
    )
    for application in applications:
        application.service_name = service_name(application.service_type)
    return applications


def _record(request: HttpRequest, person: Person, action: AuditAction, **fields: str) -> None:
    audit.record(
        request.user,
        action,
        object_type="registry.person",
        object_id=person.pk,
        person_id=person.pk,
        area_code=person.area_id,
        **fields,
    )


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.get_person_for_citizen(request.user, pk)
    _record(request, person, AuditAction.VIEW, summary="portal: own page")
    return render(request, "portal/person.html", _person_context(request, person))


@login_required
@require_POST
def reveal_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """The full certificate number, shown on the page (no pop-up) and logged."""
    person = queries.get_person_for_citizen(request.user, pk)
    _record(
        request,
        person,
        AuditAction.REVEAL,
        purpose="citizen: own certificate number",
        summary="certificate number, in the portal",
    )
    context = _person_context(request, person, revealed=True)
    return render(request, "portal/person.html", context)
