"""Search by name, pinyin, ID or certificate number, with filters, in one query per page."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests import factories


@pytest.fixture
def cast(village):
    return {
        "zhang": factories.make_person(
            village, name="张三", certificate={"category": 1, "grade": 1}
        ),
        "zhao": factories.make_person(
            village,
            name="赵小明",
            id_number=factories.new_id_number(dt.date(2021, 4, 1)),
            certificate={"category": 5, "grade": 3, "issue_date": dt.date(2022, 1, 1)},
        ),
        "wang": factories.make_person(
            village, name="王五", certificate={"category": 4, "grade": 4}
        ),
    }


def names(client, **params):
    response = client.get("/persons/", params)
    assert response.status_code == 200
    return sorted(p.name for p in response.context["page"])


def test_search_finds_by_chinese_name_prefix(client, village, cast):
    client.force_login(village)
    assert names(client, q="张") == ["张三"]


def test_search_finds_by_pinyin_initials_and_full_pinyin(client, village, cast):
    client.force_login(village)
    assert names(client, q="zs") == ["张三"]
    assert names(client, q="ZXM") == ["赵小明"]
    assert names(client, q="zhaoxiao") == ["赵小明"]


def test_search_finds_by_id_number_and_certificate_number(client, village, cast):
    client.force_login(village)
    assert names(client, q=cast["wang"].id_number.lower()) == ["王五"]
    assert names(client, q=cast["zhang"].certificate.number) == ["张三"]


def test_filters_narrow_by_category_grade_age_and_area(client, village, cast):
    client.force_login(village)
    assert names(client, category=5) == ["赵小明"]
    assert names(client, grade=4) == ["王五"]
    assert names(client, age="0-6") == ["赵小明"]
    assert names(client, age="60-79") == ["张三", "王五"]


def test_an_invalid_filter_value_is_reported_on_its_field(client, village, cast):
    client.force_login(village)
    response = client.get("/persons/", {"category": "9"})
    assert "category" in response.context["form"].errors


def test_a_page_of_results_costs_the_same_queries_for_3_or_30_persons(client, village, cast):
    client.force_login(village)
    with CaptureQueriesContext(connection) as few:
        client.get("/persons/")
    for _ in range(27):
        factories.make_person(village)
    with CaptureQueriesContext(connection) as many:
        client.get("/persons/")
    assert len(many) == len(few)


def test_a_county_officer_finds_by_pinyin_across_villages(client, county, cast, township):
    factories.make_person(township, name="张山", area_code=factories.NEXT_VILLAGE)
    client.force_login(county)
    assert names(client, q="zs") == ["张三", "张山"]
    assert names(client, q="张") == ["张三", "张山"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner needs the hint")
def test_a_county_wide_name_search_is_driven_by_the_name_index(county, cast):
    from tongxing.registry.queries import search_persons

    queryset = search_persons(county, {"q": "zs"})
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "name_initials" in plan


def test_past_the_count_cap_the_page_asks_for_a_narrower_search(client, village, cast, monkeypatch):
    from tongxing.core.pagination import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 2)
    client.force_login(village)
    response = client.get("/persons/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["page"].paginator.capped is True
    assert "More than 2 persons found" in response.content.decode()
    assert len(response.context["page"]) == 3  # pages run up to the cap + 1 rows counted


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own index types")
def test_on_postgresql_each_searched_person_column_has_one_index_and_it_serves_prefixes(cast):
    from tongxing.registry.models import Person

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, substring(indexdef from ' USING (.*)$') FROM pg_indexes "
            "WHERE tablename = 'registry_person' ORDER BY indexname"
        )
        indexes = dict(cursor.fetchall())
    assert indexes == {
        "person_area_prefix": "btree (area_id varchar_pattern_ops)",
        "person_area_status": "btree (area_id, status)",
        "person_id_number_unique": "btree (id_number_index)",
        "person_name": "btree (name varchar_pattern_ops)",
        "person_name_initials": "btree (name_initials varchar_pattern_ops)",
        "person_name_pinyin": "btree (name_pinyin varchar_pattern_ops)",
        "registry_person_birth_date_7f9bb56a": "btree (birth_date)",
        "registry_person_household_id_6c47d043": "btree (household_id)",
        "registry_person_pkey": "btree (id)",
    }
    plans = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # Three persons: left to itself the planner rightly reads the table, or takes a
        # bitmap of an index; with both off only a plain index scan is left, and only
        # where an index serves the condition.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        for column, prefix in [("name", "张"), ("name_pinyin", "zhang"), ("area", "5119")]:
            plans[column] = Person.objects.filter(**{f"{column}__prefix": prefix}).explain()
        plans["exact name"] = Person.objects.filter(name="张三").explain()
    first_lines = {key: plan.splitlines()[:2] for key, plan in plans.items()}
    assert {
        key: [line.split("  (cost")[0].strip() for line in lines]
        for key, lines in first_lines.items()
    } == {
        "name": [
            "Index Scan using person_name on registry_person",
            "Index Cond: (((name)::text ~>=~ '张'::text) AND ((name)::text ~<~ '弡'::text))",
        ],
        "name_pinyin": [
            "Index Scan using person_name_pinyin on registry_person",
            "Index Cond: (((name_pinyin)::text ~>=~ 'zhang'::text) AND "
            "((name_pinyin)::text ~<~ 'zhanh'::text))",
        ],
        "area": [
            "Index Scan using person_area_prefix on registry_person",
            "Index Cond: (((area_id)::text ~>=~ '5119'::text) AND "
            "((area_id)::text ~<~ '511:'::text))",
        ],
        "exact name": [
            "Index Scan using person_name on registry_person",
            "Index Cond: ((name)::text = '张三'::text)",
        ],
    }
