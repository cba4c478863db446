"""Roles (DESIGN.md §1) and what each may do. Permissions are enums, never strings in views."""

from __future__ import annotations

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_WORKER = "village_worker", _("Village disability worker")
    TOWNSHIP_OFFICER = "township_officer", _("Township officer")
    COUNTY_OFFICER = "county_officer", _("County federation officer")
    CITY_OFFICER = "city_officer", _("City federation officer")
    DEPARTMENT = "department", _("Partner department")
    PROVIDER = "provider", _("Service provider")
    AUDITOR = "auditor", _("Auditor")
    CITIZEN = "citizen", _("Citizen or family")


class Capability(enum.Enum):
    VIEW_REGISTRY = "view_registry"
    EDIT_REGISTRY = "edit_registry"  # register persons, edit details, record death and moves
    MANAGE_CERTIFICATE = "manage_certificate"  # re-assess, renew, reissue, freeze, cancel
    REVEAL_IDENTIFIERS = "reveal_identifiers"
    VIEW_AUDIT = "view_audit"
    VIEW_PARAMETERS = "view_parameters"  # the policy parameters and their history
    MANAGE_PARAMETERS = "manage_parameters"  # propose, approve, reject, confirm a value
    VIEW_ENTITLEMENTS = "view_entitlements"  # what a person is entitled to, and why
    APPLY_FOR_BENEFIT = "apply_for_benefit"  # record a person's application
    DECIDE_CLAIMS = "decide_claims"  # approve, refuse or end a benefit claim
    VIEW_PAYROLL = "view_payroll"
    PREPARE_PAYROLL = "prepare_payroll"
    APPROVE_PAYROLL_COUNTY = "approve_payroll_county"
    APPROVE_PAYROLL_CITY = "approve_payroll_city"
    LOCK_PAYROLL = "lock_payroll"  # lock an approved batch and issue its payment files
    DOWNLOAD_PAYMENT_FILES = "download_payment_files"
    IMPORT_REGISTRY = "import_registry"  # register and update persons from a file
    VIEW_SURVEYS = "view_surveys"  # survey progress, surveys and needs of the area
    CONDUCT_SURVEY = "conduct_survey"  # fill in a person's annual needs survey
    CLOSE_NEEDS = "close_needs"  # record a need as met (by which service) or declined
    HOME_VISITS = "home_visits"  # plan home visits and record what they found
    EMERGENCY_ROSTER = "emergency_roster"  # print or export the area's emergency roster
    VIEW_EMPLOYMENT = "view_employment"  # persons' employment status, zero-employment homes
    RECORD_EMPLOYMENT = "record_employment"  # record a person's employment status and wishes
    VIEW_EMPLOYERS = "view_employers"  # employers, their quota declarations and the fund
    MANAGE_EMPLOYERS = "manage_employers"  # register employers, enter their declarations
    DECIDE_EMPLOYER_SUBSIDIES = "decide_employer_subsidies"  # approve or refuse them
    UPLOAD_DEPARTMENT_LISTS = "upload_department_lists"  # lists from partner departments
    RUN_RECONCILIATION = "run_reconciliation"  # compare the registry with those lists
    VIEW_WORKLIST = "view_worklist"  # the findings of the reconciliation in the area
    RESOLVE_FINDINGS = "resolve_findings"  # close a finding as fixed or not applicable
    MANAGE_API_TOKENS = "manage_api_tokens"  # create and revoke department API tokens
    VIEW_API_CALLS = "view_api_calls"  # the department API call log, filtered and exported
    SUBMIT_LISTS_BY_API = "submit_lists_by_api"  # a department sends its lists to the API
    READ_FINDINGS_BY_API = "read_findings_by_api"  # a department reads findings it acts on
    CHECK_CERTIFICATES = "check_certificates"  # is a certificate valid, for a stated purpose
    VIEW_DEVICES = "view_devices"  # device catalogue, centres, loan pools, device cases
    MANAGE_LOAN_POOL = "manage_loan_pool"  # add, lend, take back, repair, recycle loan items
    PROVIDE_DEVICES = "provide_devices"  # assess, fit, hand over with settlement, follow up
    VIEW_REHAB = "view_rehab"  # rehabilitation institutions, children's cases, settlements
    MANAGE_REHAB_CASES = "manage_rehab_cases"  # screening, diagnosis, application, placement
    RECORD_REHAB_SERVICES = "record_rehab_services"  # an institution's monthly service records
    SETTLE_REHAB = "settle_rehab"  # settle an institution's month against the yearly caps
    VIEW_SERVICES = "view_services"  # service applications and documents in the area
    APPLY_FOR_SERVICE = "apply_for_service"  # apply for a service on a person's behalf
    PROCESS_APPLICATIONS = "process_applications"  # act on the steps that are the role's
    VIEW_FACILITIES = "view_facilities"  # the facilities and providers directory
    MANAGE_FACILITIES = "manage_facilities"  # add facilities, designations, provider staff
    RECORD_SERVICE_DELIVERY = "record_service_delivery"  # a provider's own clients only
    USE_PORTAL = "use_portal"  # a citizen acts for themselves or their wards in the portal
    LINK_CITIZENS = "link_citizens"  # link a citizen account to the persons it acts for
    VIEW_SERVICE_RATINGS = "view_service_ratings"  # citizens' ratings of services (好差评)
    VIEW_INDICATORS = "view_indicators"  # plan indicators, dashboards, evaluation reports
    REPORT_INDICATORS = "report_indicators"  # enter a reported indicator's value with evidence
    CONFIRM_INDICATORS = "confirm_indicators"  # confirm or reject another officer's value
    MANAGE_EVALUATION = "manage_evaluation"  # compute snapshots, draft and issue reports
    VIEW_RISK_MONITORING = "view_risk_monitoring"  # the poverty-return risk list and counts
    MANAGE_RISK_CASES = "manage_risk_cases"  # record hardships and measures, close a case
    RUN_RISK_SCREENING = "run_risk_screening"  # run the monthly risk screening of an area


_REGISTRY_STAFF = {
    Capability.VIEW_REGISTRY,
    Capability.EDIT_REGISTRY,
    Capability.REVEAL_IDENTIFIERS,
    Capability.VIEW_ENTITLEMENTS,
    Capability.APPLY_FOR_BENEFIT,
}
# The two subsidies are approved by the county federation with civil affairs (县残联 + 民政),
# and the payroll runs per county; the city approves it and issues the payment files.
_COUNTY_PAYROLL = {
    Capability.DECIDE_CLAIMS,
    Capability.VIEW_PAYROLL,
    Capability.PREPARE_PAYROLL,
    Capability.APPROVE_PAYROLL_COUNTY,
    Capability.DOWNLOAD_PAYMENT_FILES,
}
_CITY_PAYROLL = {
    Capability.DECIDE_CLAIMS,
    Capability.VIEW_PAYROLL,
    Capability.APPROVE_PAYROLL_CITY,
    Capability.LOCK_PAYROLL,
    Capability.DOWNLOAD_PAYMENT_FILES,
}

# Every staff member of an area follows its survey and needs and can use its emergency
# roster; the survey is filled in and homes visited by village and township staff, who know
# the families, and by the county federation, which covers villages without a worker.
_SURVEY_STAFF = {Capability.VIEW_SURVEYS, Capability.CLOSE_NEEDS, Capability.EMERGENCY_ROSTER}
_FIELD_STAFF = _SURVEY_STAFF | {Capability.CONDUCT_SURVEY, Capability.HOME_VISITS}

# Every staff member follows employment in their area; village, township and county staff,
# who meet the persons, record their status. The quota and the fund (残保金) are verified
# by the county and city federations, so employers and declarations are theirs.
_EMPLOYMENT_FIELD = {Capability.VIEW_EMPLOYMENT, Capability.RECORD_EMPLOYMENT}
_EMPLOYERS = {
    Capability.VIEW_EMPLOYERS,
    Capability.MANAGE_EMPLOYERS,
    Capability.DECIDE_EMPLOYER_SUBSIDIES,
}
# Findings are followed up where the person lives, so every staff level works its area's
# worklist; department lists arrive at the county or city federation, which compares them.
_WORKLIST = {Capability.VIEW_WORKLIST, Capability.RESOLVE_FINDINGS}
_RECONCILIATION = {Capability.UPLOAD_DEPARTMENT_LISTS, Capability.RUN_RECONCILIATION}
# Devices and child rehabilitation: every staff level follows the cases of its area; the
# county federation runs them (assessment, placement, loan pools, settlement) and the city
# settles institutions outside Bazhong. Providers (device centres, rehab institutions) act
# only at the facilities they are staff of: that scope is checked by devices/access.py.
_PROVISION_VIEW = {Capability.VIEW_DEVICES, Capability.VIEW_REHAB}
_PROVISION_COUNTY = _PROVISION_VIEW | {
    Capability.MANAGE_LOAN_POOL,
    Capability.PROVIDE_DEVICES,
    Capability.MANAGE_REHAB_CASES,
    Capability.SETTLE_REHAB,
}
_PROVISION_PROVIDER = _PROVISION_VIEW | {
    Capability.MANAGE_LOAN_POOL,
    Capability.PROVIDE_DEVICES,
    Capability.RECORD_REHAB_SERVICES,
}
# Every staff level takes applications and acts on the steps a service gives its role
# (the step says which); facilities and their designations are the county's and city's.
_SERVICES = {
    Capability.VIEW_SERVICES,
    Capability.APPLY_FOR_SERVICE,
    Capability.PROCESS_APPLICATIONS,
    Capability.VIEW_FACILITIES,
}
_FACILITIES = {Capability.MANAGE_FACILITIES}
# The plan is monitored by the city and each county (each county has its own plan); every
# staff level sees the indicators of its area. Values only a department knows are entered
# by that department or a federation officer and confirmed by a second county or city officer.
_EVALUATION = {
    Capability.VIEW_INDICATORS,
    Capability.REPORT_INDICATORS,
    Capability.CONFIRM_INDICATORS,
    Capability.MANAGE_EVALUATION,
}
# Poverty-return risk (防止返贫): every staff level follows its area's list; the staff who
# know the families (village, township, county) record hardships and help and close cases;
# the screening runs over a county or the city, where the population-wide job belongs.
_RISK_FIELD = {Capability.VIEW_RISK_MONITORING, Capability.MANAGE_RISK_CASES}

# Imports write many persons at once, so like certificates they are a county or city task.
# Certificates are issued by the county federation (管理办法 第三条: 属地管理), so changing
# one is a county or city decision; village and township staff record what happened.
# Staff who meet the families check who a citizen account acts for (self or guardian).
# Ratings are read by the county federation, which answers for its services, and the city.
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.VILLAGE_WORKER: frozenset(
        _REGISTRY_STAFF
        | _FIELD_STAFF
        | _EMPLOYMENT_FIELD
        | _WORKLIST
        | _SERVICES
        | _PROVISION_VIEW
        | _RISK_FIELD
        | {Capability.LINK_CITIZENS}
    ),
    Role.TOWNSHIP_OFFICER: frozenset(
        _REGISTRY_STAFF
        | _FIELD_STAFF
        | _EMPLOYMENT_FIELD
        | _WORKLIST
        | _SERVICES
        | _PROVISION_VIEW
        | _RISK_FIELD
        | {Capability.LINK_CITIZENS}
        | {Capability.VIEW_INDICATORS}
    ),
    Role.COUNTY_OFFICER: frozenset(
        _REGISTRY_STAFF
        | _FIELD_STAFF
        | _COUNTY_PAYROLL
        | _EMPLOYMENT_FIELD
        | _EMPLOYERS
        | _WORKLIST
        | _RECONCILIATION
        | _SERVICES
        | _FACILITIES
        | _PROVISION_COUNTY
        | _EVALUATION
        | _RISK_FIELD
        | {
            Capability.MANAGE_CERTIFICATE,
            Capability.VIEW_PARAMETERS,
            Capability.IMPORT_REGISTRY,
            Capability.LINK_CITIZENS,
            Capability.VIEW_SERVICE_RATINGS,
            Capability.RUN_RISK_SCREENING,
        }
    ),
    # The benefit standards are set city-wide, so only the city federation changes them.
    Role.CITY_OFFICER: frozenset(
        _REGISTRY_STAFF
        | _CITY_PAYROLL
        | _SURVEY_STAFF
        | _EMPLOYERS
        | {Capability.VIEW_EMPLOYMENT}
        | _WORKLIST
        | _RECONCILIATION
        | _SERVICES
        | _FACILITIES
        | _PROVISION_VIEW
        # The city stocks the counties' loan pools (devices allocated by the province)
        # and settles the institutions outside Bazhong.
        | {Capability.MANAGE_LOAN_POOL, Capability.SETTLE_REHAB, Capability.MANAGE_REHAB_CASES}
        | _EVALUATION
        | {
            Capability.MANAGE_CERTIFICATE,
            Capability.VIEW_PARAMETERS,
            Capability.MANAGE_PARAMETERS,
            Capability.IMPORT_REGISTRY,
            Capability.VIEW_RISK_MONITORING,
            Capability.RUN_RISK_SCREENING,
            Capability.MANAGE_API_TOKENS,
            # The officers who issue tokens follow how they are used.
            Capability.VIEW_API_CALLS,
            Capability.VIEW_SERVICE_RATINGS,
        }
    ),
    # Departments reach the federation only through API tokens, each for one purpose and
    # area; these capabilities are what a token's purpose may ask of its department account.
    Role.DEPARTMENT: frozenset(
        {
            Capability.SUBMIT_LISTS_BY_API,
            Capability.READ_FINDINGS_BY_API,
            Capability.CHECK_CERTIFICATES,
            Capability.VIEW_INDICATORS,
            Capability.REPORT_INDICATORS,
        }
    ),
    # A provider sees and acts only for the clients placed at the facilities it works for
    # (services.scoping, devices/access.py), whatever its area.
    Role.PROVIDER: frozenset(
        _PROVISION_PROVIDER
        | {
            Capability.PROCESS_APPLICATIONS,
            Capability.VIEW_FACILITIES,
            Capability.RECORD_SERVICE_DELIVERY,
        }
    ),
    Role.AUDITOR: frozenset(
        {Capability.VIEW_AUDIT, Capability.VIEW_PAYROLL, Capability.VIEW_API_CALLS}
    ),
    Role.CITIZEN: frozenset({Capability.USE_PORTAL}),
}

# The area level a staff role is bound to; the account form enforces it.
ROLE_AREA_LEVEL = {
    Role.VILLAGE_WORKER: "village",
    Role.TOWNSHIP_OFFICER: "township",
    Role.COUNTY_OFFICER: "county",
    Role.CITY_OFFICER: "city",
}
