"""The staff page that links citizen accounts to a person and ends those links."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxing.accounts.roles import Capability
from tongxing.portal import actions
from tongxing.portal.forms import LinkForm
from tongxing.portal.models import CitizenLink
from tongxing.registry.forms import apply_errors
from tongxing.registry.queries import get_person_for_user


@login_required
def person_accounts(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, Capability.LINK_CITIZENS)
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.link_citizen(
                request.user,
                data["account"],
                person,
                data["acting_as"],
                relation=data["relation"],
                phone=data["phone"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The account is linked."))
            return redirect("portal:person_accounts", pk=person.pk)
    links = CitizenLink.objects.filter(person=person).select_related(
        "user", "verified_by", "ended_by"
    )
    return render(
        request,
        "portal/person_accounts.html",
        {"person": person, "form": form, "links": links.order_by("ended_at", "-verified_at")},
    )


@login_required
@require_POST
def end_link(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, Capability.LINK_CITIZENS)
    link = CitizenLink.objects.filter(pk=link_pk, person=person).first()
    if link is None:
        raise Http404
    try:
        actions.end_citizen_link(request.user, link)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The link has ended."))
    return redirect("portal:person_accounts", pk=person.pk)
