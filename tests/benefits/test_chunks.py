"""Deciding a population chunk by chunk gives exactly the decisions of deciding it whole:
what lets a ten-million-person run keep only one chunk in memory."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pyarrow as pa
import pytest
from django.core.management import call_command

from tongxing.benefits.engine import _long, evaluate, rules_over_facts_sql
from tongxing.benefits.facts import register_inputs, wide_facts_sql
from tongxing.benefits.inputs import (
    CERTIFICATE_HISTORY,
    CERTIFICATES,
    CLAIMS,
    FACTS,
    HOUSEHOLD_STATUSES,
    MOVES_OUT,
    PERSONS,
    Inputs,
)
from tongxing.benefits.parameters import ParameterSet
from tongxing.benefits.rules import CODES

# January: the month the yearly pension premium is paid in, so every benefit pays someone.
DECEMBER, JANUARY = dt.date(2026, 12, 1), dt.date(2027, 1, 1)
VILLAGES = ("511902001001", "511902001002", "511921002001")


def day_near(rng: random.Random) -> dt.date:
    """A date around the two months decided, often on a month's first or last day."""
    edges = [dt.date(2026, 12, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 1), dt.date(2027, 1, 31)]
    return rng.choice([*edges, dt.date(2026, 11, 1) + dt.timedelta(days=rng.randrange(120))])


def population(persons: int, seed: int) -> Inputs:
    """A random population whose households straddle any cut by person id (members are
    drawn from anywhere), with certificate changes, moves, 低保/特困 periods, department
    facts and claims around the months decided. Ids are shuffled so that no table is in
    person order."""
    rng = random.Random(seed)
    ids = rng.sample(range(1, persons * 10), persons)
    households = list(range(1, persons // 3 + 1))
    rows: dict[str, list[dict]] = {name: [] for name in Inputs.__dataclass_fields__}
    for person_id in ids:
        deceased = rng.random() < 0.1
        moved = not deceased and rng.random() < 0.1
        rows["persons"].append(
            {
                "person_id": person_id,
                "village": rng.choice(VILLAGES),
                "birth_date": dt.date(rng.randrange(1930, 2024), rng.randrange(1, 13), 15),
                "status": "deceased" if deceased else "moved_out" if moved else "active",
                "date_of_death": day_near(rng) if deceased else None,
                "household_id": rng.choice(households) if rng.random() < 0.9 else None,
            }
        )
        if moved:
            rows["moves_out"].append({"person_id": person_id, "moved_out_on": day_near(rng)})
        if rng.random() < 0.9:
            rows["certificates"].append(
                {
                    "person_id": person_id,
                    "category": rng.randrange(1, 8),
                    "multiple_detail": rng.choice(["", "4", "1,4", "2,5"]),
                    "grade": rng.randrange(1, 5),
                    "status": rng.choice(["valid", "valid", "renewing", "frozen", "cancelled"]),
                    "issue_date": rng.choice([dt.date(2020, 1, 1), day_near(rng)]),
                    "valid_until": rng.choice([dt.date(2030, 1, 1), day_near(rng)]),
                }
            )
            if rng.random() < 0.3:
                rows["certificate_history"].append(
                    {
                        "person_id": person_id,
                        "effective_date": day_near(rng),
                        "status_before": rng.choice([None, "valid", "frozen"]),
                        "category_before": None,
                        "grade_before": rng.choice([None, 1, 2, 3, 4]),
                        "issue_date_before": None,
                        "valid_until_before": rng.choice([None, day_near(rng)]),
                    }
                )
        for kind in (
            "work_injury_nursing",
            "elderly_care",
            "school",
            "motor_wheelchair",
            "resident_pension",
        ):
            if rng.random() < 0.3:
                rows["facts"].append(
                    {
                        "person_id": person_id,
                        "kind": kind,
                        "amount_fen": rng.choice([5000, 20000]) if kind != "school" else None,
                        "level": rng.choice(["primary", "senior"]) if kind == "school" else None,
                        "start_date": day_near(rng),
                        "end_date": rng.choice([None, day_near(rng)]),
                    }
                )
        for code in CODES:
            if rng.random() < 0.5:
                rows["claims"].append(
                    {
                        "person_id": person_id,
                        "benefit": code,
                        "start_month": rng.choice([dt.date(2025, 1, 1), JANUARY]),
                        "ended_on": rng.choice([None, None, day_near(rng)]),
                    }
                )
    for household_id in households:
        for kind in ("dibao", "tekun", "low_income"):
            if rng.random() < 0.3:
                rows["household_statuses"].append(
                    {
                        "household_id": household_id,
                        "kind": kind,
                        "start_date": rng.choice([dt.date(2024, 1, 1), day_near(rng)]),
                        "end_date": rng.choice([None, day_near(rng)]),
                    }
                )
    schemas = {
        "persons": PERSONS,
        "certificates": CERTIFICATES,
        "certificate_history": CERTIFICATE_HISTORY,
        "moves_out": MOVES_OUT,
        "household_statuses": HOUSEHOLD_STATUSES,
        "facts": FACTS,
        "claims": CLAIMS,
    }
    return Inputs(**{name: pa.Table.from_pylist(rows[name], schemas[name]) for name in schemas})


def in_order(table: pa.Table) -> list[dict]:
    return table.sort_by(
        [("person_id", "ascending"), ("benefit", "ascending"), ("month", "ascending")]
    ).to_pylist()


@pytest.fixture
def parameters(db):
    call_command("load_parameters", "sichuan-bazhong", verbosity=0)
    return ParameterSet.load()


def test_deciding_in_chunks_of_any_size_gives_the_decisions_of_the_whole_population(parameters):
    inputs = population(600, seed=3)
    months = [DECEMBER, JANUARY]
    whole = evaluate(inputs, months, parameters)
    configured = [code for code in CODES if code not in whole.not_configured]
    assert whole.decisions.num_rows == 600 * len(configured) * 2
    # The population is paid each benefit some month, or the comparison would be idle.
    paid = {row["benefit"] for row in whole.decisions.to_pylist() if row["paid"]}
    assert paid == set(configured)
    for size in (50, 250, 600):
        chunks = list(inputs.in_chunks(size))
        assert len(chunks) == -(-600 // size)
        decisions = pa.concat_tables(
            evaluate(chunk, months, parameters).decisions for chunk in chunks
        )
        assert in_order(decisions) == in_order(whole.decisions)


def test_the_chunks_cut_the_persons_apart_and_give_each_the_statuses_of_its_households():
    inputs = population(90, seed=5)
    chunks = list(inputs.in_chunks(40))
    assert [chunk.persons.num_rows for chunk in chunks] == [40, 40, 10]
    ids = [set(chunk.persons["person_id"].to_pylist()) for chunk in chunks]
    assert set().union(*ids) == set(inputs.persons["person_id"].to_pylist())
    assert max(ids[0]) < min(ids[1]) and max(ids[1]) < min(ids[2])
    for chunk, members in zip(chunks, ids, strict=True):
        for name in ("certificates", "certificate_history", "moves_out", "facts", "claims"):
            table = inputs.tables[name]
            expected = sorted(str(row) for row in table.to_pylist() if row["person_id"] in members)
            assert sorted(str(row) for row in chunk.tables[name].to_pylist()) == expected
        households = set(chunk.persons["household_id"].drop_null().to_pylist())
        assert set(chunk.household_statuses["household_id"].to_pylist()) == households & set(
            inputs.household_statuses["household_id"].to_pylist()
        )


def test_the_rules_over_facts_kept_in_a_table_decide_as_evaluate_does(parameters):
    """What the benchmark times as "the rules over the month's facts": the same rules
    over the same facts, derived beforehand instead of in the same query."""
    inputs = population(300, seed=7)
    months = [DECEMBER, JANUARY]
    whole = evaluate(inputs, months, parameters)
    rules, parts = rules_over_facts_sql(months, parameters)
    con = duckdb.connect()
    register_inputs(con, inputs, whole.days)
    con.execute(f"CREATE TEMP TABLE wide AS {wide_facts_sql(len(whole.days), CODES, ())}")
    decisions = _long(con.sql(rules).to_arrow_table(), parts)
    con.close()
    assert in_order(decisions) == in_order(whole.decisions)
