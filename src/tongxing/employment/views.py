"""Staff pages for employment: employers, declarations and the fund, persons' employment
status, zero-employment households. Check, parse, call, respond."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.roles import Capability
from tongxing.core import audit
from tongxing.core.exports import CSV_CONTENT_TYPE, csv_chunks
from tongxing.core.models import AuditAction
from tongxing.employment import actions, forms, matching, queries
from tongxing.employment.actions import CourseData, EmployerData, PostData
from tongxing.employment.models import (
    EmploymentStatus,
    JobPost,
    JobSeekerProfile,
    PlanKind,
    PlanStatus,
    SubsidyStatus,
)
from tongxing.registry.forms import apply_errors
from tongxing.registry.queries import get_person_for_user, require


def _last_year() -> int:
    return timezone.localdate().year - 1


@login_required
def home(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_EMPLOYMENT)
    return render(
        request,
        "employment/home.html",
        {
            "year": _last_year(),
            "can_view_employers": request.user.can(Capability.VIEW_EMPLOYERS),
        },
    )


@login_required
def employer_list(request: HttpRequest) -> HttpResponse:
    employers = queries.employers_for(request.user)
    return render(
        request,
        "employment/employer_list.html",
        {
            "employers": employers[:500],
            "count": employers.count(),
            "can_manage": request.user.can(Capability.MANAGE_EMPLOYERS),
        },
    )


@login_required
def employer_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.MANAGE_EMPLOYERS)
    form = forms.EmployerForm(
        request.POST if request.method == "POST" else None, prefix_code=request.user.area_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            employer = actions.register_employer(request.user, EmployerData(**form.cleaned_data))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Employer registered."))
            return redirect("employment:employer_detail", pk=employer.pk)
    return render(request, "employment/employer_form.html", {"form": form})


@login_required
def employer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employer = queries.get_employer_for_user(request.user, pk)
    return render(
        request,
        "employment/employer_detail.html",
        {
            "employer": employer,
            "declarations": employer.declarations.order_by("-year"),
            "posts": employer.posts.select_related("area"),
            "subsidies": employer.subsidy_applications.all(),
            "can_manage": request.user.can(Capability.MANAGE_EMPLOYERS),
        },
    )


@login_required
def declaration_new(request: HttpRequest, pk: int) -> HttpResponse:
    employer = queries.get_employer_for_user(request.user, pk, Capability.MANAGE_EMPLOYERS)
    form = forms.DeclarationForm(
        request.POST if request.method == "POST" else None, initial={"year": _last_year()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        persons, unknown = queries.persons_by_id_number(request.user, data["employees"])
        if unknown:
            form.add_error(
                "employees",
                _("No person with this ID number in your area, on line %(lines)s.")
                % {"lines": "; ".join(unknown)},
            )
        else:
            try:
                declaration = actions.record_declaration(
                    request.user,
                    employer,
                    year=data["year"],
                    average_staff=data["average_staff"],
                    total_wages=data["total_wages"],
                    employees=persons,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Declaration recorded; the fund is computed below."))
                return redirect("employment:declaration_detail", pk=declaration.pk)
    return render(request, "employment/declaration_form.html", {"form": form, "employer": employer})


@login_required
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = queries.get_declaration_for_user(request.user, pk)
    explanation = queries.explain(request.user, declaration)
    # The page names the declared employees: who saw them is recorded (PIPL).
    audit.record(
        request.user,
        AuditAction.VIEW,
        object_type=actions.DECLARATION,
        object_id=declaration.pk,
        area_code=declaration.employer.area_id,
        summary="fund explanation viewed",
    )
    return render(
        request,
        "employment/declaration_detail.html",
        {"explanation": explanation, "d": declaration},
    )


@login_required
def fund_year(request: HttpRequest, year: int) -> HttpResponse:
    return render(
        request, "employment/fund_year.html", {"fund": queries.fund_year(request.user, year)}
    )


@login_required
def person_employment(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, Capability.VIEW_EMPLOYMENT)
    can_record = request.user.can(Capability.RECORD_EMPLOYMENT)
    employers = queries.employers_for(request.user, Capability.VIEW_EMPLOYMENT)
    profile = JobSeekerProfile.objects.filter(person=person).first()
    status_form = forms.StatusForm(employers=employers, prefix="status")
    profile_form = forms.ProfileForm(
        initial={"wishes": profile.wishes, "abilities": profile.abilities} if profile else None,
        prefix="profile",
    )
    if request.method == "POST":
        require(request.user, Capability.RECORD_EMPLOYMENT)
        if "profile-wishes" in request.POST:
            profile_form = forms.ProfileForm(request.POST, prefix="profile")
            if profile_form.is_valid():
                actions.save_job_profile(request.user, person, **profile_form.cleaned_data)
                messages.success(request, _("Wishes and abilities saved."))
                return redirect("employment:person", pk=pk)
        else:
            status_form = forms.StatusForm(request.POST, employers=employers, prefix="status")
            if status_form.is_valid():
                data = status_form.cleaned_data
                try:
                    actions.record_employment_status(
                        request.user,
                        person,
                        status=data["status"],
                        form=data["form"],
                        employer=data["employer"],
                        employer_note=data["employer_note"],
                        start_date=data["start_date"],
                    )
                except ValidationError as error:
                    apply_errors(status_form, error)
                else:
                    messages.success(request, _("Employment status recorded."))
                    return redirect("employment:person", pk=pk)
    audit.record(
        request.user,
        AuditAction.VIEW,
        object_type="registry.person",
        object_id=person.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary="employment page viewed",
    )
    return render(
        request,
        "employment/person.html",
        {
            "person": person,
            "history": EmploymentStatus.objects.filter(person=person).select_related("employer"),
            "profile": profile,
            "plans": queries.plans_for(request.user).filter(person=person),
            "warnings": queries.person_warnings(request.user, person, timezone.localdate()),
            "status_form": status_form,
            "profile_form": profile_form,
            "can_record": can_record,
        },
    )


@login_required
def zero_employment(request: HttpRequest) -> HttpResponse:
    area = queries.area_for(request.user, request.GET.get("area"), Capability.VIEW_EMPLOYMENT)
    result = queries.zero_employment(request.user, area, timezone.localdate())
    return render(
        request,
        "employment/zero_employment.html",
        {
            "result": result,
            "parent": area.parent if area.code != request.user.area_id else None,
            "can_record": request.user.can(Capability.RECORD_EMPLOYMENT),
        },
    )


@login_required
def post_new(request: HttpRequest, pk: int) -> HttpResponse:
    employer = queries.get_employer_for_user(request.user, pk, Capability.MANAGE_EMPLOYERS)
    form = forms.PostForm(
        request.POST if request.method == "POST" else None, prefix_code=request.user.area_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            post = actions.create_job_post(request.user, employer, PostData(**form.cleaned_data))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Job post published; the best-matching seekers are below."))
            return redirect("employment:post_detail", pk=post.pk)
    return render(request, "employment/post_form.html", {"form": form, "employer": employer})


@login_required
def post_list(request: HttpRequest) -> HttpResponse:
    posts = queries.posts_for(request.user)
    return render(request, "employment/post_list.html", {"posts": posts[:500]})


@login_required
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = queries.get_post_for_user(request.user, pk)
    can_place = request.user.can(Capability.MANAGE_EMPLOYERS)
    form = forms.PlacementForm(request.POST if "person" in request.POST else None)
    follow_up = forms.FollowUpForm(request.POST if "placement" in request.POST else None)
    problems: list[str] = []  # the row forms' errors, for the page's summary
    if request.method == "POST":
        require(request.user, Capability.MANAGE_EMPLOYERS)
        try:
            if follow_up.is_valid():
                data = follow_up.cleaned_data
                placement = post.placements.filter(pk=data["placement"]).first()
                if placement is None:
                    raise Http404
                get_person_for_user(request.user, placement.person_id, Capability.MANAGE_EMPLOYERS)
                actions.record_follow_up(
                    request.user,
                    placement,
                    months=data["months"],
                    checked_on=data["checked_on"],
                    in_work=data["in_work"],
                )
                messages.success(request, _("Follow-up recorded."))
                return redirect("employment:post_detail", pk=pk)
            if form.is_valid():
                data = form.cleaned_data
                person = get_person_for_user(
                    request.user, data["person"], Capability.MANAGE_EMPLOYERS
                )
                actions.place_seeker(
                    request.user, post, person, start_date=data["start_date"], form=data["form"]
                )
                messages.success(
                    request, _("%(name)s placed; their status is now employed.") % {"name": person}
                )
                return redirect("employment:post_detail", pk=pk)
        except ValidationError as error:
            problems.extend(error.messages)
        for bound in (form, follow_up):
            if bound.is_bound:
                problems.extend(
                    f"{bound.fields[name].label}: {e}"
                    if name in bound.fields and bound.fields[name].label
                    else e
                    for name, errors in bound.errors.items()
                    for e in errors
                )
    ranked = matching.candidates(post, request.user.area_id, timezone.localdate())
    persons = queries.persons_in_scope(request.user, [c.person_id for c in ranked])
    return render(
        request,
        "employment/post_detail.html",
        {
            "post": post,
            "candidates": [(c, persons[c.person_id]) for c in ranked if c.person_id in persons],
            "placements": post.placements.select_related("person"),
            "form": form,
            "problems": problems,
            "can_place": can_place,
        },
    )


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "employment/course_list.html",
        {
            "courses": queries.courses_for(request.user)[:500],
            "counts": queries.training_counts(request.user),
            "can_create": request.user.can(Capability.MANAGE_EMPLOYERS),
        },
    )


@login_required
def course_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.MANAGE_EMPLOYERS)
    form = forms.CourseForm(
        request.POST if request.method == "POST" else None, prefix_code=request.user.area_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            course = actions.create_course(request.user, CourseData(**form.cleaned_data))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Training course created."))
            return redirect("employment:course_detail", pk=course.pk)
    return render(request, "employment/course_form.html", {"form": form})


@login_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = queries.get_course_for_user(request.user, pk)
    enrol_form = forms.EnrolForm(request.POST if "id_number" in request.POST else None)
    finish_form = forms.FinishForm(request.POST if "enrolment" in request.POST else None)
    if request.method == "POST":
        require(request.user, Capability.RECORD_EMPLOYMENT)
        try:
            if enrol_form.is_valid():
                persons, unknown = queries.persons_by_id_number(
                    request.user, enrol_form.cleaned_data["id_number"], Capability.RECORD_EMPLOYMENT
                )
                if unknown or not persons:
                    enrol_form.add_error(
                        "id_number", _("No person with this ID number in your area.")
                    )
                else:
                    actions.enrol(request.user, course, persons[0])
                    messages.success(request, _("%(name)s enrolled.") % {"name": persons[0]})
                    return redirect("employment:course_detail", pk=pk)
            elif finish_form.is_valid():
                data = finish_form.cleaned_data
                enrolment = (
                    queries.enrolments_for(request.user, course)
                    .filter(pk=data["enrolment"])
                    .first()
                )
                if enrolment is None:
                    raise Http404
                actions.finish_enrolment(
                    request.user,
                    enrolment,
                    status=data["status"],
                    certificate_obtained=data["certificate_obtained"],
                )
                messages.success(request, _("Outcome recorded."))
                return redirect("employment:course_detail", pk=pk)
        except ValidationError as error:
            apply_errors(enrol_form, error)
    return render(
        request,
        "employment/course_detail.html",
        {
            "course": course,
            "enrolments": queries.enrolments_for(request.user, course),
            "enrol_form": enrol_form,
            "can_record": request.user.can(Capability.RECORD_EMPLOYMENT),
        },
    )


# --- plans ----------------------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in PlanKind.values:
        raise Http404
    area = queries.area_for(request.user, request.GET.get("area"), Capability.VIEW_EMPLOYMENT)
    today = timezone.localdate()
    leavers = (
        queries.school_leavers(request.user, area, today)[:200] if kind == PlanKind.GRADUATE else []
    )
    return render(
        request,
        "employment/plan_list.html",
        {
            "kind": kind,
            "kind_label": PlanKind(kind).label,
            "result": queries.plan_list(request.user, area, kind, today),
            "leavers": leavers,
            "parent": area.parent if area.code != request.user.area_id else None,
            "can_record": request.user.can(Capability.RECORD_EMPLOYMENT),
        },
    )


@login_required
def plan_new(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in PlanKind.values:
        raise Http404
    person = get_person_for_user(request.user, pk, Capability.RECORD_EMPLOYMENT)
    data = request.POST if request.method == "POST" else None
    if kind == PlanKind.GRADUATE:
        school = queries.left_school(person)
        initial = (
            {"school_level": school.level, "left_school_on": school.end_date} if school else {}
        )
        form: forms.forms.Form = forms.GraduatePlanForm(data, initial=initial)
    else:
        form = forms.HouseholdPlanForm(data)
    if request.method == "POST" and form.is_valid():
        try:
            if kind == PlanKind.GRADUATE:
                plan = actions.open_graduate_plan(request.user, person, **form.cleaned_data)
            else:
                plan = actions.open_household_plan(request.user, person, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Plan opened; add its steps below."))
            return redirect("employment:plan_detail", pk=plan.pk)
    return render(
        request,
        "employment/plan_form.html",
        {"form": form, "person": person, "kind_label": PlanKind(kind).label},
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = queries.get_plan_for_user(request.user, pk)
    post = request.POST if request.method == "POST" else {}
    step_form = forms.StepForm(post if "step-action" in post else None, prefix="step")
    progress_form = forms.ProgressForm(post if "note" in post else None)
    close_form = forms.ClosePlanForm(post if "close-outcome" in post else None, prefix="close")
    if request.method == "POST":
        require(request.user, Capability.RECORD_EMPLOYMENT)
        bound = next((f for f in (step_form, progress_form, close_form) if f.is_bound), None)
        if bound is None:
            return redirect("employment:plan_detail", pk=pk)
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                if bound is step_form:
                    actions.add_plan_step(request.user, plan, **data)
                elif bound is progress_form:
                    step = plan.steps.filter(pk=data["step"]).first()
                    if step is None:
                        raise Http404
                    actions.record_step_progress(
                        request.user, step, note=data["note"], done_on=data["done_on"]
                    )
                else:
                    actions.close_plan(request.user, plan, **data)
            except ValidationError as error:
                apply_errors(bound, error)
            else:
                messages.success(request, _("Plan updated."))
                return redirect("employment:plan_detail", pk=pk)
    audit.record(
        request.user,
        AuditAction.VIEW,
        object_type=actions.PLAN,
        object_id=plan.pk,
        person_id=plan.person_id,
        area_code=plan.person.area_id,
        summary="employment plan viewed",
    )
    today = timezone.localdate()
    return render(
        request,
        "employment/plan_detail.html",
        {
            "plan": plan,
            "steps": [(s, s.overdue_on(today)) for s in plan.steps.all()],
            "events": plan.events.select_related("actor", "step"),
            "step_form": step_form,
            "progress_form": progress_form,
            "close_form": close_form,
            "can_record": request.user.can(Capability.RECORD_EMPLOYMENT)
            and plan.status == PlanStatus.OPEN,
        },
    )


# --- employer subsidies ---------------------------------------------------------------------


@login_required
def subsidy_list(request: HttpRequest) -> HttpResponse:
    applications = queries.subsidies_for(request.user)
    return render(
        request,
        "employment/subsidy_list.html",
        {"applications": applications[:500], "count": applications.count()},
    )


@login_required
def subsidy_new(request: HttpRequest, pk: int) -> HttpResponse:
    employer = queries.get_employer_for_user(request.user, pk, Capability.MANAGE_EMPLOYERS)
    form = forms.SubsidyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        person = None
        if data["id_number"].strip():
            found, unknown = queries.persons_by_id_number(request.user, data["id_number"])
            if unknown or not found:
                form.add_error("id_number", _("No person with this ID number in your area."))
            else:
                person = found[0]
        if not form.errors:
            try:
                application = actions.apply_for_subsidy(
                    request.user,
                    employer,
                    kind=data["kind"],
                    person=person,
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    amount_claimed=data["amount_claimed"],
                    description=data["description"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Application recorded; another officer decides it."))
                return redirect("employment:subsidy_detail", pk=application.pk)
    return render(request, "employment/subsidy_form.html", {"form": form, "employer": employer})


@login_required
def subsidy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = queries.get_subsidy_for_user(request.user, pk)
    form = forms.DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        require(request.user, Capability.DECIDE_EMPLOYER_SUBSIDIES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.decide_subsidy(
                    request.user,
                    application,
                    approve=data["decision"],
                    amount=data["amount"],
                    reason=data["reason"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect("employment:subsidy_detail", pk=pk)
    ceiling, source, verified = actions.subsidy_ceiling(application)
    return render(
        request,
        "employment/subsidy_detail.html",
        {
            "a": application,
            "form": form,
            "ceiling": ceiling,
            "source": source,
            "verified": verified,
            "can_decide": request.user.can(Capability.DECIDE_EMPLOYER_SUBSIDIES)
            and application.status == SubsidyStatus.SUBMITTED
            and application.submitted_by_id != request.user.pk,
        },
    )


# --- unemployment warning -------------------------------------------------------------------


@login_required
def warning_list(request: HttpRequest) -> HttpResponse:
    area = queries.area_for(request.user, request.GET.get("area"), Capability.VIEW_EMPLOYMENT)
    today = timezone.localdate()
    result = queries.unemployment_warnings(request.user, area, today)
    if request.GET.get("format") == "csv":
        audit.record(
            request.user,
            AuditAction.EXPORT,
            object_type="employment.unemploymentwarning",
            area_code=area.code,
            summary=f"unemployment warnings of {area.code} exported ({result.total}, masked)",
        )
        header = [_("Area"), _("Name"), _("ID number (masked)"), _("Warning"), _("Since")]
        response = StreamingHttpResponse(
            csv_chunks(header, queries.warning_export_rows(request.user, result)),
            content_type=CSV_CONTENT_TYPE,
        )
        name = f"unemployment-warnings-{area.code}-{today.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(
        request,
        "employment/warning_list.html",
        {
            "result": result,
            "parent": area.parent if area.code != request.user.area_id else None,
            "can_record": request.user.can(Capability.RECORD_EMPLOYMENT),
            "listed": queries.LISTED,
        },
    )


@login_required
def warning_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, Capability.RECORD_EMPLOYMENT)
    today = timezone.localdate()
    mine = queries.person_warnings(request.user, person, today)
    choices = [
        (f"{r['reason']}|{r['since'].isoformat()}", f"{r['label']} ({r['since']})") for r in mine
    ]
    courses = queries.courses_for(request.user).filter(end_date__gte=today)
    posts = queries.posts_for(request.user) if request.user.can(Capability.VIEW_EMPLOYERS) else None
    form = forms.WarningFollowUpForm(
        request.POST if request.method == "POST" else None,
        warnings=choices,
        courses=courses,
        posts=posts if posts is not None else JobPost.objects.none(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reason, since = data["warning"].split("|")
        try:
            actions.follow_up_warning(
                request.user,
                person,
                reason=reason,
                since=dt.date.fromisoformat(since),
                action=data["action"],
                course=data["course"],
                post=data["post"],
                note=data["note"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Follow-up recorded."))
            return redirect(f"{reverse('employment:warning_list')}?area={person.area_id}")
    return render(
        request,
        "employment/warning_follow_up.html",
        {"person": person, "rows": mine, "form": form},
    )
