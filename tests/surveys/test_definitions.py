"""The questionnaire files: the Bazhong pack loads, re-loading is a no-op, and every kind of
mistake is refused with its file, key and reason, loading nothing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from tests.surveys.conftest import REGION, fill_survey
from tongxing.core.models import AuditEvent
from tongxing.surveys.definitions import Questionnaire, SurveyFileError, load_surveys
from tongxing.surveys.models import SurveyDefinition

GOOD = """\
year: 2030
title: 测试问卷
reference: test
verified: false
groups:
  - key: basic
    title: 基本情况
    questions:
      - key: age
        text: 年龄
        type: number
        required: true
        min: 0
        max: 120
        registry_check: age
      - key: lives_alone
        text: 是否独居
        type: yes_no
  - key: needs
    title: 需求
    questions:
      - key: rehabilitation_need
        text: 是否需要康复
        type: yes_no
        need: rehabilitation
      - key: devices
        text: 辅助器具
        type: multi_choice
        options:
          - {value: wheelchair, label: 轮椅, need: assistive_device}
          - {value: none, label: 不需要}
"""


@pytest.fixture
def pack(settings, tmp_path: Path):
    settings.TONGXING_REGIONS_DIR = tmp_path
    (tmp_path / "test" / "surveys").mkdir(parents=True)
    (tmp_path / "test" / "region.yaml").write_text("name: test\n", encoding="utf-8")

    def write(name: str, text: str) -> None:
        (tmp_path / "test" / "surveys" / name).write_text(textwrap.dedent(text), "utf-8")

    return write


def problems_of(pack_write, text: str, name: str = "2030.yaml") -> list[str]:
    pack_write(name, text)
    with pytest.raises(SurveyFileError) as refused:
        load_surveys("test")
    assert SurveyDefinition.objects.count() == 0
    return [str(p) for p in refused.value.problems]


def test_the_bazhong_questionnaire_loads(db):
    report = load_surveys(REGION)
    assert (report.created, report.updated, report.removed) == (1, 0, 0)
    definition = SurveyDefinition.objects.get()
    questionnaire = Questionnaire.from_definition(definition)
    assert definition.year == 2025
    assert definition.verified is False
    assert [g.key for g in questionnaire.groups] == [
        "basic",
        "rehabilitation",
        "assistive_devices",
        "education_employment",
        "care_home",
        "subsidies_legal",
        "culture_sports",
        "income_insurance",
    ]
    stated = {q.need for q in questionnaire.questions()} | {
        o.need for q in questionnaire.questions() for o in q.options
    }
    assert stated - {""} == {
        "rehabilitation",
        "assistive_device",
        "education",
        "employment",
        "care",
        "subsidy",
        "home_renovation",
        "legal_aid",
        "culture_sports",
    }


def test_loading_again_changes_nothing_and_writes_no_audit_row(db):
    load_surveys(REGION)
    rows = AuditEvent.objects.count()
    report = load_surveys(REGION)
    assert report.changed is False
    assert AuditEvent.objects.count() == rows


def test_a_good_file_loads_and_a_change_updates_it(pack, db):
    pack("2030.yaml", GOOD)
    assert load_surveys("test").created == 1
    pack("2030.yaml", GOOD.replace("测试问卷", "测试问卷（修订）"))
    assert load_surveys("test").updated == 1
    assert SurveyDefinition.objects.get().title == "测试问卷（修订）"
    event = AuditEvent.objects.filter(object_type="surveys.surveydefinition").latest("id")
    assert event.changes == {"title": ["测试问卷", "测试问卷（修订）"]}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            (
                "type: yes_no\n        need: rehabilitation",
                "type: yesno\n        need: rehabilitation",
            ),
            "test/surveys/2030.yaml line 24: groups[2] (needs).questions[1] "
            "(rehabilitation_need).type: unknown type 'yesno' (one of: choice, multi_choice, "
            "number, yes_no, text)",
        ),
        (
            ("need: rehabilitation", "need: massage"),
            "test/surveys/2030.yaml line 25: groups[2] (needs).questions[1] "
            "(rehabilitation_need).need: unknown need 'massage' (one of: rehabilitation, "
            "assistive_device, education, employment, care, subsidy, home_renovation, "
            "legal_aid, culture_sports)",
        ),
        (
            ("key: lives_alone", "key: age"),
            "test/surveys/2030.yaml line 16: groups[1] (basic).questions[2].key: "
            "question 'age' appears twice in the file",
        ),
        (
            ("year: 2030", "year: 2031"),
            "test/surveys/2030.yaml line 1: year: 2031 does not match the file name 2030.yaml",
        ),
        (
            ("registry_check: age", "registry_check: category"),
            "test/surveys/2030.yaml line 15: groups[1] (basic).questions[1] (age)"
            ".registry_check: the category check needs a choice question",
        ),
        (
            ("min: 0", "min: 200"),
            "test/surveys/2030.yaml line 13: groups[1] (basic).questions[1] (age).min: "
            "is larger than max",
        ),
        (
            ("verified: false\n", ""),
            "test/surveys/2030.yaml line 1: verified: missing: say true or false",
        ),
        (
            ("- {value: none, label: 不需要}", "- {value: wheelchair, label: 不需要}"),
            "test/surveys/2030.yaml line 31: groups[2] (needs).questions[2] (devices)"
            ".options[2].value: option 'wheelchair' appears twice",
        ),
        (
            ("        required: true\n        min", "        required: yes please\n        min"),
            "test/surveys/2030.yaml line 12: groups[1] (basic).questions[1] (age).required: "
            "say true or false",
        ),
    ],
    ids=[
        "unknown-type",
        "unknown-need",
        "duplicate-question",
        "year-mismatch",
        "check-on-wrong-type",
        "min-over-max",
        "verified-missing",
        "duplicate-option",
        "required-not-boolean",
    ],
)
def test_a_mistake_is_named_with_file_line_key_and_reason(pack, db, change, expected):
    old, new = change
    assert old in GOOD
    assert problems_of(pack, GOOD.replace(old, new, 1)) == [expected]


def test_broken_yaml_and_a_badly_named_file_are_refused(pack, db):
    pack("2031.yaml", GOOD.replace("2030", "2031"))
    problems = problems_of(pack, "year: [2030\n")
    assert problems[0].startswith("test/surveys/2030.yaml line 2: 2030: not valid YAML")
    problems = problems_of(pack, GOOD, name="next-year.yaml")
    assert "test/surveys/next-year.yaml: next-year: name it <year>.yaml" in problems


def test_one_bad_file_stops_every_file_from_loading(pack, db):
    pack("2031.yaml", GOOD.replace("2030", "2031"))
    problems = problems_of(pack, GOOD.replace("title: 测试问卷", "title: ''"))
    assert problems == ["test/surveys/2030.yaml line 1: title: missing"]


def test_a_questionnaire_already_in_use_cannot_change(village, definition, pack, settings):
    """(``definition`` loads the real pack before ``pack`` points the loader elsewhere.)"""
    fill_survey(village, factories.make_person(village), definition, complete=False, screens=1)
    original = (Path(__file__).parents[2] / "regions" / REGION / "surveys" / "2025.yaml").read_text(
        encoding="utf-8"
    )
    pack("2025.yaml", original.replace("是否独居", "是否一个人住"))
    with pytest.raises(SurveyFileError) as refused:
        load_surveys("test")
    assert [str(p) for p in refused.value.problems] == [
        "test/surveys/2025.yaml: groups: surveys for 2025 have been filled in with this "
        "questionnaire; it cannot change now (put changes in next year's file)"
    ]
    assert "是否独居" in str(SurveyDefinition.objects.get().groups)


def test_the_command_reports_problems_as_an_error(pack, db):
    pack("2030.yaml", "year: 2030\n")
    with pytest.raises(CommandError, match="nothing loaded"):
        call_command("load_surveys", "test")
