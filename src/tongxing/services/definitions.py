"""Service types as data: reading, checking and loading the region pack's
``services/<code>.yaml`` files, and the :class:`ServiceDefinition` the actions use.

A file (see ``regions/sichuan-bazhong/services/``)::

    code: home_renovation            # unique; the file is named <code>.yaml
    name: 家庭无障碍改造
    name_en: Home accessibility renovation
    description: plain words for the applicant
    reference: the document the workflow follows
    verified: false
    eligibility:                     # the pre-check, against the registry on the day
      certificate_valid: true        # a valid certificate (not frozen or cancelled)
      categories: [1, 4, 7]          # disability categories 1-7; omitted = any
      grades: [1, 2]                 # grades 1-4; omitted = any
      age_min: 16                    # whole years on the day, or age_min_parameter: key
      age_max_parameter: care.age_max
      low_income_priority: true      # 低保/特困/低保边缘 households are marked priority
      low_income_required: false     # only such households may apply
    fields:                          # the application form
      - {key: need, label: 改造需求, type: long_text, required: true}
      - key: level                   # types: text, long_text, number, money, choice,
        label: 学段                   #        yes_no, date
        type: choice
        options: [{value: primary, label: 小学}]
    documents:                       # kept on the person, reused by later applications
      - {code: id_card, label: 身份证或户口簿, required: true}
    steps:                           # in order; each is one action
      - code: survey
        label: 入户勘查
        role: village_worker         # acts in the person's village (a role's own level)
        days: 5                      # deadline in working days from the step's start
        fields: [...]                # what the step records (same shape as above)
      - code: decision
        role: county_officer
        days: 10
        decision: true               # approve (with amount/items) or refuse (with reason)
        amount: {field: budget, cap_parameter: renovation/cap}
        # or amount: {parameter: education_aid.amount_{level}}  ({..} = an answer)
      - code: placement
        role: county_officer
        facility_kind: care_institution   # the actor picks a facility of this kind
        check_capacity: true              # refused when its places are taken
      - code: service
        role: provider               # the staff of the facility picked earlier
        registry_action: {answer: request, renewal: renew}   # calls registry.actions

:func:`load_services` checks every file first and writes nothing unless all are valid,
naming file, key, line and reason; re-loading unchanged files writes nothing.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from tongxing.accounts.roles import ROLE_AREA_LEVEL, Role
from tongxing.areas.loading import region_dir
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.core.yamlfiles import LineTrackingLoader, Problem
from tongxing.services.models import FacilityKind, ServiceType

SERVICES_DIR = "services"
AUDIT_SOURCE = "load_services"
CODE = re.compile(r"[a-z][a-z0-9_]*")
TOP_KEYS = {"code", "name", "name_en", "description", "reference", "verified", "active"} | {
    "eligibility",
    "fields",
    "documents",
    "steps",
}
ELIGIBILITY_KEYS = {
    "certificate_valid",
    "categories",
    "grades",
    "age_min",
    "age_max",
    "age_min_parameter",
    "age_max_parameter",
    "low_income_priority",
    "low_income_required",
    "note",
}
FIELD_KEYS = {"key", "label", "type", "required", "options", "min", "max", "help"}
DOCUMENT_KEYS = {"code", "label", "required", "help"}
STEP_KEYS = {"code", "label", "role", "days", "decision", "fields", "facility_kind"} | {
    "check_capacity",
    "amount",
    "registry_action",
    "documents",
    "help",
}
FIELD_TYPES = ("text", "long_text", "number", "money", "choice", "yes_no", "date")
STEP_ROLES = (
    Role.VILLAGE_WORKER,
    Role.TOWNSHIP_OFFICER,
    Role.COUNTY_OFFICER,
    Role.CITY_OFFICER,
    Role.PROVIDER,
)
REGISTRY_ACTIONS = ("renew", "reissue", "reassess")
TEXT_MAX = 2000


class ServiceFileError(Exception):
    """One or more service files are invalid; nothing was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"{len(problems)} problem(s) in the service files; nothing loaded:\n{lines}"
        )


# --- the definition at run time -----------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    type: str
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()
    min: Decimal | None = None
    max: Decimal | None = None
    help: str = ""

    def option_label(self, value: Any) -> str:
        return next((label for v, label in self.options if v == value), str(value))


@dataclass(frozen=True)
class DocumentSpec:
    code: str
    label: str
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class Eligibility:
    certificate_valid: bool = True
    categories: tuple[int, ...] = ()
    grades: tuple[int, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    age_min_parameter: str = ""
    age_max_parameter: str = ""
    low_income_priority: bool = False
    low_income_required: bool = False
    note: str = ""


@dataclass(frozen=True)
class StepSpec:
    code: str
    label: str
    role: str
    days: int = 10
    decision: bool = False
    fields: tuple[FieldSpec, ...] = ()
    documents: tuple[DocumentSpec, ...] = ()
    facility_kind: str = ""
    check_capacity: bool = False
    amount: dict[str, str] | None = None
    registry_action: dict[str, str] | None = None
    help: str = ""

    @property
    def area_level(self) -> str | None:
        """The area level the acting role works at; ``None`` for a provider step."""
        return ROLE_AREA_LEVEL.get(self.role)


@dataclass(frozen=True)
class ServiceDefinition:
    code: str
    name: str
    name_en: str = ""
    description: str = ""
    reference: str = ""
    verified: bool = False
    eligibility: Eligibility = Eligibility()
    fields: tuple[FieldSpec, ...] = ()
    documents: tuple[DocumentSpec, ...] = ()
    steps: tuple[StepSpec, ...] = ()

    @classmethod
    def from_type(cls, service_type: ServiceType) -> ServiceDefinition:
        return definition_from_data(service_type.definition)

    def step(self, code: str) -> StepSpec | None:
        return next((s for s in self.steps if s.code == code), None)

    def next_step(self, code: str) -> StepSpec | None:
        codes = [s.code for s in self.steps]
        index = codes.index(code) + 1
        return self.steps[index] if index < len(self.steps) else None

    def field(self, key: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)


def _fields(raw: list[dict[str, Any]] | None) -> tuple[FieldSpec, ...]:
    return tuple(
        FieldSpec(
            key=f["key"],
            label=f["label"],
            type=f["type"],
            required=bool(f.get("required", False)),
            options=tuple((str(o["value"]), str(o["label"])) for o in f.get("options", [])),
            min=Decimal(str(f["min"])) if f.get("min") is not None else None,
            max=Decimal(str(f["max"])) if f.get("max") is not None else None,
            help=f.get("help", ""),
        )
        for f in raw or []
    )


def _documents(raw: list[dict[str, Any]] | None) -> tuple[DocumentSpec, ...]:
    return tuple(
        DocumentSpec(d["code"], d["label"], bool(d.get("required", True)), d.get("help", ""))
        for d in raw or []
    )


def definition_from_data(data: dict[str, Any]) -> ServiceDefinition:
    """The run-time definition from a checked file's data (as stored on the type)."""
    rules = data.get("eligibility") or {}
    return ServiceDefinition(
        code=data["code"],
        name=data["name"],
        name_en=data.get("name_en", ""),
        description=data.get("description", ""),
        reference=data.get("reference", ""),
        verified=bool(data.get("verified", False)),
        eligibility=Eligibility(
            certificate_valid=bool(rules.get("certificate_valid", True)),
            categories=tuple(rules.get("categories", ())),
            grades=tuple(rules.get("grades", ())),
            age_min=rules.get("age_min"),
            age_max=rules.get("age_max"),
            age_min_parameter=rules.get("age_min_parameter", ""),
            age_max_parameter=rules.get("age_max_parameter", ""),
            low_income_priority=bool(rules.get("low_income_priority", False)),
            low_income_required=bool(rules.get("low_income_required", False)),
            note=rules.get("note", ""),
        ),
        fields=_fields(data.get("fields")),
        documents=_documents(data.get("documents")),
        steps=tuple(
            StepSpec(
                code=s["code"],
                label=s["label"],
                role=s["role"],
                days=int(s.get("days", 10)),
                decision=bool(s.get("decision", False)),
                fields=_fields(s.get("fields")),
                documents=_documents(s.get("documents")),
                facility_kind=s.get("facility_kind", ""),
                check_capacity=bool(s.get("check_capacity", False)),
                amount=s.get("amount"),
                registry_action=s.get("registry_action"),
                help=s.get("help", ""),
            )
            for s in data.get("steps", [])
        ),
    )


# --- checking the files ---------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """The YAML data as JSON can store it (decimals as text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    return value


class _Checker:
    def __init__(self, file: str, loader: LineTrackingLoader) -> None:
        self.file = file
        self.loader = loader
        self.problems: list[Problem] = []

    def problem(self, key: str, reason: str, mapping: Any = None, name: Any = None) -> None:
        line = None
        if isinstance(mapping, dict):
            lines = self.loader.lines.get(id(mapping), {})
            line = lines.get(name) if name is not None else min(lines.values(), default=None)
        self.problems.append(Problem(self.file, key, reason, line))

    def mapping(self, where: str, raw: Any, allowed: set[str], required: tuple[str, ...]) -> bool:
        if not isinstance(raw, dict):
            self.problem(where, "must be a mapping")
            return False
        for dup, line, first in self.loader.duplicates.get(id(raw), []):
            self.problems.append(
                Problem(self.file, f"{where}.{dup}", f"duplicate key (first at line {first})", line)
            )
        for extra in sorted(set(raw) - allowed, key=str):
            self.problem(f"{where}.{extra}", "unknown key", raw, extra)
        ok = True
        for name in required:
            if raw.get(name) in (None, ""):
                self.problem(f"{where}.{name}", "missing", raw)
                ok = False
        return ok

    def code(self, where: str, raw: dict, name: str, seen: set[str]) -> None:
        value = raw.get(name)
        if not isinstance(value, str) or not CODE.fullmatch(value):
            self.problem(f"{where}.{name}", "must be lower-case letters, digits and _", raw, name)
        elif value in seen:
            self.problem(f"{where}.{name}", f"{value!r} is used twice", raw, name)
        else:
            seen.add(value)

    def boolean(self, where: str, raw: dict, name: str) -> None:
        if name in raw and not isinstance(raw[name], bool):
            self.problem(f"{where}.{name}", "must be true or false", raw, name)

    def whole(self, where: str, raw: dict, name: str, low: int, high: int) -> None:
        value = raw.get(name)
        if name in raw and not (
            isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        ):
            self.problem(f"{where}.{name}", f"must be a whole number {low}-{high}", raw, name)

    def field_list(self, where: str, raw: Any) -> set[str]:
        keys: set[str] = set()
        if raw is None:
            return keys
        if not isinstance(raw, list):
            self.problem(where, "must be a list")
            return keys
        for i, item in enumerate(raw):
            at = f"{where}[{i}]"
            if not self.mapping(at, item, FIELD_KEYS, ("key", "label", "type")):
                continue
            self.code(at, item, "key", keys)
            self.boolean(at, item, "required")
            if item["type"] not in FIELD_TYPES:
                self.problem(f"{at}.type", f"must be one of {', '.join(FIELD_TYPES)}", item, "type")
            options = item.get("options")
            if item["type"] == "choice":
                if not isinstance(options, list) or not options:
                    self.problem(f"{at}.options", "a choice needs options", item, "type")
                else:
                    values: set[str] = set()
                    for j, option in enumerate(options):
                        if self.mapping(f"{at}.options[{j}]", option, {"value", "label"}, ()):
                            if "value" not in option or "label" not in option:
                                self.problem(f"{at}.options[{j}]", "needs value and label", option)
                            elif str(option["value"]) in values:
                                self.problem(
                                    f"{at}.options[{j}]", "value used twice", option, "value"
                                )
                            values.add(str(option.get("value")))
            elif options is not None:
                self.problem(f"{at}.options", "only a choice has options", item, "options")
            for bound in ("min", "max"):
                if bound in item and not isinstance(item[bound], int | Decimal):
                    self.problem(f"{at}.{bound}", "must be a number", item, bound)
        return keys

    def document_list(self, where: str, raw: Any) -> None:
        if raw is None:
            return
        if not isinstance(raw, list):
            self.problem(where, "must be a list")
            return
        codes: set[str] = set()
        for i, item in enumerate(raw):
            at = f"{where}[{i}]"
            if self.mapping(at, item, DOCUMENT_KEYS, ("code", "label")):
                self.code(at, item, "code", codes)
                self.boolean(at, item, "required")


def _check_steps(check: _Checker, data: dict, field_keys: set[str]) -> None:
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        check.problem("steps", "a service needs at least one step", data, "steps")
        return
    codes: set[str] = set()
    decisions = 0
    facility_chosen = False
    for i, step in enumerate(steps):
        at = f"steps[{i}]"
        if not check.mapping(at, step, STEP_KEYS, ("code", "label", "role")):
            continue
        check.code(at, step, "code", codes)
        if step["role"] not in STEP_ROLES:
            check.problem(f"{at}.role", f"must be one of {', '.join(STEP_ROLES)}", step, "role")
        if step["role"] == Role.PROVIDER and not facility_chosen:
            check.problem(
                f"{at}.role", "a provider step needs an earlier step that picks the facility", step
            )
        check.whole(at, step, "days", 0, 250)
        for flag in ("decision", "check_capacity"):
            check.boolean(at, step, flag)
        decisions += step.get("decision") is True
        check.field_list(f"{at}.fields", step.get("fields"))
        check.document_list(f"{at}.documents", step.get("documents"))
        kind = step.get("facility_kind")
        if kind is not None:
            if kind not in FacilityKind.values:
                check.problem(
                    f"{at}.facility_kind", f"must be one of {', '.join(FacilityKind.values)}", step
                )
            facility_chosen = True
        elif step.get("check_capacity"):
            check.problem(f"{at}.check_capacity", "only a step that picks a facility", step)
        amount = step.get("amount")
        if amount is not None:
            if not step.get("decision"):
                check.problem(f"{at}.amount", "only a decision step sets an amount", step)
            if (
                not isinstance(amount, dict)
                or not set(amount) <= {"parameter", "field", "cap_parameter"}
                or len({"parameter", "field"} & set(amount)) != 1
            ):
                check.problem(
                    f"{at}.amount",
                    "needs either parameter or field (and maybe cap_parameter)",
                    step,
                )
            elif "parameter" in amount:
                names = {n for _, n, _, _ in string.Formatter().parse(amount["parameter"]) if n}
                for name in sorted(names - field_keys):
                    check.problem(f"{at}.amount.parameter", f"{{{name}}} is not a field", step)
        action = step.get("registry_action")
        if action is not None:
            if not isinstance(action, dict) or action.get("answer") not in field_keys:
                check.problem(
                    f"{at}.registry_action", "needs answer: <a field> and value: action pairs", step
                )
            else:
                for value, name in action.items():
                    if value != "answer" and name not in REGISTRY_ACTIONS:
                        check.problem(
                            f"{at}.registry_action.{value}",
                            f"must be one of {', '.join(REGISTRY_ACTIONS)}",
                            step,
                        )
    if decisions != 1:
        check.problem("steps", "exactly one step must be the decision", data, "steps")


def _check_file(path: Path, pack: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    file = str(path.relative_to(pack.parent))
    try:
        loader = LineTrackingLoader(path.read_text(encoding="utf-8"))
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        return None, [
            Problem(file, path.stem, f"not valid YAML: {reason}", mark.line + 1 if mark else None)
        ]
    except UnicodeDecodeError:
        return None, [Problem(file, path.stem, "not UTF-8 text")]
    check = _Checker(file, loader)
    if not check.mapping("", data, TOP_KEYS, ("code", "name", "steps")):
        return None, check.problems
    if data["code"] != path.stem:
        check.problem("code", f"must match the file name ({path.stem})", data, "code")
    check.code("", data, "code", set())
    check.boolean("", data, "verified")
    check.boolean("", data, "active")
    field_keys = check.field_list("fields", data.get("fields"))
    check.document_list("documents", data.get("documents"))
    rules = data.get("eligibility")
    if rules is not None and check.mapping("eligibility", rules, ELIGIBILITY_KEYS, ()):
        for flag in ("certificate_valid", "low_income_priority", "low_income_required"):
            check.boolean("eligibility", rules, flag)
        check.whole("eligibility", rules, "age_min", 0, 120)
        check.whole("eligibility", rules, "age_max", 0, 120)
        for name, low, high in (("categories", 1, 7), ("grades", 1, 4)):
            values = rules.get(name)
            if values is not None and not (
                isinstance(values, list)
                and values
                and all(isinstance(v, int) and low <= v <= high for v in values)
            ):
                check.problem(
                    f"eligibility.{name}", f"must be a list of numbers {low}-{high}", rules, name
                )
    _check_steps(check, data, field_keys)
    return (_plain(data) if not check.problems else None), check.problems


def read_service_files(slug: str) -> list[dict[str, Any]]:
    """Every service file of the pack, checked; raises :class:`ServiceFileError`."""
    pack = region_dir(slug)
    problems: list[Problem] = []
    specs = []
    for path in sorted((pack / SERVICES_DIR).glob("*.yaml")):
        data, found = _check_file(path, pack)
        problems.extend(found)
        if data is not None:
            specs.append(data)
    if problems:
        raise ServiceFileError(problems)
    return specs


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def load_services(slug: str) -> LoadReport:
    """Create or update the pack's service types. A type no longer in the pack stays (its
    applications refer to it); it is not closed automatically."""
    report = LoadReport()
    for data in read_service_files(slug):
        values = {
            "name": data["name"],
            "name_en": data.get("name_en", ""),
            "description": data.get("description", ""),
            "definition": data,
            "reference": data.get("reference", ""),
            "verified": bool(data.get("verified", False)),
            "active": bool(data.get("active", True)),
        }
        existing = ServiceType.objects.filter(code=data["code"]).first()
        if existing is None:
            created = ServiceType.objects.create(code=data["code"], **values)
            report.created += 1
            audit.record(
                None,
                AuditAction.CREATE,
                object_type="services.servicetype",
                object_id=created.pk,
                summary=f"service type {data['code']} loaded",
                source=AUDIT_SOURCE,
            )
            continue
        changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
        if not changed:
            report.unchanged += 1
            continue
        for name, value in changed.items():
            setattr(existing, name, value)
        existing.save()
        report.updated += 1
        audit.record(
            None,
            AuditAction.UPDATE,
            object_type="services.servicetype",
            object_id=existing.pk,
            summary=f"service type {data['code']} reloaded ({', '.join(sorted(changed))})",
            source=AUDIT_SOURCE,
        )
    return report
