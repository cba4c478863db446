"""Plan indicators: computing every indicator for a million persons, and the dashboards.

1. Computation. Synthetic inputs for ``--persons`` persons (default 1,000,000) and their
   services, as the Arrow tables the engine reads (``computations.INPUTS``): certificates,
   a year of locked payroll lines for a fifth of them, claims, pension and school facts,
   surveys and needs, employment statuses, training, reconciliation findings, and the
   one-stop services' device and renovation applications, device handovers, monthly
   child-rehabilitation records and designated facilities. Timed:
   ``engine.count`` for one year (the year and its four quarters, every computed
   indicator, city/county/township), which is what the job does between reading and
   writing. Printed with the bare floor: one DuckDB ``COUNT(DISTINCT)`` of the persons per
   township over the same Arrow table, and the ratio.
   Target (issue #8): ≤ 30 s for one year.

2. Pages. A fresh SQLite database with the region pack, the catalogue and a full set of
   snapshots for 2021–2025 (every indicator × city, counties, townships × year and
   quarter); the dashboard, an indicator page (county ranking) and the public page are
   requested ``--requests`` times each by the city officer. Printed: median and p95.
   Target: p95 ≤ 150 ms.

    .venv/bin/python benchmarks/indicators.py [--persons 1000000] [--requests 50]

Measured 2026-11-28 on the shared 2-core machine while other jobs ran (load average
10–14): 1,000,000 persons, one year: 34.5 s (bare floor 0.88 s, 39×); pages p95: city
dashboard 123 ms, county dashboard 235 ms, indicator page 126 ms, public page 108 ms.
With the one-stop services' indicators (22 computed, 2026-11-28, load average 2.5–4):
1,000,000 persons, one year: 9.4 s (bare floor 0.30 s, 31×); pages p95 (116,000
snapshots): city dashboard 37 ms, county 38 ms, indicator page 29 ms, public page 22 ms.

Reading the inputs from the database (``fetch_arrow``) and writing ~25,000 snapshot rows
are not in the first figure: the reconciliation and payroll benchmarks time those paths.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def setup_django(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("TONGXING_MASTER_KEY", "5a" * 32)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxing.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_region", "sichuan-bazhong", verbosity=0)
    call_command("load_parameters", "sichuan-bazhong", verbosity=0)
    call_command("load_indicators", "sichuan-bazhong", verbosity=0)


def synthetic_tables(persons: int, seed: int = 8):
    import numpy as np
    import pyarrow as pa

    from tongxing.areas.models import Area
    from tongxing.indicators.computations import INPUTS, Tables

    rng = np.random.default_rng(seed)
    villages = np.array(
        list(Area.objects.filter(level="village").values_list("code", flat=True)), dtype=object
    )
    ids = np.arange(1, persons + 1, dtype=np.int64)
    days = lambda low, high, n: (  # noqa: E731 - a local shorthand
        np.datetime64(low)
        + rng.integers(0, (np.datetime64(high) - np.datetime64(low)).astype(int), n)
    ).astype("datetime64[D]")
    schema = {name: spec[2] for name, spec in INPUTS.items()}
    households = ids // 2  # two persons per household on average
    issue = days("2005-01-01", "2025-06-30", persons)
    persons_table = pa.table(
        {
            "person_id": ids,
            "household_id": households,
            "area": villages[rng.integers(0, len(villages), persons)],
            "birth_date": days("1935-01-01", "2022-12-31", persons),
            "status": np.where(rng.random(persons) < 0.95, "active", "deceased"),
            "cert_status": np.where(rng.random(persons) < 0.9, "valid", "cancelled"),
            "issue_date": issue,
            "valid_until": issue + np.timedelta64(3650, "D"),
            "date_of_death": pa.nulls(persons, pa.date32()),
        }
    ).cast(schema["persons"])
    paid_persons = rng.choice(ids, persons // 5, replace=False)
    months = np.array([np.datetime64(f"2025-{m:02d}-01") for m in range(1, 13)])
    paid = pa.table(
        {
            "person_id": np.repeat(paid_persons, 12),
            "benefit": np.where(
                np.repeat(rng.random(len(paid_persons)), 12) < 0.5,
                "living_subsidy",
                "nursing_subsidy",
            ),
            "for_month": np.tile(months, len(paid_persons)),
        }
    ).cast(schema["paid"])
    claim_persons = rng.choice(ids, persons // 4, replace=False)
    claims = pa.table(
        {
            "person_id": claim_persons,
            "benefit": rng.choice(
                ["living_subsidy", "nursing_subsidy", "pension_premium", "education_aid"],
                len(claim_persons),
            ),
            "applied_on": days("2018-01-01", "2025-10-01", len(claim_persons)),
            "ended_on": pa.nulls(len(claim_persons), pa.date32()),
        }
    ).cast(schema["claims"])
    fact_persons = rng.choice(ids, persons // 2, replace=False)
    facts = pa.table(
        {
            "person_id": fact_persons,
            "kind": np.where(rng.random(len(fact_persons)) < 0.9, "resident_pension", "school"),
            "start_date": days("2010-01-01", "2025-01-01", len(fact_persons)),
            "end_date": pa.nulls(len(fact_persons), pa.date32()),
        }
    ).cast(schema["facts"])
    surveyed = rng.choice(ids, int(persons * 0.8), replace=False)
    stamp = lambda low, high, n: days(low, high, n).astype("datetime64[us]")  # noqa: E731
    surveys = pa.table(
        {
            "person_id": surveyed,
            "survey_year": np.full(len(surveyed), 2025),
            "completed_at": stamp("2025-03-01", "2025-11-30", len(surveyed)),
        }
    ).cast(schema["surveys"])
    need_persons = rng.choice(surveyed, len(surveyed) // 2)
    closed = np.where(rng.random(len(need_persons)) < 0.6, "met", "open")
    needs = pa.table(
        {
            "need_id": np.arange(1, len(need_persons) + 1),
            "person_id": need_persons,
            "need_year": np.full(len(need_persons), 2025),
            "kind": rng.choice(
                ["rehabilitation", "assistive_device", "care", "subsidy"], len(need_persons)
            ),
            "status": closed,
            "opened_at": stamp("2025-03-01", "2025-06-30", len(need_persons)),
            "closed_at": stamp("2025-07-01", "2025-12-30", len(need_persons)),
        }
    ).cast(schema["needs"])
    workers = rng.choice(ids, persons // 5, replace=False)
    work = pa.table(
        {
            "person_id": workers,
            "status": np.where(rng.random(len(workers)) < 0.7, "employed", "seeking"),
            "start_date": days("2015-01-01", "2025-12-01", len(workers)),
            "end_date": pa.nulls(len(workers), pa.date32()),
        }
    ).cast(schema["work"])
    trained = rng.choice(ids, persons // 50, replace=False)
    training = pa.table(
        {"person_id": trained, "end_date": days("2025-01-01", "2025-12-31", len(trained))}
    ).cast(schema["training"])
    found = persons // 100
    findings = pa.table(
        {
            "finding_id": np.arange(1, found + 1),
            "area": villages[rng.integers(0, len(villages), found)],
            "found_at": stamp("2024-01-01", "2025-12-01", found),
            "closed_at": pa.nulls(found, pa.timestamp("us", tz="UTC")),
        }
    ).cast(schema["findings"])
    # One-stop services: a device or renovation application for one person in 20, a
    # device handed over to one in 25, a year of monthly rehabilitation records for one
    # child in 100, and about 3 designated facilities per village-sized place.
    applicants = rng.choice(ids, persons // 20, replace=False)
    applications = pa.table(
        {
            "person_id": applicants,
            "service": np.where(
                rng.random(len(applicants)) < 0.7, "assistive_device", "home_renovation"
            ),
            "app_status": np.where(rng.random(len(applicants)) < 0.6, "completed", "approved"),
            "submitted_on": days("2024-06-01", "2025-10-01", len(applicants)),
            "closed_on": days("2025-01-01", "2025-12-31", len(applicants)),
        }
    ).cast(schema["applications"])
    fitted = rng.choice(ids, persons // 25, replace=False)
    handovers = pa.table(
        {"person_id": fitted, "handed_over_on": days("2025-01-01", "2025-12-31", len(fitted))}
    ).cast(schema["handovers"])
    children = rng.choice(ids, persons // 100, replace=False)
    rehab_records = pa.table(
        {"person_id": np.repeat(children, 12), "month": np.tile(months, len(children))}
    ).cast(schema["rehab_records"])
    places = max(len(villages) * 3, 1)
    facilities = pa.table(
        {
            "facility_id": np.arange(1, places + 1),
            "kind": rng.choice(["disabled_home", "rehab_station", "legal_aid_station"], places),
            "area": villages[rng.integers(0, len(villages), places)],
            "designated_from": days("2019-01-01", "2025-12-31", places),
            "designated_until": pa.nulls(places, pa.date32()),
        }
    ).cast(schema["facilities"])
    return Tables(
        {
            "applications": applications,
            "handovers": handovers,
            "rehab_records": rehab_records,
            "facilities": facilities,
            "persons": persons_table,
            "paid": paid,
            "claims": claims,
            "facts": facts,
            "surveys": surveys,
            "needs": needs,
            "work": work,
            "training": training,
            "findings": findings,
        }
    )


def bench_computation(persons: int, repeat: int) -> None:
    import ibis

    from tongxing.indicators.computations import COMPUTATIONS
    from tongxing.indicators.engine import count, periods_of

    started = time.perf_counter()
    tables = synthetic_tables(persons)
    print(
        f"synthetic inputs for {persons:,} persons: {time.perf_counter() - started:.1f} s (untimed)"
    )
    codes = sorted(COMPUTATIONS)
    runs, floors = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        counts = count(tables, codes, periods_of(2025))
        runs.append(time.perf_counter() - started)
        p = tables["persons"]
        started = time.perf_counter()
        ibis.duckdb.connect().to_pyarrow(
            p.group_by(sub=p.area.substr(0, 9)).aggregate(n=p.person_id.nunique())
        )
        floors.append(time.perf_counter() - started)
    median, floor = statistics.median(runs), statistics.median(floors)
    print(
        f"all {len(codes)} computed indicators, 2025 and its quarters: median {median:.1f} s "
        f"over {repeat} run(s) ({len(counts):,} cells); target ≤ 30 s"
    )
    print(
        f"bare floor (one COUNT DISTINCT per township): {floor:.2f} s; ratio {median / floor:.0f}×"
    )


def bench_pages(requests: int) -> None:
    from decimal import Decimal

    from django.test import Client
    from django.utils import timezone

    from tongxing.areas.models import Area
    from tongxing.indicators.engine import LEVELS
    from tongxing.indicators.models import Indicator, Snapshot

    now = timezone.now()
    areas = list(Area.objects.filter(level__in=LEVELS).values_list("code", flat=True))
    rows = [
        Snapshot(
            indicator=indicator,
            area_id=code,
            year=year,
            quarter=quarter,
            numerator=(hash((indicator.pk, code, year)) % 5000),
            denominator=6000,
            value=Decimal(hash((indicator.pk, code, year, quarter)) % 10000) / 100,
            origin="computed",
            computed_at=now,
        )
        for indicator in Indicator.objects.all()
        for code in areas
        for year in range(2021, 2026)
        for quarter in range(5)
    ]
    Snapshot.objects.all().delete()
    Snapshot.objects.bulk_create(rows, batch_size=2000)
    from tongxing.accounts.models import User

    user = User.objects.create_user(
        username=f"bench-city-{dt.datetime.now():%H%M%S%f}", role="city_officer", area_id="5119"
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    pages = {
        "dashboard (city)": "/indicators/?year=2025",
        "dashboard (county)": "/indicators/?area=511902&year=2025",
        "indicator with ranking": "/indicators/resident_pension_rate/?year=2025",
        "public page": "/open/plan/?year=2025",
    }
    print(f"{len(rows):,} snapshots in the database")
    for name, url in pages.items():
        assert client.get(url).status_code == 200, url  # warm up
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(
            f"{name:<24} median {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms"
            " (target ≤ 150)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--requests", type=int, default=50)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        bench_pages(options.requests)
        bench_computation(options.persons, options.repeat)


if __name__ == "__main__":
    main()
