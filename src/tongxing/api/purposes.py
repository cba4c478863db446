"""What a department API token is for: one purpose per token, declared here.

A purpose names the one operation the token may call and what that operation may show:
which lists it may submit, which findings it may read, and whether a certificate check
answers with the category and grade or only "valid or not". A partner is given the
narrowest purpose that does its job (PIPL art. 6: the minimum necessary).

The certificate-check purposes are examples of what a city grants: a bus company needs
only to know that a rider holds a valid certificate; a hospital's fee waiver may depend
on the category and grade (an assumption about local practice, not a sourced rule), so
that purpose shows them. Neither ever returns names or full numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tongxing.accounts.roles import Capability
from tongxing.reconcile.kinds import KINDS
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

    @property
    def capability(self) -> Capability:
        return CAPABILITY[self.operation]


def _purposes() -> list[Purpose]:
    found = [
        Purpose(f"list.{kind.key}", Operation.SUBMIT_LIST, kind.label, kinds=(kind.key,))
        for kind in KINDS.values()
    ]
    found += [
        Purpose(
            "findings.deaths",
            Operation.READ_FINDINGS,
            _("Findings about deaths (deceased still paid or alive in the registry)"),
            rules=(Rule.DECEASED_PAID, Rule.DECEASED_ALIVE),
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
        ),
        Purpose(
            "findings.pension",
            Operation.READ_FINDINGS,
            _("Findings about pension insurance enrolment"),
            rules=(Rule.SEVERE_NO_PENSION,),
        ),
        Purpose(
            "findings.school",
            Operation.READ_FINDINGS,
            _("Findings about school enrolment"),
            rules=(Rule.CHILD_NOT_ENROLLED,),
        ),
        Purpose(
            "certificate.bus_ride",
            Operation.CHECK_CERTIFICATE,
            _("Certificate check for free bus rides (valid or not)"),
        ),
        Purpose(
            "certificate.hospital_fee",
            Operation.CHECK_CERTIFICATE,
            _("Certificate check for a hospital fee waiver (valid, category and grade)"),
            shows_category_grade=True,
        ),
    ]
    return found


PURPOSES: dict[str, Purpose] = {purpose.key: purpose for purpose in _purposes()}
PURPOSE_CHOICES = [(purpose.key, purpose.label) for purpose in PURPOSES.values()]
