"""Staff pages for the needs survey, needs, home visits and the emergency roster:
check, parse, call, respond."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.roles import Capability
from tongxing.areas.models import AreaLevel
from tongxing.registry.forms import apply_errors
from tongxing.registry.queries import get_person_for_user
from tongxing.services.actions import eligibility_reasons, upload_document
from tongxing.services.definitions import ServiceDefinition
from tongxing.services.forms import SpecForm
from tongxing.services.models import Document, ServiceType
from tongxing.services.views import apply_spec_errors
from tongxing.surveys import actions, forms, queries, roster
from tongxing.surveys.definitions import Questionnaire, current_definition
from tongxing.surveys.models import Need, NeedApplication, NeedStatus
from tongxing.surveys.need_services import need_services, prefill


def _year(request: HttpRequest) -> int | None:
    try:
        return int(request.GET["year"])
    except (KeyError, ValueError):
        definition = current_definition()
        return definition.year if definition else None


@login_required
def progress(request: HttpRequest) -> HttpResponse:
    area = queries.area_for(request.user, request.GET.get("area"), Capability.VIEW_SURVEYS)
    year = _year(request)
    if year is None:
        return render(request, "surveys/no_survey.html")
    definition = queries.definition_for_year(year)
    context = {
        "area": area,
        "definition": definition,
        "progress": queries.survey_progress(request.user, area, year),
        "can_conduct": request.user.can(Capability.CONDUCT_SURVEY),
        "parent": area.parent if area.code != request.user.area_id else None,
    }
    if area.level == AreaLevel.VILLAGE:
        paginator = Paginator(queries.worklist(request.user, area, year), 50)
        context["page"] = paginator.get_page(request.GET.get("page"))
    return render(request, "surveys/progress.html", context)


def _survey_context(request: HttpRequest, year: int, pk: int, capability: Capability):
    definition = queries.definition_for_year(year)
    person = queries.person_for_survey(request.user, pk, capability)
    return definition, person, queries.survey_of(person, year)


@login_required
def survey_person(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    """Start, resume or read a person's survey of ``year``."""
    definition, person, survey = _survey_context(request, year, pk, Capability.VIEW_SURVEYS)
    questionnaire = Questionnaire.from_definition(definition)
    if request.method == "POST":
        queries.require(request.user, Capability.CONDUCT_SURVEY)
        try:
            survey = actions.start_survey(request.user, person, definition)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("surveys:person", year=year, pk=pk)
    if survey is not None and not survey.is_done and request.user.can(Capability.CONDUCT_SURVEY):
        step = actions.resume_group(survey, questionnaire)
        if request.method == "POST" or request.GET.get("resume"):
            if step is None:
                return redirect("surveys:review", year=year, pk=pk)
            return redirect("surveys:step", year=year, pk=pk, group=step)
    if survey is not None and survey.is_done:
        queries.open_completed_survey(request.user, survey)
    return render(
        request,
        "surveys/person.html",
        {
            "person": person,
            "definition": definition,
            "survey": survey,
            "answers": _answer_rows(questionnaire, survey) if survey and survey.is_done else [],
            "needs": _mark_applications(request.user, survey.needs.all())
            if survey and survey.is_done
            else [],
            "can_conduct": request.user.can(Capability.CONDUCT_SURVEY),
            "can_visit": request.user.can(Capability.HOME_VISITS),
        },
    )


def _answer_rows(questionnaire: Questionnaire, survey) -> list[dict]:
    answers, flags = survey.answers, survey.flags
    groups = []
    for group in questionnaire.groups:
        rows = []
        for question in group.questions:
            answer = answers.get(question.key)
            rows.append(
                {
                    "question": question,
                    "shown": question.display(answer),
                    "flag": flags.get(question.key),
                    "registry_shown": question.display(flags[question.key]["registry"])
                    if question.key in flags
                    else "",
                }
            )
        groups.append({"group": group, "rows": rows})
    return groups


@login_required
def survey_step(request: HttpRequest, year: int, pk: int, group: str) -> HttpResponse:
    definition, person, survey = _survey_context(request, year, pk, Capability.CONDUCT_SURVEY)
    questionnaire = Questionnaire.from_definition(definition)
    screen = questionnaire.group(group)
    if screen is None or survey is None:
        raise Http404
    if survey.is_done:
        return redirect("surveys:person", year=year, pk=pk)
    form = forms.SurveyStepForm(
        request.POST if request.method == "POST" else None,
        group=screen,
        answers=survey.answers,
        flags=survey.flags,
    )
    if request.method == "POST" and form.is_valid():
        try:
            survey = actions.save_survey_step(
                request.user, survey, group, form.answers(), confirmed=form.confirmed()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flagged = set(actions.unconfirmed_flags(survey)) & {q.key for q in screen.questions}
            if flagged:
                # Saved with the flag; the same screen shows what differs and asks to check.
                messages.warning(
                    request, _("Saved, but some answers differ from the registry. Please check.")
                )
                return redirect("surveys:step", year=year, pk=pk, group=group)
            following = _following_group(questionnaire, group, survey)
            if following is None:
                return redirect("surveys:review", year=year, pk=pk)
            return redirect("surveys:step", year=year, pk=pk, group=following)
    position = [g.key for g in questionnaire.groups].index(group) + 1
    return render(
        request,
        "surveys/step.html",
        {
            "person": person,
            "definition": definition,
            "survey": survey,
            "group": screen,
            "form": form,
            "position": position,
            "count": len(questionnaire.groups),
            "previous": questionnaire.groups[position - 2].key if position > 1 else None,
        },
    )


def _following_group(questionnaire: Questionnaire, group: str, survey) -> str | None:
    """The next unsaved screen after ``group``; else any screen still to do; else None
    (the review), so a change made from the review returns to the review."""
    keys = [g.key for g in questionnaire.groups]
    for key in keys[keys.index(group) + 1 :]:
        if key not in survey.saved_groups:
            return key
    return actions.resume_group(survey, questionnaire)


@login_required
def survey_review(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    definition, person, survey = _survey_context(request, year, pk, Capability.CONDUCT_SURVEY)
    if survey is None:
        raise Http404
    if survey.is_done:
        return redirect("surveys:person", year=year, pk=pk)
    questionnaire = Questionnaire.from_definition(definition)
    errors: list[str] = []
    if request.method == "POST":
        try:
            needs = actions.complete_survey(request.user, survey)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(
                request,
                _("The survey is complete. %(count)s needs are recorded as open.")
                % {"count": len(needs)},
            )
            return redirect("surveys:person", year=year, pk=pk)
    return render(
        request,
        "surveys/review.html",
        {
            "person": person,
            "definition": definition,
            "survey": survey,
            "answers": _answer_rows(questionnaire, survey),
            "missing": [g for g in questionnaire.groups if g.key not in survey.saved_groups],
            "unconfirmed": actions.unconfirmed_flags(survey),
            "errors": errors,
        },
    )


# --- needs --------------------------------------------------------------------------------


@login_required
def need_list(request: HttpRequest) -> HttpResponse:
    needs = queries.needs_for(request.user)
    form = forms.NeedFilterForm(request.GET or None)
    if form.is_valid():
        if form.cleaned_data["status"]:
            needs = needs.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["kind"]:
            needs = needs.filter(kind=form.cleaned_data["kind"])
    page = Paginator(
        needs.order_by("status", "-opened_at", "id"), settings.TONGXING_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    _mark_applications(request.user, page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "surveys/need_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_close": request.user.can(Capability.CLOSE_NEEDS),
        },
    )


@login_required
def need_close(request: HttpRequest, pk: int) -> HttpResponse:
    need = queries.get_need_for_user(request.user, pk, Capability.CLOSE_NEEDS)
    if need.status != NeedStatus.OPEN:
        return redirect("surveys:need_list")
    form = forms.NeedCloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.close_need(
                need,
                user=request.user,
                outcome=form.cleaned_data["outcome"],
                reference=form.cleaned_data["reference"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The need is closed."))
            return redirect("surveys:need_list")
    return render(request, "surveys/need_close.html", {"need": need, "form": form})


def _mark_applications(user, needs) -> list[Need]:
    """Give each need its links to applications (``need.links``, newest first) and
    whether ``user`` may start one now (``need.can_apply``), in two queries."""
    needs = list(needs)
    links: dict[int, list[NeedApplication]] = {}
    for link in NeedApplication.objects.filter(need__in=needs).select_related(
        "application", "application__service_type"
    ):
        links.setdefault(link.need_id, []).append(link)
    mapped = set(need_services()) if user.can(Capability.APPLY_FOR_SERVICE) else set()
    for need in needs:
        need.links = links.get(need.pk, [])
        need.can_apply = (
            need.status == NeedStatus.OPEN
            and need.kind in mapped
            and not any(link.application.is_open for link in need.links)
        )
    return needs


@login_required
def need_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the service application an open need calls for, pre-filled from the survey
    answers, with the person's kept documents offered."""
    need = Need.objects.select_related("survey__definition").filter(pk=pk).first()
    if need is None:
        raise Http404
    # 404 and an audited refusal for a person outside the user's area.
    person = get_person_for_user(request.user, need.person_id, Capability.APPLY_FOR_SERVICE)
    under_way = actions.open_application_of(need)
    if under_way is not None:
        messages.info(request, _("An application for this need is already under way."))
        return redirect("services:application", pk=under_way.pk)
    mapping = need_services().get(need.kind)
    service_type = (
        ServiceType.objects.filter(code=mapping.service, active=True).first() if mapping else None
    )
    if need.status != NeedStatus.OPEN or service_type is None:
        messages.error(request, _("No application can be started for this need."))
        return redirect("surveys:person", year=need.year, pk=need.person_id)
    definition = ServiceDefinition.from_type(service_type)
    kept = list(Document.objects.filter(person=person))
    if request.method == "POST":
        form = SpecForm(
            request.POST,
            request.FILES,
            fields=definition.fields,
            documents=definition.documents,
            kept=kept,
        )
    else:
        questionnaire = Questionnaire.from_definition(need.survey.definition)
        queries.open_completed_survey(request.user, need.survey)
        initial = prefill(mapping, questionnaire, need.survey.answers)
        form = SpecForm(
            initial={f"f_{key}": _initial(value) for key, value in initial.items()},
            fields=definition.fields,
            documents=definition.documents,
            kept=kept,
        )
    if request.method == "POST" and form.is_valid():
        try:
            chosen = form.chosen_documents(kept)
            for code, upload in form.uploads().items():
                chosen[code] = upload_document(
                    request.user, person, code, upload.name, upload.read()
                )
            application = actions.start_application_for_need(
                request.user,
                need,
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
        {
            "person": person,
            "definition": definition,
            "form": form,
            "need": need,
            "reasons": eligibility_reasons(person, definition, {}, timezone.localdate()),
        },
    )


def _initial(value: Any) -> Any:
    # The service form's yes/no fields are radio buttons valued "yes"/"no".
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


# --- home visits --------------------------------------------------------------------------


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    plans = queries.open_visit_plans(request.user, mine=mine)
    page = Paginator(plans, settings.TONGXING_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/visit_list.html",
        {"page": page, "mine": mine, "today": timezone.localdate()},
    )


@login_required
def visit_plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.person_for_survey(request.user, pk, Capability.HOME_VISITS)
    form = forms.VisitPlanForm(
        request.POST if request.method == "POST" else None,
        visitors=queries.visitors_for(request.user, person),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = actions.plan_visit(
                request.user,
                person,
                reason=data["reason"],
                due_date=data["due_date"],
                assigned_to=data["assigned_to"],
                detail=data["detail"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The visit is planned."))
            return redirect("surveys:visit_detail", pk=plan.pk)
    return render(request, "surveys/visit_plan_form.html", {"person": person, "form": form})


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = queries.get_visit_plan_for_user(request.user, pk)
    visit = getattr(plan, "visit", None)
    if visit is not None:
        queries.open_visit_record(request.user, plan)
    return render(
        request,
        "surveys/visit_detail.html",
        {
            "plan": plan,
            "visit": visit,
            "earlier": plan.follows,
            "overdue": queries.overdue(plan, timezone.localdate()),
        },
    )


@login_required
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    plan = queries.get_visit_plan_for_user(request.user, pk)
    if hasattr(plan, "visit"):
        return redirect("surveys:visit_detail", pk=plan.pk)
    form = forms.VisitRecordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_visit(
                request.user,
                plan,
                visited_on=data["visited_on"],
                notes=data["notes"],
                follow_up=data["follow_up"],
                follow_up_due=data["follow_up_due"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The visit is recorded."))
            return redirect("surveys:visit_detail", pk=plan.pk)
    return render(request, "surveys/visit_record_form.html", {"plan": plan, "form": form})


# --- emergency roster ---------------------------------------------------------------------


@login_required
def emergency_roster(request: HttpRequest) -> HttpResponse:
    user_area = queries.area_for(request.user, None, Capability.EMERGENCY_ROSTER)
    form = forms.RosterForm(request.POST if request.method == "POST" else None, user_area=user_area)
    if request.method == "POST" and form.is_valid():
        area = queries.area_for(
            request.user, form.cleaned_data["area"], Capability.EMERGENCY_ROSTER
        )
        entries, without = roster.build_roster(request.user, area)
        output = "csv" if request.POST.get("output") == "csv" else "html"
        roster.log_roster_use(
            request.user, area, form.cleaned_data["purpose"], output, len(entries)
        )
        today = timezone.localdate()
        if output == "csv":
            response = HttpResponse(
                roster.roster_csv(entries, today), content_type="text/csv; charset=utf-8"
            )
            name = f"emergency-roster-{area.code}-{today.isoformat()}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return render(
            request,
            "surveys/roster.html",
            {
                "area": area,
                "entries": entries,
                "without": without,
                "today": today,
                "purpose": form.cleaned_data["purpose"],
            },
        )
    return render(request, "surveys/roster_form.html", {"form": form})
