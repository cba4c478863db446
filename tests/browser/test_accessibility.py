"""Every page passes axe-core in real Chromium, in Chinese, in English and in large text +
high contrast, and reflows at 200 % text without horizontal scrolling or clipped text.

Pages are opened as the role that can open them; forms that show a result after a POST
(the error summary, the revealed numbers) are submitted in the browser first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from tests import factories
from tests.browser.conftest import CHROMIUM, REGION, Session, make_household
from tests.core.jobkinds import jobs as _job_kinds  # noqa: F401 - registers "tests.count"
from tests.employment.conftest import worker
from tests.surveys.conftest import answers_for
from tongxing.areas.models import Area
from tongxing.benefits import actions as benefit_actions
from tongxing.benefits.models import BenefitClaim, ClaimStatus, Parameter, PaymentAccount
from tongxing.benefits.parameters import load_parameters
from tongxing.core.idnumbers import make_credit_code
from tongxing.core.jobs import run_queued_jobs, start_job
from tongxing.core.models import Job, JobStatus
from tongxing.employment import actions as employment_actions
from tongxing.registry import actions as registry_actions
from tongxing.registry.models import LifeEventKind
from tongxing.surveys import actions as survey_actions
from tongxing.surveys.definitions import Questionnaire, load_surveys
from tongxing.surveys.models import Need, SurveyDefinition

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]

AXE = Axe()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_AXE_OPTIONS: dict = {}  # computed once, from the bundled axe


def axe_options(page) -> dict:
    """axe's default rule set, plus every WCAG 2.0/2.1 A/AA rule (some are off by default)."""
    if not _AXE_OPTIONS:
        page.evaluate(AXE.axe_script)
        rules = page.evaluate("tags => axe.getRules(tags).map(rule => rule.ruleId)", WCAG_TAGS)
        _AXE_OPTIONS["resultTypes"] = ["violations"]
        _AXE_OPTIONS["rules"] = {rule: {"enabled": True} for rule in rules}
    return _AXE_OPTIONS


def assert_no_axe_violations(page, where: str) -> None:
    results = AXE.run(page, options=axe_options(page))
    assert results.violations_count == 0, f"{where}: {page.url}\n{results.generate_report()}"


# Elements that cut their text off, or stick out of the viewport outside a scroll region.
CLIPPED_TEXT_JS = """
() => {
  const problems = [];
  const classes = el => typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el)
      + ' "' + (el.innerText || el.value || '').trim().slice(0, 40) + '"';
  const scrollsX = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  const width = window.innerWidth;
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.visually-hidden, .skip-link, script, style, option, optgroup')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    const text = (el.innerText || '').trim();
    const clipX = cs.overflowX === 'hidden' || cs.overflowX === 'clip';
    const clipY = cs.overflowY === 'hidden' || cs.overflowY === 'clip';
    if (text && ((clipX && el.scrollWidth > el.clientWidth + 1)
                 || (clipY && el.scrollHeight > el.clientHeight + 1))) {
      problems.push('clipped: ' + describe(el));
    }
    const rect = el.getBoundingClientRect();
    if (rect.width > 0 && rect.right > width + 1 && !scrollsX(el)) {
      problems.push('past the viewport (right ' + Math.round(rect.right) + 'px): ' + describe(el));
    }
  }
  return problems.slice(0, 20);
}
"""


# What axe 4.12 no longer checks: ids must be unique, and every id reference must resolve.
BROKEN_IDS_JS = """
() => {
  const problems = [];
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  for (const [id, count] of seen) if (count > 1) problems.push('duplicate id: ' + id);
  const refs = [['aria-describedby', true], ['aria-labelledby', true], ['aria-controls', true],
                ['for', false]];
  for (const [attr, list] of refs) {
    for (const el of document.querySelectorAll('[' + attr + ']')) {
      const ids = list ? el.getAttribute(attr).trim().split(/\\s+/) : [el.getAttribute(attr)];
      for (const id of ids) if (id && !document.getElementById(id)) {
        problems.push(el.tagName.toLowerCase() + '[' + attr + '] -> missing #' + id);
      }
    }
  }
  for (const a of document.querySelectorAll('a[href^="#"]')) {
    const id = decodeURIComponent(a.getAttribute('href').slice(1));
    if (id && !document.getElementById(id)) problems.push('link to missing #' + id);
  }
  return problems;
}
"""


def assert_ids_resolve(page, where: str) -> None:
    problems = page.evaluate(BROKEN_IDS_JS)
    assert not problems, f"{where}: {page.url}\n" + "\n".join(problems)


def assert_reflows(page, where: str) -> None:
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    clipped = page.evaluate(CLIPPED_TEXT_JS)
    assert scroll_width <= inner_width + 1 and not clipped, (
        f"{where}: {page.url} scrolls sideways ({scroll_width}px in {inner_width}px) "
        f"or clips text:\n" + "\n".join(clipped)
    )


# --- the pages -------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    role: str | None  # a fixture of tests/conftest.py, or None for an anonymous visitor
    path: str  # "{pk}" is the test household's head
    status: int = 200
    then: Callable[[Session], object] | None = None  # a form to submit on the page
    lands_on: str | None = None  # the path the browser must end on
    needs_person: bool = False
    needs_parameters: bool = False  # "{param}" / "{value}": the living-subsidy amount
    needs_jobs: bool = False  # "{running}" / "{finished}" / "{interrupted}": the user's jobs
    # "{recipient}", "{claim}", "{locked}" (September, locked), "{batch}" (October, with changes)
    needs_payroll: bool = False
    needs_import: bool = False  # "{batch}": a checked import with problems
    # "{pk}" has a completed survey with an open need "{need}" and a planned visit "{plan}";
    # "{member}" a survey started on the first screen.
    needs_surveys: bool = False
    # "{employer}" with "{declaration}" for staff year 2024; "{worker}" a person of working age
    needs_employment: bool = False
    needs_findings: bool = False  # "{finding}": an open worklist item in the test village


def submit(session: Session, button: str = "main form button[type=submit]") -> None:
    with session.page.expect_navigation():
        session.page.locator(button).first.click()


def fail_login(session: Session) -> None:
    session.page.fill("#id_username", "county")
    session.page.fill("#id_password", "wrong")
    submit(session)


def fail_registration(session: Session) -> None:
    session.page.fill("#id_name", "王五")
    session.page.fill("#id_id_number", "51190219800101001X")
    submit(session)


def flag_age(session: Session) -> None:
    session.page.fill("#id_age", "3")
    submit(session)


def fail_need_close(session: Session) -> None:
    session.page.check("#id_outcome_0")
    submit(session)


def print_roster(session: Session) -> None:
    session.page.select_option("#id_area", "511902001")
    session.page.fill("#id_purpose", "七月防汛演练")
    submit(session)


def fail_roster(session: Session) -> None:
    submit(session)


def fail_employer(session: Session) -> None:
    session.page.fill("#id_credit_code", "91350100M000100Y44")
    submit(session)


def fail_status(session: Session) -> None:
    session.page.check("#id_status-status_0")
    submit(session, "main form button[type=submit]")


def reveal(session: Session) -> None:
    session.page.fill("#id_purpose", "核对补贴申请的身份证")
    submit(session)


def refuse_claim(session: Session) -> None:
    session.page.check("input[name=decision][value=refuse]")
    submit(session)


def fail_export(session: Session) -> None:
    session.page.check("#id_full_numbers")
    submit(session)


def refuse_list(session: Session) -> None:
    session.page.select_option("#id_kind", "civil_deaths")
    session.page.fill("#id_list_date", "2025-04-01")
    session.page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "deaths.csv",
                "mimeType": "text/csv",
                "buffer": "身份证号,姓名,死亡日期\n51190219600517001,甲,昨天\n".encode(),
            }
        ],
    )
    submit(session)


def fail_close(session: Session) -> None:
    session.page.check("#id_status_0")
    submit(session)


def make_finding(village, county) -> int:
    from tongxing.reconcile import actions as reconcile_actions
    from tongxing.reconcile.models import Finding

    person = factories.make_person(village, name="李明")
    deaths = f"身份证号,姓名,死亡日期\n{person.id_number},李明,2025-03-20\n".encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    day = dt.date(2025, 6, 15)
    reconcile_actions.upload_list(
        county, "civil_deaths", day, SimpleUploadedFile("deaths.csv", deaths), day
    )
    reconcile_actions.run_reconciliation(county, day)
    return Finding.objects.get().pk


def import_with_problems(user, directory) -> int:
    from tests.exchange.files import row, upload, xlsx_bytes
    from tongxing.exchange import actions

    data = xlsx_bytes([row(), row(姓名="", 残疾等级="五级"), row(发证日期="去年")])
    batch = actions.upload_import(user, upload(data))
    return actions.validate_import(user, batch).pk


CASES = [
    Case("login", None, "/accounts/login/"),
    Case("login-failed", None, "/accounts/login/", then=fail_login),
    *[Case(f"overview-{role}", role, "/") for role in ("village", "county", "city")],
    *[
        Case(f"overview-{role}-redirect", role, "/", lands_on=start)
        for role, start in (
            ("department", "/indicators/"),
            ("provider", "/services/clients/"),
            ("citizen", "/portal/"),
        )
    ],
    Case("no-access", "without_role", "/", 403),
    Case("overview-auditor-redirect", "auditor", "/", lands_on="/audit/", needs_person=True),
    Case("audit-log", "auditor", "/audit/", needs_person=True),
    # The API call log with its filters, empty (tests/browser/test_api_pages.py checks it
    # with calls and with a refused filter).
    Case("api-call-log", "city", "/api-clients/calls/"),
    Case("search-form", "county", "/persons/", needs_person=True),
    Case("search-results", "county", "/persons/?q=%E5%BC%A0&status=active", needs_person=True),
    Case("search-no-results", "county", "/persons/?q=%E7%8E%8B%E4%BA%94", needs_person=True),
    Case("register", "county", "/persons/new/"),
    Case("register-errors", "county", "/persons/new/", then=fail_registration),
    Case("person", "county", "/persons/{pk}/", needs_person=True),
    Case("person-village-worker", "village", "/persons/{pk}/", needs_person=True),
    Case("reveal", "county", "/persons/{pk}/reveal/", needs_person=True),
    Case("person-revealed", "county", "/persons/{pk}/reveal/", then=reveal, needs_person=True),
    Case("edit", "county", "/persons/{pk}/edit/", needs_person=True),
    *[
        Case(
            f"event-{kind.value}",
            "county",
            f"/persons/{{pk}}/events/{kind.value}/",
            needs_person=True,
        )
        for kind in LifeEventKind
    ],
    Case("not-found", "county", "/persons/999999/", 404),
    Case("not-found-anonymous", None, "/no-such-page/", 404),
    Case("forbidden", "village", "/persons/{pk}/events/freeze/", 403, needs_person=True),
    Case("imports", "county", "/imports/"),
    Case("import-report", "county", "/imports/{batch}/", needs_import=True),
    Case("export", "county", "/persons/export/"),
    Case("export-errors", "county", "/persons/export/", then=fail_export),
    Case("parameters", "city", "/parameters/", needs_parameters=True),
    Case("parameters-county", "county", "/parameters/", needs_parameters=True),
    Case("parameter", "city", "/parameters/{param}/", needs_parameters=True),
    Case("parameter-propose", "city", "/parameters/{param}/propose/", needs_parameters=True),
    Case("parameter-confirm", "city", "/parameters/values/{value}/confirm/", needs_parameters=True),
    Case(
        "entitlements",
        "village",
        "/persons/{recipient}/entitlements/?month=2026-10",
        needs_payroll=True,
    ),
    Case(
        "entitlements-what-if",
        "county",
        "/persons/{recipient}/entitlements/?month=2026-10&what_if=1&grade=3&dibao=no",
        needs_payroll=True,
    ),
    Case("claim-decide", "county", "/claims/{claim}/decide/", needs_payroll=True),
    Case(
        "claim-decide-errors",
        "county",
        "/claims/{claim}/decide/",
        then=refuse_claim,
        needs_payroll=True,
    ),
    Case("payroll", "county", "/payroll/", needs_payroll=True),
    Case("payroll-batch", "county", "/payroll/{batch}/", needs_payroll=True),
    Case("payroll-batch-stopped", "county", "/payroll/{batch}/?change=stopped", needs_payroll=True),
    Case("payroll-locked", "city", "/payroll/{locked}/", needs_payroll=True),
    Case("payroll-approve-city", "city", "/payroll/{batch}/approve-city/", needs_payroll=True),
    Case(
        "payroll-approve-errors",
        "city",
        "/payroll/{batch}/approve-city/",
        then=submit,
        needs_payroll=True,
    ),
    Case("payroll-download", "county", "/payroll/{locked}/files/payment-csv/", needs_payroll=True),
    Case("payroll-summary", "county", "/payroll/{locked}/summary/", needs_payroll=True),
    Case("jobs", "county", "/jobs/", needs_jobs=True),
    Case("job-running", "county", "/jobs/{running}/", needs_jobs=True),
    Case("job-finished", "county", "/jobs/{finished}/", needs_jobs=True),
    Case("job-interrupted", "county", "/jobs/{interrupted}/", needs_jobs=True),
    *[
        Case(f"survey-progress-{role}", role, "/surveys/", needs_surveys=True)
        for role in ("village", "township", "city")
    ],
    Case("survey-village-list", "township", "/surveys/?area=511902001001", needs_surveys=True),
    Case("survey-person-done", "village", "/surveys/2025/persons/{pk}/", needs_surveys=True),
    Case("survey-person-started", "village", "/surveys/2025/persons/{member}/", needs_surveys=True),
    Case(
        "survey-screen",
        "village",
        "/surveys/2025/persons/{member}/screens/basic/",
        needs_surveys=True,
    ),
    Case(
        "survey-screen-flagged",
        "village",
        "/surveys/2025/persons/{member}/screens/basic/",
        then=flag_age,
        needs_surveys=True,
    ),
    Case(
        "survey-screen-choices",
        "village",
        "/surveys/2025/persons/{member}/screens/assistive_devices/",
        needs_surveys=True,
    ),
    Case("survey-review", "village", "/surveys/2025/persons/{member}/review/", needs_surveys=True),
    Case("needs", "township", "/surveys/needs/", needs_surveys=True),
    Case("need-close", "township", "/surveys/needs/{need}/close/", needs_surveys=True),
    Case(
        "need-close-errors",
        "township",
        "/surveys/needs/{need}/close/",
        then=fail_need_close,
        needs_surveys=True,
    ),
    Case("visits", "village", "/surveys/visits/", needs_surveys=True),
    Case("visit-plan", "township", "/surveys/visits/plan/{pk}/", needs_surveys=True),
    Case("visit-detail", "village", "/surveys/visits/{plan}/", needs_surveys=True),
    Case("visit-record", "village", "/surveys/visits/{plan}/record/", needs_surveys=True),
    Case("roster-form", "township", "/surveys/roster/", needs_surveys=True),
    Case("roster-form-errors", "township", "/surveys/roster/", then=fail_roster),
    Case("roster", "township", "/surveys/roster/", then=print_roster, needs_surveys=True),
    Case("employment", "village", "/employment/", needs_employment=True),
    Case("employers", "county", "/employment/employers/", needs_employment=True),
    Case("employer-new", "county", "/employment/employers/new/"),
    Case("employer-new-errors", "county", "/employment/employers/new/", then=fail_employer),
    Case("employer", "county", "/employment/employers/{employer}/", needs_employment=True),
    Case(
        "declaration-new",
        "county",
        "/employment/employers/{employer}/declare/",
        needs_employment=True,
    ),
    Case("declaration", "county", "/employment/declarations/{declaration}/", needs_employment=True),
    Case("fund-year", "county", "/employment/fund/2024/", needs_employment=True),
    Case("job-posts", "county", "/employment/posts/", needs_employment=True),
    Case("training", "village", "/employment/training/", needs_employment=True),
    Case("training-new", "county", "/employment/training/new/"),
    Case("training-course", "village", "/employment/training/{course}/", needs_employment=True),
    Case("job-post", "county", "/employment/posts/{post}/", needs_employment=True),
    Case(
        "job-post-new",
        "county",
        "/employment/employers/{employer}/posts/new/",
        needs_employment=True,
    ),
    Case("employment-person", "village", "/employment/persons/{worker}/", needs_employment=True),
    Case(
        "employment-person-errors",
        "village",
        "/employment/persons/{worker}/",
        then=fail_status,
        needs_employment=True,
    ),
    Case("zero-employment", "township", "/employment/zero-employment/", needs_employment=True),
    Case(
        "zero-employment-village",
        "village",
        "/employment/zero-employment/?area=511902001001",
        needs_employment=True,
    ),
    Case("department-lists", "county", "/reconcile/lists/"),
    Case("department-list-refused", "county", "/reconcile/lists/", then=refuse_list),
    Case("worklist", "county", "/reconcile/worklist/", needs_findings=True),
    Case("worklist-village", "village", "/reconcile/worklist/", needs_findings=True),
    Case("worklist-item", "village", "/reconcile/worklist/{finding}/", needs_findings=True),
    Case(
        "worklist-item-errors",
        "village",
        "/reconcile/worklist/{finding}/",
        then=fail_close,
        needs_findings=True,
    ),
]


def make_payroll(village, county, city) -> dict[str, int]:
    """September locked for 巴州区, then a death and a late approval recorded, and October
    prepared: the batch page has arrears, a recovery and changes to list."""
    load_parameters(REGION)
    people = []
    for name, grade in (("王芳", 1), ("赵强", 2), ("孙丽", 1)):
        person = factories.make_person(village, name=name, certificate={"grade": grade})
        registry_actions.set_household_status(
            village, person.household, "dibao", dt.date(2024, 1, 1)
        )
        for benefit in ("living_subsidy", "nursing_subsidy"):
            BenefitClaim.objects.create(
                person=person,
                benefit=benefit,
                applied_on=dt.date(2025, 1, 1),
                status=ClaimStatus.APPROVED,
                decided_at=timezone.now() - dt.timedelta(days=400),
            )
        PaymentAccount.objects.create(
            person=person,
            bank="中国农业银行",
            account_number=f"62284800000000{grade}{len(people)}",
            holder_name=name,
        )
        people.append(person)
    late = benefit_actions.apply_for_benefit(
        village, people[0], "pension_premium", dt.date(2026, 9, 2)
    )
    reviewer = factories.make_user("reviewer", "county_officer", "511902")
    finance = factories.make_user("finance", "city_officer", "5119")
    county_area = Area.objects.get(code="511902")
    september = benefit_actions.start_preparation(county, county_area, dt.date(2026, 9, 1))
    run_queued_jobs()
    september.refresh_from_db()
    benefit_actions.approve_county(reviewer, september)
    benefit_actions.approve_city(city, september, "已核对")
    benefit_actions.lock_batch(finance, september)
    registry_actions.record_death(county, people[2], dt.date(2026, 8, 15))
    pending = benefit_actions.apply_for_benefit(
        village, people[1], "pension_premium", dt.date(2026, 10, 8)
    )
    october = benefit_actions.start_preparation(county, county_area, dt.date(2026, 10, 1))
    run_queued_jobs()
    del late
    return {
        "recipient": people[0].pk,
        "claim": pending.pk,
        "locked": september.pk,
        "batch": october.pk,
    }


def make_jobs(user) -> dict[str, str]:
    """A finished job (run by the real backend), one running, one whose worker was lost."""
    county = Area.objects.get(code="511902")
    finished = start_job(
        "tests.count", user=user, params={"steps": 3}, label="导入 残疾人名单.xlsx", area=county
    )
    run_queued_jobs()
    ids = {"finished": finished.pk}
    for name, seconds_ago in (("running", 1), ("interrupted", 3600)):
        job = start_job(
            "tests.count",
            user=user,
            params={"steps": 114000},
            label=f"2026年1月 巴州区 补贴发放表（{name}）",
            area=county,
        )
        # As a worker leaves it mid-run; no worker runs in these tests.
        moment = timezone.now() - dt.timedelta(seconds=seconds_ago)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING,
            started_at=moment,
            heartbeat_at=moment,
            done=12000,
            total=114000,
            message="正在计算补贴",
        )
        ids[name] = job.pk
    return {name: str(pk) for name, pk in ids.items()}


MODES = ("zh", "large-contrast", "en")


def survey_records(request) -> dict[str, int]:
    village = request.getfixturevalue("village")
    head, member = make_household(village, request.getfixturevalue("county"))
    load_surveys(REGION)
    definition = SurveyDefinition.objects.get(year=2025)
    survey = survey_actions.start_survey(village, head, definition)
    questionnaire = Questionnaire.from_definition(definition)
    answers = answers_for(head, care_need=True, device_need=["wheelchair"])
    for group in questionnaire.groups:
        survey = survey_actions.save_survey_step(village, survey, group.key, answers[group.key])
    survey_actions.complete_survey(village, survey)
    started = survey_actions.start_survey(village, member, definition)
    survey_actions.save_survey_step(village, started, "basic", answers_for(member)["basic"])
    plan = survey_actions.plan_visit(
        village,
        head,
        reason="living_alone",
        due_date=dt.date.today() - dt.timedelta(days=2),
        assigned_to=village,
    )
    need = Need.objects.filter(person=head).order_by("id").first()
    return {"pk": head.pk, "member": member.pk, "need": need.pk, "plan": plan.pk}


def employment_records(request) -> dict[str, int]:
    load_parameters(REGION)
    village, county = request.getfixturevalue("village"), request.getfixturevalue("county")
    employer = employment_actions.register_employer(
        county,
        employment_actions.EmployerData(
            credit_code=make_credit_code("511902", 1),
            name="巴中测试有限公司",
            area=Area.objects.get(code=factories.VILLAGE),
            sector="制造业",
        ),
    )
    person = worker(village)
    declaration = employment_actions.record_declaration(
        county,
        employer,
        year=2024,
        average_staff=Decimal("100"),
        total_wages=Decimal("10000000"),
        employees=[person, worker(village, name="李四"), person],
        today=dt.date(2025, 3, 1),
    )
    employment_actions.record_employment_status(
        village, person, status="seeking", start_date=dt.date(2025, 1, 1)
    )
    post = employment_actions.create_job_post(
        county,
        employer,
        employment_actions.PostData(
            title="按摩", area=employer.area, accessibility=["sitting"], suitable_categories=[4]
        ),
    )
    course = employment_actions.create_course(
        county,
        employment_actions.CourseData(
            title="电商培训",
            provider="巴州区残联",
            skill="ecommerce",
            area=Area.objects.get(code="511902"),
            start_date=dt.date(2025, 4, 1),
            end_date=dt.date(2025, 4, 30),
            places=20,
        ),
    )
    employment_actions.enrol(village, course, person)
    return {
        "course": course.pk,
        "employer": employer.pk,
        "declaration": declaration.pk,
        "worker": person.pk,
        "post": post.pk,
    }


def post_form(session: Session, path: str, data: dict[str, str]) -> None:
    """POST like the header's own forms do (their CSRF token, the browser's cookies)."""
    token = session.page.input_value(".display-switch input[name=csrfmiddlewaretoken]")
    response = session.context.request.post(
        session.url(path),
        form={"csrfmiddlewaretoken": token, "next": "/", **data},
        max_redirects=0,
    )
    assert response.status == 302, f"POST {path}: {response.status}"


def switch_mode(session: Session, mode: str) -> None:
    if mode == "large-contrast":
        post_form(session, "/accounts/display/", {"large_text": "on", "high_contrast": "on"})
    elif mode == "en":
        post_form(session, "/accounts/display/", {})
        post_form(session, "/i18n/setlang/", {"language": "en"})


def check_mode(session: Session, mode: str) -> None:
    html_class = session.page.evaluate("document.documentElement.className").split()
    lang = session.page.get_attribute("html", "lang")
    if mode == "large-contrast":
        assert html_class == ["large-text", "high-contrast"], html_class
    else:
        assert html_class == [], html_class
    assert lang == ("en" if mode == "en" else "zh-Hans"), lang


def check_page(session: Session, case: Case, path: str, mode: str) -> None:
    response = session.goto(path)
    assert response.status == case.status, f"{path}: {response.status}"
    if case.then:
        case.then(session)
    if case.lands_on:
        assert session.page.url == session.url(case.lands_on), session.page.url
    check_mode(session, mode)
    where = f"{case.name} [{mode}]"
    assert_no_axe_violations(session.page, where)
    assert_ids_resolve(session.page, where)
    if mode == "large-contrast":
        assert_reflows(session.page, where)
    elif mode == "zh":
        session.page.evaluate("document.documentElement.style.fontSize='200%'")
        assert_reflows(session.page, where + " at 200 % text")


def check_in_every_mode(
    session: Session, case: Case, path: str, later_case: Case | None = None
) -> None:
    """``check_page`` in Chinese (and at 200 % text), in large text + high contrast and in
    English. Every mode is checked even when an earlier one fails; the failures are
    reported together. ``later_case`` replaces ``case`` after the first mode, for a page
    whose first check changed what it shows (a form submitted once)."""
    failures = []
    for mode in MODES:
        if mode != MODES[0]:
            switch_mode(session, mode)
        try:
            check_page(session, case if mode == MODES[0] else later_case or case, path, mode)
        except AssertionError as failure:
            failures.append(f"--- {mode} ---\n{failure}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_page_is_accessible(case: Case, request, open_session):
    """The page in Chinese (and at 200 % text), in large text + high contrast, in English.

    Every mode is checked even when an earlier one fails; the failures are reported together.
    """
    user = request.getfixturevalue(case.role) if case.role else None
    path = case.path
    if case.needs_person:
        head, _member = make_household(
            request.getfixturevalue("village"), request.getfixturevalue("county")
        )
        path = path.format(pk=head.pk)
    if case.needs_surveys:
        path = path.format(**survey_records(request))
    if case.needs_employment:
        path = path.format(**employment_records(request))
    if case.needs_parameters:
        load_parameters(REGION)
        parameter = Parameter.objects.get(key="subsidies.living.amount")
        path = path.format(param=parameter.pk, value=parameter.values.get().pk)
    if case.needs_jobs:
        path = path.format(**make_jobs(user))
    if case.needs_payroll:
        path = path.format(
            **make_payroll(*(request.getfixturevalue(r) for r in ("village", "county", "city")))
        )
    if case.needs_findings:
        path = path.format(
            finding=make_finding(
                request.getfixturevalue("village"), request.getfixturevalue("county")
            )
        )
    if case.needs_import:
        settings = request.getfixturevalue("settings")
        settings.TONGXING_IMPORT_DIR = request.getfixturevalue("tmp_path") / "imports"
        path = path.format(batch=import_with_problems(user, settings.TONGXING_IMPORT_DIR))
    session = open_session(user)
    check_in_every_mode(session, case, path)


BAD_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Bad</title></head><body><main>
<h1>Bad page</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color:#bbb">faint text</p>
<input id="x" aria-describedby="nowhere"><input id="x" aria-label="second">
<div style="width:2000px">too wide</div>
<div style="width:3rem;overflow:hidden;white-space:nowrap">this text is cut off</div>
</main></body></html>"""


def test_the_checks_catch_known_problems(browser):
    """Guards the guards: axe and the extra checks do report a page that is broken."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_content(BAD_PAGE)
        results = AXE.run(page, options=axe_options(page))
        found = {violation["id"] for violation in results.response["violations"]}
        assert {"image-alt", "color-contrast"} <= found, found
        problems = page.evaluate(BROKEN_IDS_JS)
        assert "duplicate id: x" in problems and any("#nowhere" in p for p in problems)
        with pytest.raises(AssertionError, match="scrolls sideways"):
            assert_reflows(page, "bad page")
        assert any(p.startswith("clipped: div") for p in page.evaluate(CLIPPED_TEXT_JS))
    finally:
        context.close()
