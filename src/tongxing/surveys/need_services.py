"""Which service type meets each need kind, and how its application form is pre-filled
from the survey answers: ``regions/<pack>/surveys/need_services.yaml`` (the format is
described at the top of that file).

The file is checked against the pack's questionnaires (question keys, option values) and
service types (codes, field keys, choice values) by :func:`read_need_services`, which
``load_surveys`` calls before it writes anything, so a broken mapping is refused at load
with the file, key, line and reason. At run time :func:`need_services` reads the
configured region's file once per change of the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from tongxing.areas.loading import region_dir
from tongxing.core.yamlfiles import LineTrackingLoader, Problem
from tongxing.surveys.models import NeedKind

MAPPING_FILE = "need_services.yaml"
ENTRY_KEYS = {"service", "prefill"}
PREFILL_KEYS = {"question", "values", "questions"}


@dataclass(frozen=True)
class Prefill:
    field: str
    question: str = ""  # the answer itself, or through ``values`` for a choice field
    values: tuple[tuple[str, str], ...] = ()
    questions: tuple[str, ...] = ()  # a text field made of "question: answer" lines


@dataclass(frozen=True)
class NeedService:
    kind: str
    service: str
    prefill: tuple[Prefill, ...] = ()


def _problem(file: str, loader: LineTrackingLoader, key: str, reason: str, mapping=None, name=None):
    line = None
    if mapping is not None:
        lines = loader.lines.get(id(mapping), {})
        line = lines.get(name) if name is not None else min(lines.values(), default=None)
    return Problem(file, key, reason, line)


def check_need_services(
    path: Path,
    file: str,
    questions: dict[str, set[str]],
    services: dict[str, dict[str, dict[str, Any]]],
) -> tuple[dict[str, NeedService], list[Problem]]:
    """The mapping in ``path`` and its problems. ``questions`` maps every question key of
    the pack's questionnaires to its option values; ``services`` maps each service code
    to its fields by key (as the services loader reads them)."""
    try:
        loader = LineTrackingLoader(path.read_text(encoding="utf-8"))
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        return {}, [
            Problem(file, "need_services", f"not valid YAML: {reason}", mark and mark.line + 1)
        ]
    except UnicodeDecodeError:
        return {}, [Problem(file, "need_services", "not UTF-8 text")]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [Problem(file, "need_services", "must map need kinds to services")]
    problems: list[Problem] = []

    def problem(key: str, reason: str, mapping: Any = None, name: Any = None) -> None:
        problems.append(_problem(file, loader, key, reason, mapping, name))

    def duplicates(where: str, mapping: dict) -> None:
        for dup, line, first in loader.duplicates.get(id(mapping), []):
            problems.append(
                Problem(file, f"{where}{dup}", f"duplicate key (first at line {first})", line)
            )

    duplicates("", data)
    result: dict[str, NeedService] = {}
    for kind, entry in data.items():
        before = len(problems)
        kind = str(kind)
        if kind not in NeedKind.values:
            problem(
                kind, f"unknown need {kind!r} (one of: {', '.join(NeedKind.values)})", data, kind
            )
            continue
        if not isinstance(entry, dict):
            problem(kind, "give the service (and optionally prefill)", data, kind)
            continue
        duplicates(f"{kind}.", entry)
        for extra in sorted(set(entry) - ENTRY_KEYS, key=str):
            problem(f"{kind}.{extra}", "unknown key", entry, extra)
        code = entry.get("service")
        fields = services.get(code) if isinstance(code, str) else None
        if fields is None:
            problem(
                f"{kind}.service",
                f"unknown service type {code!r} (one of: {', '.join(sorted(services))})",
                entry,
                "service" if "service" in entry else None,
            )
            continue
        raw_prefill = entry.get("prefill") or {}
        if not isinstance(raw_prefill, dict):
            problem(f"{kind}.prefill", "map form fields to survey questions", entry, "prefill")
            continue
        duplicates(f"{kind}.prefill.", raw_prefill)
        prefill = []
        for key, rule in raw_prefill.items():
            where = f"{kind}.prefill.{key}"
            spec = fields.get(str(key))
            if spec is None:
                problem(where, f"the service {code} has no field {key!r}", raw_prefill, key)
                continue
            if not isinstance(rule, dict) or not (set(rule) & {"question", "questions"}):
                problem(where, "give question (or questions)", raw_prefill, key)
                continue
            duplicates(f"{where}.", rule)
            for extra in sorted(set(rule) - PREFILL_KEYS, key=str):
                problem(f"{where}.{extra}", "unknown key", rule, extra)
            if "question" in rule and "questions" in rule:
                problem(where, "give question or questions, not both", rule, "questions")
                continue
            if "questions" in rule:
                keys = rule["questions"]
                if not isinstance(keys, list) or not keys:
                    problem(f"{where}.questions", "give a list of question keys", rule, "questions")
                    continue
                if spec["type"] not in ("text", "long_text"):
                    problem(
                        f"{where}.questions",
                        "only a text field takes several answers",
                        rule,
                        "questions",
                    )
                for q in keys:
                    if str(q) not in questions:
                        problem(
                            f"{where}.questions",
                            f"no questionnaire has a question {q!r}",
                            rule,
                            "questions",
                        )
                prefill.append(Prefill(str(key), questions=tuple(str(q) for q in keys)))
                continue
            question = str(rule["question"])
            if question not in questions:
                problem(
                    f"{where}.question",
                    f"no questionnaire has a question {question!r}",
                    rule,
                    "question",
                )
                continue
            values = rule.get("values") or {}
            if not isinstance(values, dict):
                problem(f"{where}.values", "map answers to the field's options", rule, "values")
                continue
            if spec["type"] == "choice" and not values:
                problem(
                    f"{where}.values",
                    "a choice field needs values: answer → option",
                    rule,
                    "question",
                )
            options = {str(o["value"]) for o in spec.get("options", [])}
            for answer, value in values.items():
                if str(answer) not in questions[question]:
                    problem(
                        f"{where}.values.{answer}",
                        f"{question} has no option {answer!r}",
                        values,
                        answer,
                    )
                if str(value) not in options:
                    problem(
                        f"{where}.values.{answer}",
                        f"the field {key} has no option {value!r}",
                        values,
                        answer,
                    )
            prefill.append(
                Prefill(str(key), question, tuple((str(a), str(v)) for a, v in values.items()))
            )
        if len(problems) == before:
            result[kind] = NeedService(kind, code, tuple(prefill))
    return result, problems


def read_need_services(
    slug: str, questionnaires: list[Any] | None = None
) -> dict[str, NeedService]:
    """The pack's mapping, checked; raises ``SurveyFileError`` with every problem.
    ``questionnaires`` are the checked survey specs (read from the pack if not given)."""
    from tongxing.services.definitions import read_service_files
    from tongxing.surveys.definitions import SURVEYS_DIR, SurveyFileError, read_survey_files

    pack = region_dir(slug)
    path = pack / SURVEYS_DIR / MAPPING_FILE
    if not path.is_file():
        return {}
    if questionnaires is None:
        questionnaires = read_survey_files(pack)
    questions: dict[str, set[str]] = {}
    for spec in questionnaires:
        for group in spec.groups:
            for q in group["questions"]:
                questions.setdefault(q["key"], set()).update(o["value"] for o in q["options"])
    services = {
        data["code"]: {f["key"]: f for f in data.get("fields", [])}
        for data in read_service_files(slug)
    }
    mapping, problems = check_need_services(
        path, str(path.relative_to(pack.parent)), questions, services
    )
    if problems:
        raise SurveyFileError(problems)
    return mapping


@lru_cache(maxsize=4)
def _cached(slug: str, path: str, mtime: float) -> dict[str, NeedService]:
    return read_need_services(slug)


def need_services() -> dict[str, NeedService]:
    """The configured region's mapping (need kind → service), re-read when the file changes."""
    slug = settings.TONGXING_REGION
    from tongxing.surveys.definitions import SURVEYS_DIR

    path = region_dir(slug) / SURVEYS_DIR / MAPPING_FILE
    mtime = path.stat().st_mtime if path.is_file() else 0.0
    return _cached(slug, str(path), mtime)


def prefill(mapping: NeedService, questionnaire: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """The service form's starting values (field key → value) from the survey answers."""
    by_key = {q.key: q for q in questionnaire.questions()}
    values: dict[str, Any] = {}
    for rule in mapping.prefill:
        if rule.questions:
            lines = [
                f"{by_key[k].text}：{by_key[k].display(answers.get(k))}"
                for k in rule.questions
                if k in by_key and answers.get(k) not in (None, "", [])
            ]
            if lines:
                values[rule.field] = "\n".join(lines)
            continue
        answer = answers.get(rule.question)
        if answer in (None, "", []):
            continue
        if rule.values:
            chosen = answer if isinstance(answer, list) else [answer]
            table = dict(rule.values)
            picked = next((table[str(a)] for a in chosen if str(a) in table), None)
            if picked is not None:
                values[rule.field] = picked
        else:
            values[rule.field] = answer
    return values
