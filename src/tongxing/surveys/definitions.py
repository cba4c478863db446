"""The annual questionnaire as data: reading, checking and loading the region pack's
``surveys/<year>.yaml`` files, and the :class:`Questionnaire` the pages and actions use.

A file (see ``regions/sichuan-bazhong/surveys/2025.yaml``)::

    year: 2025
    title: 2025年度残疾人基本服务状况和需求调查
    reference: what the questionnaire is based on
    verified: false
    groups:
      - key: rehabilitation            # one screen per group, in file order
        title: 康复需求
        questions:
          - key: rehabilitation_need   # unique in the file
            text: 是否需要康复服务
            type: yes_no               # choice, multi_choice, number, yes_no, text
            required: true
            need: rehabilitation       # yes_no: the answer "yes" states this need
          - key: device_need
            type: multi_choice
            options:
              - {value: wheelchair, label: 轮椅, need: assistive_device}

``registry_check: age`` (on a number) or ``registry_check: category`` (on a choice whose
values are the category digits 1–7) compares the answer with the registry.

:func:`load_surveys` checks every file first and writes nothing unless all are valid; a
year whose questionnaire already has surveys cannot be changed (the answers would no
longer match their questions), and re-loading unchanged files writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext

from tongxing.areas.loading import region_dir
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.core.yamlfiles import LineTrackingLoader, Problem
from tongxing.registry.models import Category
from tongxing.surveys.models import NeedKind, SurveyDefinition
from tongxing.surveys.need_services import MAPPING_FILE, read_need_services

SURVEYS_DIR = "surveys"
AUDIT_SOURCE = "load_surveys"
KEY = re.compile(r"[a-z][a-z0-9_]*")
OPTION_VALUE = re.compile(r"[a-z0-9][a-z0-9_]*")
TOP_KEYS = {"year", "title", "reference", "verified", "groups"}
GROUP_KEYS = {"key", "title", "questions"}
QUESTION_KEYS = {"key", "text", "type", "required", "options", "need", "min", "max", "help"} | {
    "registry_check"
}
OPTION_KEYS = {"value", "label", "need"}


class QuestionType:
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    NUMBER = "number"
    YES_NO = "yes_no"
    TEXT = "text"
    ALL = (CHOICE, MULTI_CHOICE, NUMBER, YES_NO, TEXT)


REGISTRY_CHECKS = {"age": QuestionType.NUMBER, "category": QuestionType.CHOICE}
TEXT_MAX = 500


class SurveyFileError(Exception):
    """One or more survey files are invalid; nothing was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"{len(problems)} problem(s) in the survey files; nothing loaded:\n{lines}"
        )


# --- the questionnaire at run time --------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    need: str = ""


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    type: str
    required: bool = False
    options: tuple[Option, ...] = ()
    need: str = ""
    min: int | None = None
    max: int | None = None
    help: str = ""
    registry_check: str = ""

    def option_label(self, value: str) -> str:
        return next((o.label for o in self.options if o.value == value), value)

    def display(self, answer: Any) -> str:
        """An answer as staff read it: option labels, 是/否, or the number or text."""
        if answer is None or answer == []:
            return gettext("not answered")
        if isinstance(answer, bool):
            return gettext("Yes") if answer else gettext("No")
        if isinstance(answer, list):
            return "、".join(self.option_label(v) for v in answer)
        if self.options:
            return self.option_label(str(answer))
        return str(answer)

    def needs_for(self, answer: Any) -> set[str]:
        """The need kinds this answer states."""
        if self.type == QuestionType.YES_NO:
            return {self.need} if self.need and answer is True else set()
        chosen = answer if isinstance(answer, list) else [answer]
        return {o.need for o in self.options if o.need and o.value in chosen}


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Questionnaire:
    year: int
    title: str
    groups: tuple[Group, ...] = field(default=())

    @classmethod
    def from_definition(cls, definition: SurveyDefinition) -> Questionnaire:
        return cls(
            year=definition.year,
            title=definition.title,
            groups=tuple(
                Group(
                    key=g["key"],
                    title=g["title"],
                    questions=tuple(
                        Question(**{**q, "options": tuple(Option(**o) for o in q["options"])})
                        for q in g["questions"]
                    ),
                )
                for g in definition.groups
            ),
        )

    def group(self, key: str) -> Group | None:
        return next((g for g in self.groups if g.key == key), None)

    def questions(self) -> list[Question]:
        return [q for g in self.groups for q in g.questions]

    def next_group(self, saved: list[str]) -> Group | None:
        """The first screen not yet saved: where a survey resumes."""
        return next((g for g in self.groups if g.key not in saved), None)


# --- checking a file ------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value if isinstance(value, int) else None


class _Checker:
    def __init__(self, file: str, loader: LineTrackingLoader) -> None:
        self.file = file
        self.loader = loader
        self.problems: list[Problem] = []

    def problem(self, key: str, reason: str, mapping: Any = None, name: Any = None) -> None:
        line = None
        if mapping is not None:
            lines = self.loader.lines.get(id(mapping), {})
            line = lines.get(name) if name is not None else min(lines.values(), default=None)
        self.problems.append(Problem(self.file, key, reason, line))

    def unknown(self, where: str, mapping: dict, allowed: set[str]) -> None:
        for extra in sorted(set(mapping) - allowed, key=str):
            self.problem(f"{where}{extra}", "unknown key", mapping, extra)

    def duplicates(self, where: str, mapping: dict) -> None:
        for dup, line, first in self.loader.duplicates.get(id(mapping), []):
            self.problems.append(
                Problem(self.file, f"{where}{dup}", f"duplicate key (first at line {first})", line)
            )

    def option(self, where: str, raw: Any, seen: set[str]) -> dict[str, str] | None:
        if not isinstance(raw, dict):
            self.problem(where, "an option needs value and label")
            return None
        self.duplicates(f"{where}.", raw)
        self.unknown(f"{where}.", raw, OPTION_KEYS)
        value = str(raw.get("value", "")).strip()
        label = _text(raw.get("label"))
        need = raw.get("need", "")
        ok = True
        if not OPTION_VALUE.fullmatch(value):
            self.problem(f"{where}.value", "lower-case letters, digits and _ only", raw, "value")
            ok = False
        elif value in seen:
            self.problem(f"{where}.value", f"option {value!r} appears twice", raw, "value")
            ok = False
        seen.add(value)
        if label is None:
            self.problem(f"{where}.label", "missing", raw)
            ok = False
        if need and need not in NeedKind.values:
            self.problem(f"{where}.need", _unknown_need(need), raw, "need")
            ok = False
        return {"value": value, "label": label, "need": need} if ok else None

    def question(self, where: str, raw: Any, keys: set[str]) -> dict[str, Any] | None:
        if not isinstance(raw, dict):
            self.problem(where, "a question needs key, text and type")
            return None
        self.duplicates(f"{where}.", raw)
        self.unknown(f"{where}.", raw, QUESTION_KEYS)
        before = len(self.problems)
        key = raw.get("key")
        if not isinstance(key, str) or not KEY.fullmatch(key):
            self.problem(f"{where}.key", "lower-case letters, digits and _ only", raw, "key")
        elif key in keys:
            self.problem(f"{where}.key", f"question {key!r} appears twice in the file", raw, "key")
        else:
            keys.add(key)
            where = f"{where} ({key})"
        text = _text(raw.get("text"))
        if text is None:
            self.problem(f"{where}.text", "missing", raw)
        kind = raw.get("type")
        if kind not in QuestionType.ALL:
            self.problem(
                f"{where}.type",
                f"unknown type {kind!r} (one of: {', '.join(QuestionType.ALL)})",
                raw,
                "type",
            )
        required = raw.get("required", False)
        if not isinstance(required, bool):
            self.problem(f"{where}.required", "say true or false", raw, "required")
        options: list[dict[str, str]] = []
        if kind in (QuestionType.CHOICE, QuestionType.MULTI_CHOICE):
            raw_options = raw.get("options")
            if not isinstance(raw_options, list) or len(raw_options) < 2:
                self.problem(f"{where}.options", "give at least two options", raw, "options")
            else:
                seen: set[str] = set()
                for n, option in enumerate(raw_options, start=1):
                    checked = self.option(f"{where}.options[{n}]", option, seen)
                    if checked:
                        options.append(checked)
        elif "options" in raw:
            self.problem(f"{where}.options", f"a {kind} question has no options", raw, "options")
        need = raw.get("need", "")
        if need and kind in QuestionType.ALL:
            if kind != QuestionType.YES_NO:
                self.problem(
                    f"{where}.need", "only a yes_no question states a need itself", raw, "need"
                )
            elif need not in NeedKind.values:
                self.problem(f"{where}.need", _unknown_need(need), raw, "need")
        bounds: dict[str, int | None] = {"min": None, "max": None}
        for name in ("min", "max"):
            if name not in raw:
                continue
            bounds[name] = _whole(raw[name])
            if kind != QuestionType.NUMBER:
                self.problem(f"{where}.{name}", "only a number question has bounds", raw, name)
            elif bounds[name] is None:
                self.problem(f"{where}.{name}", "must be a whole number", raw, name)
        if None not in bounds.values() and bounds["min"] > bounds["max"]:
            self.problem(f"{where}.min", "is larger than max", raw, "min")
        check = raw.get("registry_check", "")
        if check:
            if check not in REGISTRY_CHECKS:
                self.problem(
                    f"{where}.registry_check",
                    f"unknown check {check!r} (one of: {', '.join(REGISTRY_CHECKS)})",
                    raw,
                    "registry_check",
                )
            elif REGISTRY_CHECKS[check] != kind:
                self.problem(
                    f"{where}.registry_check",
                    f"the {check} check needs a {REGISTRY_CHECKS[check]} question",
                    raw,
                    "registry_check",
                )
            elif check == "category" and {o["value"] for o in options} != {
                str(c) for c in Category.values
            }:
                self.problem(
                    f"{where}.options",
                    "the category check needs exactly the options 1–7 (the certificate's digit)",
                    raw,
                    "options",
                )
        help_text = raw.get("help", "")
        if not isinstance(help_text, str):
            self.problem(f"{where}.help", "must be text", raw, "help")
        if len(self.problems) > before:
            return None
        return {
            "key": key,
            "text": text,
            "type": kind,
            "required": required,
            "options": options,
            "need": need,
            "min": bounds["min"],
            "max": bounds["max"],
            "help": " ".join(help_text.split()),
            "registry_check": check,
        }


def _unknown_need(need: Any) -> str:
    return f"unknown need {need!r} (one of: {', '.join(NeedKind.values)})"


@dataclass(frozen=True)
class DefinitionSpec:
    year: int
    title: str
    reference: str
    verified: bool
    groups: list[dict[str, Any]]
    file_path: str


def _check_file(path: Path, pack: Path) -> tuple[DefinitionSpec | None, list[Problem]]:
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
    if not isinstance(data, dict):
        return None, [Problem(file, path.stem, "must be a mapping with year, title and groups")]
    check = _Checker(file, loader)
    check.duplicates("", data)
    check.unknown("", data, TOP_KEYS)
    year = _whole(data.get("year"))
    if year is None:
        check.problem("year", "missing or not a whole number", data, "year")
    elif str(year) != path.stem:
        check.problem("year", f"{year} does not match the file name {path.name}", data, "year")
    title = _text(data.get("title"))
    if title is None:
        check.problem("title", "missing", data)
    reference = _text(data.get("reference"))
    if reference is None:
        check.problem("reference", "missing: say what the questionnaire is based on", data)
    verified = data.get("verified")
    if not isinstance(verified, bool):
        check.problem("verified", "missing: say true or false", data)
    raw_groups = data.get("groups")
    groups: list[dict[str, Any]] = []
    if not isinstance(raw_groups, list) or not raw_groups:
        check.problem("groups", "give at least one question group", data, "groups")
        raw_groups = []
    group_keys: set[str] = set()
    question_keys: set[str] = set()
    for n, raw in enumerate(raw_groups, start=1):
        where = f"groups[{n}]"
        if not isinstance(raw, dict):
            check.problem(where, "a group needs key, title and questions")
            continue
        check.duplicates(f"{where}.", raw)
        check.unknown(f"{where}.", raw, GROUP_KEYS)
        key = raw.get("key")
        if not isinstance(key, str) or not KEY.fullmatch(key):
            check.problem(f"{where}.key", "lower-case letters, digits and _ only", raw, "key")
        elif key in group_keys:
            check.problem(f"{where}.key", f"group {key!r} appears twice", raw, "key")
        else:
            group_keys.add(key)
            where = f"{where} ({key})"
        group_title = _text(raw.get("title"))
        if group_title is None:
            check.problem(f"{where}.title", "missing", raw)
        questions = raw.get("questions")
        if not isinstance(questions, list) or not questions:
            check.problem(f"{where}.questions", "give at least one question", raw, "questions")
            questions = []
        checked = [
            check.question(f"{where}.questions[{m}]", q, question_keys)
            for m, q in enumerate(questions, start=1)
        ]
        groups.append({"key": key, "title": group_title, "questions": checked})
    if check.problems:
        return None, check.problems
    spec = DefinitionSpec(
        year=year,
        title=title,
        reference=reference,
        verified=verified,
        groups=groups,
        file_path=file,
    )
    return spec, []


def read_survey_files(pack: Path) -> list[DefinitionSpec]:
    """Every questionnaire of a region pack, checked; raises :class:`SurveyFileError`
    listing all problems of all files."""
    root = pack / SURVEYS_DIR
    if not root.is_dir():
        raise SurveyFileError([Problem(str(root), "surveys", "folder not found")])
    specs: list[DefinitionSpec] = []
    problems: list[Problem] = []
    for path in sorted(root.glob("*.yml")):
        problems.append(Problem(str(path.relative_to(pack.parent)), path.stem, "rename to .yaml"))
    for path in sorted(root.glob("*.yaml")):
        if path.name == MAPPING_FILE:  # need kind → service type, checked on its own
            continue
        if not re.fullmatch(r"\d{4}", path.stem):
            problems.append(
                Problem(str(path.relative_to(pack.parent)), path.stem, "name it <year>.yaml")
            )
            continue
        spec, found = _check_file(path, pack)
        problems.extend(found)
        if spec:
            specs.append(spec)
    if problems:
        raise SurveyFileError(problems)
    return specs


# --- loading --------------------------------------------------------------------------------

FIELDS = ("title", "reference", "verified", "groups", "file_path")


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    removed: int = 0

    @property
    def changed(self) -> bool:
        return any(vars(self).values())


def _event(action: AuditAction, definition: SurveyDefinition, summary: str, changes: dict) -> Any:
    return audit.build_event(
        None,
        action,
        object_type="surveys.surveydefinition",
        object_id=definition.pk,
        summary=f"{definition.year} {summary}",
        changes=changes,
        source=AUDIT_SOURCE,
    )


@transaction.atomic
def load_surveys(slug: str) -> LoadReport:
    """Make the questionnaires in the database match the region pack's files."""
    specs = read_survey_files(region_dir(slug))
    read_need_services(slug, specs)  # refuse the load if the need → service map is broken
    existing = {d.year: d for d in SurveyDefinition.objects.all()}
    in_use = set(
        SurveyDefinition.objects.filter(surveys__isnull=False)
        .values_list("year", flat=True)
        .distinct()
    )
    problems = []
    for spec in specs:
        current = existing.get(spec.year)
        if current is not None and spec.year in in_use and _values(current) != _wanted(spec):
            problems.append(
                Problem(
                    spec.file_path,
                    "groups",
                    f"surveys for {spec.year} have been filled in with this questionnaire; "
                    "it cannot change now (put changes in next year's file)",
                )
            )
    wanted_years = {spec.year for spec in specs}
    for year in sorted(set(existing) - wanted_years):
        if year in in_use:
            problems.append(
                Problem(
                    f"{SURVEYS_DIR}/{year}.yaml",
                    "year",
                    f"the file was removed but surveys for {year} exist; put it back",
                )
            )
    if problems:
        raise SurveyFileError(problems)

    report = LoadReport()
    events = []
    for spec in specs:
        wanted = _wanted(spec)
        current = existing.get(spec.year)
        if current is None:
            current = SurveyDefinition.objects.create(year=spec.year, **wanted)
            report.created += 1
            events.append(_event(AuditAction.CREATE, current, "loaded", _summary({}, wanted)))
        elif _values(current) != wanted:
            changes = _summary(_values(current), wanted)
            for name, value in wanted.items():
                setattr(current, name, value)
            current.save()
            report.updated += 1
            events.append(_event(AuditAction.UPDATE, current, "changed", changes))
    for year in sorted(set(existing) - wanted_years):
        definition = existing[year]
        events.append(_event(AuditAction.DELETE, definition, "file removed", {}))
        definition.delete()
        report.removed += 1
    audit.record_many(events)
    return report


def _wanted(spec: DefinitionSpec) -> dict[str, Any]:
    return {name: getattr(spec, name) for name in FIELDS}


def _values(definition: SurveyDefinition) -> dict[str, Any]:
    return {name: getattr(definition, name) for name in FIELDS}


def _summary(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    # The question groups are long; the audit row says that they changed, and how many.
    def short(values: dict[str, Any]) -> dict[str, Any]:
        return {k: (f"{len(v)} groups" if k == "groups" else v) for k, v in values.items()}

    changes = audit.diff(short(before), short(after))
    if before.get("groups") != after.get("groups") and "groups" not in changes:
        changes["groups"] = ["changed", "changed"]
    return changes


def current_definition() -> SurveyDefinition | None:
    """The latest loaded questionnaire: the one new surveys use."""
    return SurveyDefinition.objects.order_by("-year").first()
