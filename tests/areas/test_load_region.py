from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from tongxing.areas.models import Area


def test_the_region_pack_holds_the_city_five_counties_and_139_townships(db):
    assert Area.objects.get(code="5119").statistical_code == "511900"
    assert Area.objects.filter(level="county").count() == 5
    assert Area.objects.filter(level="township").count() == 139
    assert Area.objects.get(code="511902001").name == "东城街道"
    assert Area.objects.get(code="511902001").parent_id == "511902"


def test_generated_villages_are_marked_synthetic_and_nest_under_their_township(db):
    villages = Area.objects.filter(level="village")
    assert villages.count() == villages.filter(synthetic=True).count() > 139 * 6 - 1
    assert all(v.code.startswith(v.parent_id) and len(v.code) == 12 for v in villages)


def test_loading_twice_changes_nothing(db):
    before = list(Area.objects.values_list("code", "name", "parent_id", "synthetic"))
    call_command("load_region", "sichuan-bazhong", verbosity=0)
    assert list(Area.objects.values_list("code", "name", "parent_id", "synthetic")) == before


def test_an_official_village_table_replaces_unused_synthetic_villages(db, village, tmp_path: Path):
    factories.make_person(village)  # lives in the synthetic 511902001001
    table = tmp_path / "villages.csv"
    table.write_text("code,name,parent_code\n511902001201,东城社区,511902001\n", encoding="utf-8")
    call_command("load_region", "sichuan-bazhong", villages=table, verbosity=0)
    assert Area.objects.get(code="511902001201").synthetic is False
    assert (
        Area.objects.filter(synthetic=True).values_list("code", flat=True).get() == "511902001001"
    )


def test_a_village_under_an_unknown_township_is_refused_with_the_line(db, tmp_path: Path):
    table = tmp_path / "villages.csv"
    table.write_text("code,name,parent_code\n511999001001,某村,511999001\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"villages\.csv line 2: parent '511999001'"):
        call_command("load_region", "sichuan-bazhong", villages=table, verbosity=0)
    assert not Area.objects.filter(code="511999001001").exists()
