"""The monthly poverty-return risk screening of 1,000,000 persons on PostgreSQL.

Setup (untimed, kept between runs in the database named by --database): the population
of ``benchmarks/reconcile.py`` (persons with certificates in households of three, 低保
and 特困 statuses; its department lists as many rows as persons), plus, as Arrow loaded
with COPY: 60 % of persons with a completed 2025 survey and its copied income and
caregiver answers, 10 % with an employment period (a third of them ended in 2025), 2 %
with a reported hardship, 1 % of household heads deceased in 2025, and a fifth of the
低保 households whose 低保 ended in 2025. The two thresholds the region pack declares
``not_found`` (income range, medical expenses) get benchmark-only values so that every
rule runs.

Timed (median of --repeat runs, each a first screening: the monitoring tables are emptied
before it): ``monitoring.actions.screen_month`` for the city and December 2025, and its
phases: the survey-answer refresh (nothing new to copy), the inputs read into Arrow, the
rules in DuckDB, the writing of results, cases and counts. Printed with the peak memory
and the ratio to the bare floor: the same input SELECTs read into Arrow and one DuckDB
scan joining persons to their surveys, employment and hardships.

Target (issue #6): monthly screening of 1,000,000 persons ≤ 10 s.

    .venv/bin/python benchmarks/risk.py [--persons 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from benchmarks.reconcile import configure, copy_table, generate, peak_mib  # noqa: E402

MONTH = dt.date(2025, 12, 1)
CITY = "5119"


def add_monitoring_inputs(persons: int, seed: int = 6) -> None:
    """Surveys, employment, hardships, deaths and ended 低保 on top of the population."""
    import numpy as np
    import pyarrow as pa
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from tongxing.benefits.models import Origin, Parameter, ParameterValue, ValueStatus
    from tongxing.benefits.parameters import load_parameters
    from tongxing.monitoring.ruleset import load_risk_rules
    from tongxing.surveys.definitions import load_surveys
    from tongxing.surveys.models import SurveyDefinition

    rng = np.random.default_rng(seed)
    now = timezone.now()
    user = get_user_model().objects.get(username="bench_city")
    load_parameters("sichuan-bazhong")
    load_risk_rules("sichuan-bazhong")
    load_surveys("sichuan-bazhong")
    for key, value in (
        ("monitoring.income_threshold", "7000.00"),
        ("monitoring.medical_expense_threshold", "10000.00"),
    ):
        ParameterValue.objects.get_or_create(
            parameter=Parameter.objects.get(key=key),
            effective_from=dt.date(2025, 1, 1),
            status=ValueStatus.APPROVED,
            defaults={
                "value": value,
                "source": "benchmark-only value",
                "origin": Origin.PROPOSAL,
            },
        )
    definition = SurveyDefinition.objects.get(year=2025)
    ids = np.arange(1, persons + 1)

    surveyed = ids[rng.random(persons) < 0.6]
    count = len(surveyed)
    print(f"  loading {count:,} surveys…", flush=True)
    copy_table(
        "surveys_survey",
        pa.table(
            {
                "id": surveyed,
                "person_id": surveyed,
                "definition_id": [definition.pk] * count,
                "year": [2025] * count,
                "status": ["completed"] * count,
                "answers_data": ["x"] * count,
                "flags_data": [""] * count,
                "flagged": [False] * count,
                "saved_groups": ["[]"] * count,
                "started_by_id": [user.pk] * count,
                "started_at": pa.array([now] * count),
                "updated_at": pa.array([now] * count),
                "completed_by_id": [user.pk] * count,
                "completed_at": pa.array([now] * count),
            }
        ),
    )
    from tongxing.core.bulk import copy_arrow

    copy_arrow(
        "monitoring_surveyfacts",
        pa.table(
            {
                "survey_id": surveyed,
                "person_id": surveyed,
                "year": [2025] * count,
                "household_income": pa.array([f"{v}.00" for v in rng.integers(2000, 40000, count)]),
                "has_caregiver": pa.array(rng.random(count) < 0.85),
                "survey_updated_at": pa.array([now] * count),
            }
        ),
    )
    workers = ids[rng.random(persons) < 0.10]
    ended = rng.random(len(workers)) < 0.33
    end = pa.array(
        [
            dt.date(2025, 1, 1) + dt.timedelta(days=int(d)) if e else None
            for e, d in zip(ended, rng.integers(0, 360, len(workers)), strict=True)
        ],
        pa.date32(),
    )
    print(f"  loading {len(workers):,} employment periods…", flush=True)
    copy_table(
        "employment_employmentstatus",
        pa.table(
            {
                "person_id": workers,
                "status": ["employed"] * len(workers),
                "form": ["flexible"] * len(workers),
                "employer_note": [""] * len(workers),
                "start_date": pa.array([dt.date(2022, 1, 1)] * len(workers)),
                "end_date": end,
                "recorded_by_id": [user.pk] * len(workers),
                "recorded_at": pa.array([now] * len(workers)),
            }
        ),
    )
    hit = ids[rng.random(persons) < 0.02]
    kinds = rng.choice(["medical_expense", "disaster", "breadwinner_illness"], len(hit))
    copy_table(
        "monitoring_circumstance",
        pa.table(
            {
                "person_id": hit,
                "kind": kinds,
                "occurred_on": pa.array(
                    [
                        dt.date(2025, 1, 1) + dt.timedelta(days=int(d))
                        for d in rng.integers(0, 364, len(hit))
                    ],
                    pa.date32(),
                ),
                "amount": pa.array(
                    [
                        f"{v}.00" if k == "medical_expense" else None
                        for k, v in zip(kinds, rng.integers(1000, 30000, len(hit)), strict=True)
                    ]
                ),
                "note": [""] * len(hit),
                "recorded_by_id": [user.pk] * len(hit),
                "recorded_at": pa.array([now] * len(hit)),
            }
        ),
    )
    with connection.cursor() as cursor:
        # 1 % of the persons in households die in 2025 (they are the heads here: every
        # benchmark person is registered as a head); a fifth of 低保 ends in 2025.
        cursor.execute(
            "UPDATE registry_person SET status = 'deceased', date_of_death = DATE '2025-06-30' "
            "WHERE household_id IS NOT NULL AND id % 100 = 0"
        )
        cursor.execute(
            "UPDATE registry_householdstatus SET end_date = DATE '2025-08-31' "
            "WHERE kind = 'dibao' AND id % 5 = 0"
        )
        cursor.execute("ANALYZE")


def bare(persons_scope: str) -> tuple[float, float]:
    """The floor: the same inputs read into Arrow (concurrently, as the job reads them),
    one DuckDB scan joining them."""
    import duckdb

    from tongxing.benefits.inputs import Scope
    from tongxing.core.arrowio import fetch_arrow_many
    from tongxing.monitoring.inputs import input_queries

    started = time.perf_counter()
    tables = fetch_arrow_many(input_queries(Scope.area(persons_scope)))
    read = time.perf_counter() - started
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    joined = time.perf_counter()
    con.execute(
        "SELECT count(*), count(s.person_id), count(e.person_id), count(c.person_id) "
        "FROM persons p LEFT JOIN surveys s ON s.person_id = p.person_id "
        "LEFT JOIN (SELECT DISTINCT person_id FROM employment) e ON e.person_id = p.person_id "
        "LEFT JOIN (SELECT DISTINCT person_id FROM circumstances) c ON c.person_id = p.person_id"
    ).fetchall()
    con.close()
    return read, time.perf_counter() - joined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--database", default="tongxing_monitoring_bench")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    configure(args.database)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tongxing.benefits.inputs import Scope
    from tongxing.benefits.parameters import ParameterSet
    from tongxing.monitoring import actions, engine
    from tongxing.monitoring.inputs import read_inputs
    from tongxing.monitoring.models import SurveyFacts
    from tongxing.monitoring.ruleset import ruleset_on
    from tongxing.registry.models import Person

    call_command("migrate", verbosity=0)
    if Person.objects.count() != args.persons or not SurveyFacts.objects.exists():
        print("Generating the population (once per database)…", flush=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE monitoring_caseevent, monitoring_measure, monitoring_riskcase, "
                "monitoring_screeningresult, monitoring_opencount, monitoring_screening, "
                "monitoring_surveyfacts, monitoring_circumstance, surveys_survey, "
                "employment_employmentstatus, reconcile_finding, reconcile_departmentrow, "
                "reconcile_departmentlist, benefits_payrollline, benefits_payrollbatch, "
                "benefits_benefitclaim, registry_householdstatus, "
                "registry_disabilitycertificate, registry_lifeevent, registry_person, "
                "registry_household CASCADE"
            )
        started = time.perf_counter()
        # As many department rows as persons: the smallest size at which that generator's
        # lists all mix registry persons with strangers.
        generate(args.persons, args.persons)
        add_monitoring_inputs(args.persons)
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    print(
        f"{args.persons:,} persons, PostgreSQL {connection.pg_version}, {os.cpu_count()} CPUs, "
        f"load average before: {os.getloadavg()[0]:.1f}"
    )

    def clear() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE monitoring_caseevent, monitoring_measure, monitoring_riskcase, "
                "monitoring_screeningresult, monitoring_opencount, monitoring_screening"
            )

    phases: dict[str, list[float]] = {
        "refresh": [],
        "read": [],
        "screen": [],
        "end_to_end": [],
        "rerun": [],
    }
    floors: list[tuple[float, float]] = []
    screened = None
    for _ in range(args.repeat):
        clear()
        started = time.perf_counter()
        actions.refresh_survey_facts(CITY)
        refreshed = time.perf_counter()
        inputs = read_inputs(Scope.area(CITY))
        read = time.perf_counter()
        screened = engine.screen(inputs, MONTH, ParameterSet.load(), ruleset_on(MONTH))
        done = time.perf_counter()
        phases["refresh"].append(refreshed - started)
        phases["read"].append(read - refreshed)
        phases["screen"].append(done - read)
        del inputs
        clear()
        started = time.perf_counter()
        actions.screen_month(CITY, MONTH)
        phases["end_to_end"].append(time.perf_counter() - started)
        started = time.perf_counter()
        actions.screen_month(CITY, MONTH)  # the same month again: nothing new to open
        phases["rerun"].append(time.perf_counter() - started)
        floors.append(bare(CITY))

    def median(values: list[float]) -> float:
        return statistics.median(values)

    levels: dict[str, int] = {}
    for level in screened.results["level"].to_pylist():
        levels[level] = levels.get(level, 0) + 1
    print(f"screened {screened.persons:,}, at risk {screened.results.num_rows:,} {levels}")
    for name in ("refresh", "read", "screen"):
        print(f"  {name:<8} {median(phases[name]):6.2f} s (median of {args.repeat})")
    total = median(phases["end_to_end"])
    write = total - sum(median(phases[n]) for n in ("refresh", "read", "screen"))
    print(f"  write    {write:6.2f} s (end to end less the phases above)")
    print(f"end to end (screen_month, first screening): {total:6.2f} s   target ≤ 10 s")
    print(f"re-run of the same month:                   {median(phases['rerun']):6.2f} s")
    print(f"peak memory: {peak_mib():,.0f} MiB")
    bare_read = median([f[0] for f in floors])
    bare_join = median([f[1] for f in floors])
    print(f"bare floor: read {bare_read:.2f} s + DuckDB join {bare_join:.2f} s")
    print(f"ratio end to end / bare read+join: {total / (bare_read + bare_join):.2f}×")
    compute = median(phases["read"]) + median(phases["screen"])
    print(f"ratio read+rules / bare read+join: {compute / (bare_read + bare_join):.2f}×")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
