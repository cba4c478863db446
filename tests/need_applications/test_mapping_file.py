"""The need kind → service type file is checked with the questionnaires: every problem is
named with the file, key and line, and nothing loads while one remains."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tongxing.surveys.definitions import SurveyFileError, load_surveys
from tongxing.surveys.models import SurveyDefinition
from tongxing.surveys.need_services import MAPPING_FILE, read_need_services

REGION = "sichuan-bazhong"


@pytest.fixture
def pack(tmp_path, settings):
    source = Path(settings.TONGXING_REGIONS_DIR) / REGION
    shutil.copytree(source, tmp_path / REGION)
    settings.TONGXING_REGIONS_DIR = tmp_path
    return tmp_path / REGION


def write(pack: Path, text: str) -> None:
    (pack / "surveys" / MAPPING_FILE).write_text(text, encoding="utf-8")


def problems(pack: Path) -> list[str]:
    with pytest.raises(SurveyFileError) as raised:
        read_need_services(REGION)
    return [str(p) for p in raised.value.problems]


def test_every_problem_is_named_with_its_line(pack):
    write(
        pack,
        "care:\n"
        "  service: care_homes\n"  # line 2: no such service type
        "hobbies:\n"  # line 3: no such need kind
        "  service: legal_aid\n"
        "assistive_device:\n"
        "  service: assistive_device\n"
        "  prefill:\n"
        "    colour: {question: mobility}\n"  # line 8: no such field
        "    item:\n"
        "      question: device_need\n"
        "      values: {wheelchair: rocket_chair, jetpack: walker}\n"  # line 11
        "    need: {questions: [mobility, shoe_size]}\n"  # line 12
        "legal_aid:\n"
        "  service: legal_aid\n"
        "  service: legal_aid\n",  # line 15: duplicate
    )
    file = f"{REGION}/surveys/{MAPPING_FILE}"
    assert problems(pack) == [
        f"{file} line 2: care.service: unknown service type 'care_homes' (one of: "
        "assistive_device, care_services, certificate_home, child_rehabilitation, "
        "education_aid, home_renovation, legal_aid)",
        f"{file} line 3: hobbies: unknown need 'hobbies' (one of: rehabilitation, "
        "assistive_device, education, employment, care, subsidy, home_renovation, legal_aid, "
        "culture_sports)",
        f"{file} line 8: assistive_device.prefill.colour: the service assistive_device has no "
        "field 'colour'",
        f"{file} line 11: assistive_device.prefill.item.values.wheelchair: the field item has "
        "no option 'rocket_chair'",
        f"{file} line 11: assistive_device.prefill.item.values.jetpack: device_need has no "
        "option 'jetpack'",
        f"{file} line 12: assistive_device.prefill.need.questions: no questionnaire has a "
        "question 'shoe_size'",
        f"{file} line 15: legal_aid.service: duplicate key (first at line 14)",
    ]


def test_a_choice_field_without_values_and_broken_yaml_are_refused(pack):
    write(pack, "education:\n  service: education_aid\n  prefill:\n    level: {question: age}\n")
    assert problems(pack) == [
        f"{REGION}/surveys/{MAPPING_FILE} line 4: education.prefill.level.values: a choice "
        "field needs values: answer → option"
    ]
    write(pack, "care: [unclosed\n")
    (found,) = problems(pack)
    assert found.startswith(f"{REGION}/surveys/{MAPPING_FILE} line 2: need_services: not valid")


def test_load_surveys_loads_nothing_while_the_mapping_is_broken(pack, db):
    write(pack, "care:\n  service: nothing\n")
    with pytest.raises(SurveyFileError, match=r"line 2: care\.service: unknown service type"):
        load_surveys(REGION)
    assert SurveyDefinition.objects.count() == 0


def test_the_mapping_file_is_not_read_as_a_questionnaire(pack, db):
    assert pack.parent == settings.TONGXING_REGIONS_DIR
    load_surveys(REGION)
    assert list(SurveyDefinition.objects.values_list("year", flat=True)) == [2025]
    assert read_need_services(REGION)["care"].service == "care_services"
