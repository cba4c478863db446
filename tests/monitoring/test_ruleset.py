"""The risk weights file: loaded whole and idempotently, or refused with file, line and
reason and nothing loaded."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tongxing.monitoring.models import RuleVersion
from tongxing.monitoring.ruleset import RuleFileError, load_risk_rules, ruleset_on

GOOD = """\
description: test
versions:
  2025-01-01:
    source: test
    verified: false
    weights:
      low_income: 3
      medical_expense: 2
      job_loss: 2
      disaster: 2
      breadwinner: 3
      no_caregiver: 2
      dibao_ended: 2
    levels:
      high: 5
      medium: 3
      low: 1
"""


@pytest.fixture
def pack(tmp_path, settings) -> Path:
    """A copy of the region pack whose rule file a test may rewrite."""
    source = Path(settings.TONGXING_REGIONS_DIR) / "sichuan-bazhong"
    target = tmp_path / "sichuan-bazhong"
    target.mkdir()
    shutil.copy(source / "region.yaml", target / "region.yaml")
    (target / "risk").mkdir()
    settings.TONGXING_REGIONS_DIR = str(tmp_path)
    return target


def write(pack: Path, text: str) -> None:
    (pack / "risk" / "rules.yaml").write_text(text, encoding="utf-8")


def problems_of(pack: Path, text: str) -> list[str]:
    write(pack, text)
    with pytest.raises(RuleFileError) as refused:
        load_risk_rules("sichuan-bazhong")
    assert not RuleVersion.objects.exists()
    return [str(p) for p in refused.value.problems]


def test_the_packs_rule_file_loads_and_a_second_load_changes_nothing(db):
    first = load_risk_rules(settings.TONGXING_REGION)
    assert first.created == [dt.date(2025, 1, 1)]
    assert not load_risk_rules(settings.TONGXING_REGION).changed
    rules = ruleset_on(dt.date(2025, 12, 1))
    assert rules.levels == {"high": 5, "medium": 3, "low": 1}
    assert rules.weights["breadwinner"] == 3
    assert rules.verified is False


def test_an_unknown_rule_is_refused_with_its_line(db, pack):
    problems = problems_of(pack, GOOD.replace("      dibao_ended: 2\n", "      dibao_end: 2\n"))
    assert (
        "sichuan-bazhong/risk/rules.yaml line 13: versions.2025-01-01.weights.dibao_end: "
        "unknown rule" in problems[0]
    )
    assert any("weights.dibao_ended: missing" in p for p in problems)


def test_a_weight_that_is_not_a_whole_number_is_refused(db, pack):
    problems = problems_of(pack, GOOD.replace("job_loss: 2", "job_loss: 2.5"))
    assert problems == [
        "sichuan-bazhong/risk/rules.yaml line 9: versions.2025-01-01.weights.job_loss: "
        "Decimal('2.5') is not a whole number from 0 to 10"
    ]


def test_levels_that_do_not_rise_are_refused(db, pack):
    problems = problems_of(pack, GOOD.replace("medium: 3", "medium: 6"))
    assert problems == [
        "sichuan-bazhong/risk/rules.yaml line 14: versions.2025-01-01.levels: "
        "must rise: high > medium > low"
    ]


def test_a_date_that_is_not_iso_and_a_missing_source_are_refused(db, pack):
    text = GOOD.replace("2025-01-01:", "2025-1-1:").replace("    source: test\n", "")
    assert problems_of(pack, text) == [
        "sichuan-bazhong/risk/rules.yaml line 3: versions.2025-1-1: is not an ISO date (YYYY-MM-DD)"
    ]
    text = GOOD.replace("    source: test\n", "")
    assert problems_of(pack, text) == [
        "sichuan-bazhong/risk/rules.yaml line 3: versions.2025-01-01.source: "
        "missing: say where it comes from"
    ]


def test_broken_yaml_is_refused_with_its_line(db, pack):
    problems = problems_of(pack, GOOD.replace("levels:", "levels: [", 1))
    assert problems[0].startswith("sichuan-bazhong/risk/rules.yaml line ")
    assert "not valid YAML" in problems[0]


def test_a_refused_file_leaves_the_loaded_version_in_place(db, pack):
    write(pack, GOOD)
    load_risk_rules("sichuan-bazhong")
    problems_of_text = GOOD.replace("low_income: 3", "low_income: 11")
    write(pack, problems_of_text)
    with pytest.raises(RuleFileError):
        load_risk_rules("sichuan-bazhong")
    assert RuleVersion.objects.get().weights["low_income"] == 3


def test_the_command_names_the_problem(db, pack):
    write(pack, GOOD.replace("high: 5", "highest: 5"))
    with pytest.raises(CommandError) as refused:
        call_command("load_risk_rules", "sichuan-bazhong")
    assert "levels.highest: unknown level" in str(refused.value)
