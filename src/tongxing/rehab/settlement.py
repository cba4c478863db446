"""Settling an institution's month against each child's yearly cap, in DuckDB.

A child may be served by several institutions in a year (at home in Bazhong, then in
Chengdu); the yearly cap is per child across all of them. A month's payable amount for a
child is therefore the claim, limited by what is left of the cap after everything already
settled for that child in the calendar year (at any institution). Amounts travel as whole
fen (int64) so that no float touches money; the result is turned into ``Decimal`` yuan.

The cap depends on the child's age band on the first day of the month: up to
``rehab.child.first_band_age_max`` the first band's cap, above it the older band's. A cap
the sources do not give (``not_found``) is reported as missing and the claim is paid as
claimed; the statement says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import ibis
import pyarrow as pa

from tongxing.benefits.parameters import ParameterAt, ParameterLookupError, ParameterSet
from tongxing.core.arrowio import fetch_arrow

FIRST_BAND_MAX = "rehab.child.first_band_age_max"
CAP_FIRST_BAND = "rehab.child.annual_cap_training"
CAP_OLDER_BAND = "rehab.child.annual_cap_training_older_band"

RECORDS = pa.schema(
    [
        ("record_id", pa.int64()),
        ("child_id", pa.int64()),
        ("birth_date", pa.date32()),
        ("claimed_fen", pa.int64()),
    ]
)
PAID = pa.schema([("child_id", pa.int64()), ("payable_fen", pa.int64())])
LINES = pa.schema(
    [
        ("record_id", pa.int64()),
        ("child_id", pa.int64()),
        ("claimed_fen", pa.int64()),
        ("paid_before_fen", pa.int64()),
        ("cap_fen", pa.int64()),
        ("payable_fen", pa.int64()),
    ]
)


@dataclass(frozen=True)
class Caps:
    first_band_age_max: int
    first: ParameterAt | None
    older: ParameterAt | None
    missing: tuple[str, ...]

    def note(self) -> str:
        parts = []
        for label, at in ((f"0–{self.first_band_age_max}", self.first), ("older", self.older)):
            if at is not None:
                flag = "" if at.verified else " (unverified)"
                parts.append(f"{label}: {at.value} yuan/year from {at.effective_from}{flag}")
        return "; ".join(parts)


def caps_on(day: dt.date) -> Caps:
    params = ParameterSet.load([FIRST_BAND_MAX, CAP_FIRST_BAND, CAP_OLDER_BAND])
    band_max = int(params.at(FIRST_BAND_MAX, day).value)  # type: ignore[arg-type]
    found: dict[str, ParameterAt | None] = {}
    missing = []
    for key in (CAP_FIRST_BAND, CAP_OLDER_BAND):
        try:
            found[key] = params.at(key, day)
        except ParameterLookupError:
            found[key] = None
            missing.append(key)
    return Caps(band_max, found[CAP_FIRST_BAND], found[CAP_OLDER_BAND], tuple(missing))


def _fen(at: ParameterAt | None) -> int | None:
    return None if at is None else int(Decimal(str(at.value)) * 100)


def fetch_inputs(institution_id: int, month: dt.date) -> tuple[pa.Table, pa.Table]:
    """The month's records at the institution, and what was already settled this year
    for the same children at any institution (a join, not a subquery)."""
    records = fetch_arrow(
        "SELECT r.id, r.child_id, p.birth_date, CAST(ROUND(r.amount * 100) AS BIGINT) "
        "FROM rehab_servicerecord r JOIN registry_person p ON p.id = r.child_id "
        "WHERE r.institution_id = %s AND r.month = %s",
        [institution_id, month],
        RECORDS,
    )
    paid = fetch_arrow(
        "SELECT l.child_id, CAST(ROUND(l.payable * 100) AS BIGINT) "
        "FROM rehab_settlementline l "
        "JOIN rehab_settlement s ON s.id = l.settlement_id "
        "JOIN rehab_servicerecord r ON r.child_id = l.child_id "
        "AND r.institution_id = %s AND r.month = %s "
        "WHERE s.month >= %s AND s.month < %s",
        [institution_id, month, month.replace(month=1), dt.date(month.year + 1, 1, 1)],
        PAID,
    )
    return records, paid


def settle_lines(records: pa.Table, paid: pa.Table, month: dt.date, caps: Caps) -> pa.Table:
    """Each record's line (``LINES``): what was paid before this year, the cap of the
    child's band, and the payable amount, computed by DuckDB."""
    con = ibis.duckdb.connect()
    r = con.create_table("records", records)
    p = con.create_table("paid", paid)
    before = p.group_by("child_id").aggregate(paid_before_fen=p.payable_fen.sum())
    joined = r.left_join(before, r.child_id == before.child_id).select(
        r.record_id, r.child_id, r.birth_date, r.claimed_fen, before.paid_before_fen
    )
    birth = joined.birth_date
    not_yet_birthday = (birth.month() > month.month) | (
        (birth.month() == month.month) & (birth.day() > month.day)
    )
    age = (month.year - birth.year()) - not_yet_birthday.cast("int64")
    first, older = _fen(caps.first), _fen(caps.older)
    cap = ibis.ifelse(
        age <= caps.first_band_age_max,
        ibis.literal(first, "int64"),
        ibis.literal(older, "int64"),
    )
    paid_before = joined.paid_before_fen.fill_null(0)
    left = ibis.greatest(cap - paid_before, 0)
    lines = joined.mutate(paid_before_fen=paid_before, cap_fen=cap).mutate(
        payable_fen=ibis.ifelse(
            cap.isnull(), joined.claimed_fen, ibis.least(joined.claimed_fen, left)
        )
    )
    result = con.to_pyarrow(lines.select(*LINES.names).order_by(["child_id", "record_id"]))
    return result.cast(LINES)


def yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))
