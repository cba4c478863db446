"""The emergency roster (应急名册): who in an area needs which help in a disaster.

What a person needs is derived from registry facts (certificate category and grade) and
from their latest completed needs survey (mobility, powered devices, living alone):

- evacuation help: physical disability grade 1, or the survey says wheelchair or bedridden;
- guided evacuation: vision disability grade 1–2 (blind, GB/T 26341: 盲);
- visual or text alerts: hearing disability grade 1–2 (deaf, cannot hear a siren);
- accompanied: intellectual or mental disability of any grade;
- power-dependent device: the survey says the person uses one (oxygen, ventilator…).

A multiple (多重) disability counts each kind it combines, at the certificate's grade.
The roster shows full phone numbers and addresses (masked ones are useless in an
emergency), so every use states its purpose and is written to the audit log.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.areas.models import Area, AreaLevel
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.core.scoping import prefix_q
from tongxing.registry.models import Category, CertificateStatus, Person, PersonStatus
from tongxing.registry.queries import persons_for
from tongxing.surveys.models import Survey, SurveyStatus

ROSTER_LEVELS = (AreaLevel.TOWNSHIP, AreaLevel.VILLAGE)


class EmergencyNeed(models.TextChoices):
    EVACUATION = "evacuation", _("Needs help to evacuate")
    GUIDED = "guided", _("Needs to be guided (blind)")
    VISUAL_ALERTS = "visual_alerts", _("Needs visual or text alerts (deaf)")
    ACCOMPANIED = "accompanied", _("Needs to be accompanied")
    POWER = "power", _("Depends on a powered device")


@dataclass
class RosterEntry:
    person: Person
    needs: list[EmergencyNeed]
    sources: dict[str, str] = field(default_factory=dict)  # need → "certificate" / "survey …"
    lives_alone: bool | None = None
    survey_year: int | None = None


def emergency_needs(
    category: int, grade: int, multiple_kinds: list[int], answers: dict
) -> dict[EmergencyNeed, str]:
    """``{need: basis}`` for one person; ``answers`` are their latest survey's (or {})."""
    kinds = set(multiple_kinds) if category == Category.MULTIPLE else {category}
    found: dict[EmergencyNeed, str] = {}
    if Category.PHYSICAL in kinds and grade == 1:
        found[EmergencyNeed.EVACUATION] = "certificate"
    if answers.get("mobility") in ("wheelchair", "bedridden"):
        found.setdefault(EmergencyNeed.EVACUATION, "survey")
    if Category.VISION in kinds and grade <= 2:
        found[EmergencyNeed.GUIDED] = "certificate"
    if Category.HEARING in kinds and grade <= 2:
        found[EmergencyNeed.VISUAL_ALERTS] = "certificate"
    if kinds & {Category.INTELLECTUAL, Category.MENTAL}:
        found[EmergencyNeed.ACCOMPANIED] = "certificate"
    if answers.get("power_dependent_device") is True:
        found[EmergencyNeed.POWER] = "survey"
    return dict(sorted(found.items(), key=lambda item: list(EmergencyNeed).index(item[0])))


def build_roster(user: User, area: Area) -> tuple[list[RosterEntry], int]:
    """The entries (persons with at least one emergency need) and how many persons of the
    area have none. Reads one area's persons and their surveys in two queries."""
    in_area = persons_for(user, Capability.EMERGENCY_ROSTER).filter(
        prefix_q("area_id", area.code), status=PersonStatus.ACTIVE
    )
    persons = list(
        in_area.exclude(certificate__status=CertificateStatus.CANCELLED)
        .filter(certificate__isnull=False)
        .select_related("certificate", "area")
        .order_by("area_id", "name", "id")
    )
    latest: dict[int, Survey] = {}
    for survey in (
        Survey.objects.filter(person__in=in_area.values("pk"), status=SurveyStatus.COMPLETED)
        .only("person_id", "year", "answers_data")
        .order_by("person_id", "year")
    ):
        latest[survey.person_id] = survey
    entries = []
    for person in persons:
        certificate = person.certificate
        survey = latest.get(person.pk)
        answers = survey.answers if survey else {}
        needs = emergency_needs(
            certificate.category, certificate.grade, certificate.multiple_kinds, answers
        )
        if not needs:
            continue
        entries.append(
            RosterEntry(
                person=person,
                needs=list(needs),
                sources={need.value: basis for need, basis in needs.items()},
                lives_alone=answers.get("lives_alone"),
                survey_year=survey.year if survey else None,
            )
        )
    return entries, len(persons) - len(entries)


def log_roster_use(user: User, area: Area, purpose: str, output: str, count: int) -> None:
    audit.record(
        user,
        AuditAction.EXPORT,
        object_type="surveys.emergency_roster",
        object_id=area.code,
        area_code=area.code,
        summary=f"emergency roster ({output}): {count} persons",
        purpose=purpose,
    )


CSV_HEADER = (
    _("Village or community"),
    _("Name"),
    _("Age"),
    _("Disability"),
    _("Needs in an emergency"),
    _("Lives alone"),
    _("Address"),
    _("Phone"),
    _("Guardian"),
    _("Guardian's phone"),
)


def _cell(value: object) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def roster_csv(entries: list[RosterEntry], day: dt.date) -> str:
    """The roster as CSV (UTF-8 with BOM, so spreadsheet programs in China read it)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([str(h) for h in CSV_HEADER])
    for entry in entries:
        person = entry.person
        certificate = person.certificate
        row = [
            person.area.name,
            person.name,
            person.age_on(day),
            f"{certificate.get_category_display()} {certificate.get_grade_display()}",
            "；".join(str(need.label) for need in entry.needs),
            ""
            if entry.lives_alone is None
            else (gettext("yes") if entry.lives_alone else gettext("no")),
            person.address,
            person.phone,
            " ".join(filter(None, [person.guardian_name, person.guardian_relation])),
            person.guardian_phone,
        ]
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()
