"""Prefix matching for area scoping and name search, whatever the engine and collation."""

import os

import pytest
from django.db import connection

from tests import factories
from tongxing.areas.models import Area
from tongxing.registry.models import Person


def test_an_area_prefix_matches_exactly_the_areas_below_it(db):
    codes = set(Area.objects.filter(code__prefix="511902001").values_list("code", flat=True))
    assert "511902001" in codes
    assert "511902001001" in codes
    assert all(code.startswith("511902001") for code in codes)
    assert not Area.objects.filter(code__prefix="511902001").filter(code="511902002").exists()
    assert Area.objects.filter(code__prefix="5119").count() == Area.objects.count()


def test_a_chinese_name_prefix_finds_only_names_that_start_with_it(village):
    for name in ("张三", "张三丰", "章三", "王张"):
        factories.make_person(village, name=name)
    found = sorted(Person.objects.filter(name__prefix="张三").values_list("name", flat=True))
    assert found == ["张三", "张三丰"]


def test_like_wildcards_in_a_prefix_are_taken_literally(village):
    factories.make_person(village, name="张_三")
    factories.make_person(village, name="张x三")
    assert list(Person.objects.filter(name__prefix="张_").values_list("name", flat=True)) == [
        "张_三"
    ]


@pytest.mark.skipif(
    not os.environ.get("TONGXING_TEST_DB_TEMPLATE"), reason="the PostgreSQL lane sets it"
)
def test_the_postgresql_lane_runs_on_a_chinese_icu_collation(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datlocprovider, daticulocale FROM pg_database"
            " WHERE datname = current_database()"
        )
        assert cursor.fetchone() == ("i", "zh-Hans-CN")
