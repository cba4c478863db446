"""What a department API token is for: one purpose per token, declared here.

A purpose names the one operation the token may call and what that operation may show:
which lists it may submit, which findings it may read, and whether a certificate check
answers with the category and grade or only "valid or not". A partner is given the
narrowest purpose that does its job (PIPL art. 6: the minimum necessary).

The certificate-check purposes are examples of what a city grants: a bus company needs
only to know that a rider holds a valid certificate; a hospital's fee waiver may depend
on the category and grade (an assumption about local practice, not a sourced rule), so
that purpose shows them. Neither ever returns names or full numbers.

Each purpose also names the departments whose accounts may hold it (the account's
``department``, accounts/models.py), so civil affairs cannot be given a police list:

- a list purpose: only the department that sends that kind of list (``reconcile.kinds``);
- findings: the departments that act on them. Deaths: civil affairs and public security,
  the two that report deaths (civil affairs also stops its own payments). 低保/特困: civil
  affairs, which runs them. Pension enrolment: human resources and social security (人社).
  School enrolment: education;
- a certificate check that answers only "valid or not" (free bus rides): any department
  and any outside body (a bus company), since the answer reveals nothing but validity;
- the hospital fee-waiver check, which shows category and grade: health (卫健, over the
  hospitals), medical insurance (医保, which runs medical assistance since the 2018
  reform) and outside bodies (the hospital itself). Other departments have no fee to waive.

The department lists are a judgement about Bazhong's practice, not a sourced rule; a city
that assigns the work differently changes them here.

Who is named in findings (``identifies_persons``): a findings purpose answers with masked
ID numbers, unless the department holding it must itself act on each person. Then a
masked number leaves it nothing to act on, and each finding also carries the person's
full ID number and name; every person so revealed is an audit row (``REVEAL``, the
token's purpose as the reason), as when staff reveal a number. The decision, rule by rule:

- ``findings.pension`` (severely disabled, of working age, not in the pension enrolment
  list): 人社 must enrol the person. Named.
- ``findings.school`` (school-age disabled child not in the enrolment list): education
  must place the child. Named.
- ``findings.deaths`` (deceased still paid or alive in the registry): the federation
  stops the payment and closes the record; the reporting department only needs to know
  its list was used. Masked.
- ``findings.assistance``: a 低保 member without the living subsidy, and 低保/特困 not
  recorded in the registry, are the federation's to fix. 低保/特困 in the registry but
  not in civil affairs' list could be either side's error, so who must act is unclear:
  the narrower choice is made and the whole purpose stays masked; where staff find such
  an item is civil affairs' to fix, they take it up with civil affairs themselves.

Medical insurance enrolment or premium and child screening follow-up are findings the
issue plans (医保 and 卫健 would act on them, so their purposes would be named), but the
reconciliation has no such rules yet and so no purpose reads them. PIPL art. 6 (minimum
necessary) is why the rest stays masked: findings a department acts on are its work, the
others are the federation's.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tongxing.accounts.models import ACCOUNT_DEPARTMENT_CHOICES, OUTSIDE_BODY
from tongxing.accounts.roles import Capability
from tongxing.reconcile.kinds import KINDS, Department
from tongxing.reconcile.models import Rule


class Operation(models.TextChoices):
    SUBMIT_LIST = "submit_list", _("Submit a department list")
    READ_FINDINGS = "read_findings", _("Read findings")
    CHECK_CERTIFICATE = "check_certificate", _("Check a certificate")


CAPABILITY = {
    Operation.SUBMIT_LIST: Capability.SUBMIT_LISTS_BY_API,
    Operation.READ_FINDINGS: Capability.READ_FINDINGS_BY_API,
    Operation.CHECK_CERTIFICATE: Capability.CHECK_CERTIFICATES,
}


@dataclass(frozen=True)
class Purpose:
    key: str
    operation: Operation
    label: Promise
    kinds: tuple[str, ...] = ()  # lists it may submit
    rules: tuple[str, ...] = ()  # findings it may read
    shows_category_grade: bool = False
    # Findings carry full ID numbers and names, each one audited (see the module's text).
    identifies_persons: bool = False
    # The account departments (accounts.models.ACCOUNT_DEPARTMENT_CHOICES) that may hold it.
    departments: frozenset[str] = frozenset()

    @property
    def capability(self) -> Capability:
        return CAPABILITY[self.operation]

    def allows(self, department: str) -> bool:
        return department in self.departments


def _held_by(*departments: str) -> frozenset[str]:
    # Plain values, as the account stores them.
    return frozenset(str(department) for department in departments)


ANY_DEPARTMENT = _held_by(*(value for value, _label in ACCOUNT_DEPARTMENT_CHOICES))


def _purposes() -> list[Purpose]:
    found = [
        Purpose(
            f"list.{kind.key}",
            Operation.SUBMIT_LIST,
            kind.label,
            kinds=(kind.key,),
            departments=_held_by(kind.department),
        )
        for kind in KINDS.values()
    ]
    found += [
        Purpose(
            "findings.deaths",
            Operation.READ_FINDINGS,
            _("Findings about deaths (deceased still paid or alive in the registry)"),
            rules=(Rule.DECEASED_PAID, Rule.DECEASED_ALIVE),
            departments=_held_by(Department.CIVIL_AFFAIRS, Department.PUBLIC_SECURITY),
        ),
        Purpose(
            "findings.assistance",
            Operation.READ_FINDINGS,
            _("Findings about 低保 and 特困 households"),
            rules=(
                Rule.ASSISTANCE_NOT_RECORDED,
                Rule.ASSISTANCE_NOT_LISTED,
                Rule.ASSISTANCE_NO_SUBSIDY,
            ),
            departments=_held_by(Department.CIVIL_AFFAIRS),
        ),
        Purpose(
            "findings.pension",
            Operation.READ_FINDINGS,
            _("Findings about pension insurance enrolment"),
            rules=(Rule.SEVERE_NO_PENSION,),
            identifies_persons=True,
            departments=_held_by(Department.HUMAN_RESOURCES),
        ),
        Purpose(
            "findings.school",
            Operation.READ_FINDINGS,
            _("Findings about school enrolment"),
            rules=(Rule.CHILD_NOT_ENROLLED,),
            identifies_persons=True,
            departments=_held_by(Department.EDUCATION),
        ),
        Purpose(
            "certificate.bus_ride",
            Operation.CHECK_CERTIFICATE,
            _("Certificate check for free bus rides (valid or not)"),
            departments=ANY_DEPARTMENT,
        ),
        Purpose(
            "certificate.hospital_fee",
            Operation.CHECK_CERTIFICATE,
            _("Certificate check for a hospital fee waiver (valid, category and grade)"),
            shows_category_grade=True,
            departments=_held_by(Department.HEALTH, Department.MEDICAL_INSURANCE, OUTSIDE_BODY),
        ),
    ]
    return found


PURPOSES: dict[str, Purpose] = {purpose.key: purpose for purpose in _purposes()}
PURPOSE_CHOICES = [(purpose.key, purpose.label) for purpose in PURPOSES.values()]
