"""The registry columns the benefit rules read, as Arrow tables for one scope.

A scope is an area (a county's payroll, the whole city in a benchmark) or a few persons
(one person's explanation). Both read the same columns with the same SQL, so an
explanation is computed from exactly what the payroll computes from.

Certificate history comes from the life events: each event's ``details`` holds the
values before and after, so "the grade on 1 March" is the value before the first change
after 1 March, or the current grade if nothing changed since. The database takes those
values out of the JSON (PostgreSQL's jsonb operators, SQLite's JSON functions): no
event's JSON text reaches Python, which decoded it one event at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection
from django.utils import timezone

from tongxing.core.arrowio import fetch_arrow_many, left_join

CERTIFICATE_FIELDS = ("status", "category", "grade", "issue_date", "valid_until")
CERT_PREFIX = "certificate."
# The claims a person can be paid from (an ended one still pays up to its end).
PAYABLE_CLAIMS = "('approved', 'ended')"
# The SQL type each field's earlier value is read as (its JSON holds numbers and text).
_CERTIFICATE_FIELD_TYPES = {
    "status": None,
    "category": "BIGINT",
    "grade": "BIGINT",
    "issue_date": "DATE",
    "valid_until": "DATE",
}

PERSONS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("village", pa.string()),
        ("birth_date", pa.date32()),
        ("status", pa.string()),
        ("date_of_death", pa.date32()),
        ("household_id", pa.int64()),
    ]
)
CERTIFICATES = pa.schema(
    [
        ("person_id", pa.int64()),
        ("category", pa.int64()),
        ("multiple_detail", pa.string()),
        ("grade", pa.int64()),
        ("status", pa.string()),
        ("issue_date", pa.date32()),
        ("valid_until", pa.date32()),
    ]
)
# The persons with their certificate's columns beside (null without one; the certificate
# is one to one): read in one query, so that no one joins the two again, and what the
# facts read as ``persons``. The certificate's status is ``cert_status``.
CERTIFIED_PERSONS = pa.schema(
    [
        *PERSONS,
        *(
            field.with_name("cert_status") if field.name == "status" else field
            for field in CERTIFICATES
            if field.name != "person_id"
        ),
    ]
)
# The certificate's columns as CERTIFIED_PERSONS names them, in CERTIFICATES' order.
_CERTIFICATE_COLUMNS = ["person_id", *CERTIFIED_PERSONS.names[len(PERSONS) :]]
CERTIFICATE_HISTORY = pa.schema(
    [
        ("person_id", pa.int64()),
        ("effective_date", pa.date32()),
        ("status_before", pa.string()),
        ("category_before", pa.int64()),
        ("grade_before", pa.int64()),
        ("issue_date_before", pa.date32()),
        ("valid_until_before", pa.date32()),
    ]
)
EVENTS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("kind", pa.string()),
        ("effective_date", pa.date32()),
        ("changes_certificate", pa.bool_()),
        *(field for field in CERTIFICATE_HISTORY if field.name.endswith("_before")),
    ]
)
MOVES_OUT = pa.schema([("person_id", pa.int64()), ("moved_out_on", pa.date32())])
HOUSEHOLD_STATUSES = pa.schema(
    [
        ("household_id", pa.int64()),
        ("kind", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
    ]
)
FACTS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("kind", pa.string()),
        ("amount_fen", pa.int64()),
        ("level", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
    ]
)
CLAIMS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("benefit", pa.string()),
        ("start_month", pa.date32()),
        ("ended_on", pa.date32()),
    ]
)


@dataclass(frozen=True)
class Scope:
    """Whom to read: everyone registered under an area code, or the given persons; or of
    those only the claimants, the persons with an approved or ended claim (the payroll
    pays no one else, so it need not read anyone else)."""

    area_prefix: str | None = None
    person_ids: tuple[int, ...] = ()
    claimants_only: bool = False

    @classmethod
    def area(cls, code: str, *, claimants_only: bool = False) -> Scope:
        return cls(area_prefix=code, claimants_only=claimants_only)

    @classmethod
    def persons(cls, ids: Iterable[int]) -> Scope:
        return cls(person_ids=tuple(sorted(set(ids))))

    def where(self, alias: str = "p") -> tuple[str, list]:
        """A condition on ``registry_person`` (aliased) and its parameters."""
        if self.area_prefix is not None:
            return f"{alias}.area_id LIKE %s", [self.area_prefix + "%"]
        if not self.person_ids:
            return "1 = 0", []
        marks = ", ".join(["%s"] * len(self.person_ids))
        return f"{alias}.id IN ({marks})", list(self.person_ids)

    def join(self, alias: str = "p") -> str:
        """What to join to ``registry_person`` (aliased) to keep the claimants alone, if
        only they count."""
        if not self.claimants_only:
            return ""
        return (
            "JOIN (SELECT DISTINCT b.person_id FROM benefits_benefitclaim b "  # noqa: S608
            f"WHERE b.status IN {PAYABLE_CLAIMS}) k ON k.person_id = {alias}.id"
        )


@dataclass(frozen=True)
class Inputs:
    """The rules' input tables. ``certificates`` is one to one with the persons: as read,
    it has a row for each person in the persons' order, all null but the id for a person
    without a certificate (the same facts as no row)."""

    persons: pa.Table
    certificates: pa.Table
    certificate_history: pa.Table
    moves_out: pa.Table
    household_statuses: pa.Table
    facts: pa.Table
    claims: pa.Table

    @property
    def tables(self) -> dict[str, pa.Table]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def certified_persons(self) -> pa.Table:
        """The persons with their certificate's columns, as :data:`CERTIFIED_PERSONS`.

        As read, the certificates are row for row the persons' (and stay so through
        :meth:`only` and :meth:`in_chunks`, which cut both alike): the columns are put side
        by side without a join or a copy. Otherwise (tables built by hand) they are joined."""
        persons, certificates = self.persons, self.certificates
        if persons.num_rows == certificates.num_rows and persons["person_id"].equals(
            certificates["person_id"]
        ):
            columns = [*persons.columns, *certificates.columns[1:]]
            return pa.table(columns, schema=CERTIFIED_PERSONS)
        return left_join(
            persons,
            certificates.rename_columns(_CERTIFICATE_COLUMNS),
            "person_id",
            CERTIFIED_PERSONS,
        )

    def only(self, person_ids: pa.Array | list[int]) -> Inputs:
        """The rows of the given persons alone, with their households' statuses."""
        wanted = (
            person_ids.cast(pa.int64())
            if isinstance(person_ids, pa.Array)
            else pa.array(person_ids, pa.int64())
        )
        return self._where(lambda column: pc.is_in(column, wanted))

    def in_chunks(self, persons: int) -> Iterator[Inputs]:
        """The inputs cut into consecutive person-id ranges of at most ``persons`` persons
        each. Every rule decides a person from that person's rows and household alone, so
        the chunks' decisions together are the whole population's, in bounded memory."""
        ids = pc.sort_indices(self.persons["person_id"])
        ordered = pc.take(self.persons["person_id"], ids)
        for start in range(0, len(ordered), persons):
            low = ordered[start].as_py()
            end = start + persons
            if end >= len(ordered):
                yield self._where(lambda column, low=low: pc.greater_equal(column, low))
            else:
                high = ordered[end].as_py()
                yield self._where(
                    lambda column, low=low, high=high: pc.and_(
                        pc.greater_equal(column, low), pc.less(column, high)
                    )
                )

    def _where(self, keep: Callable[[pa.ChunkedArray], pa.ChunkedArray]) -> Inputs:
        persons = self.persons.filter(keep(self.persons["person_id"]))
        # A household may have members on both sides of a cut: each side gets its statuses.
        households = pc.unique(persons["household_id"].drop_null())
        statuses = self.household_statuses
        tables = {
            name: table.filter(keep(table["person_id"]))
            for name, table in self.tables.items()
            if name not in ("persons", "household_statuses")
        }
        return Inputs(
            persons=persons,
            household_statuses=statuses.filter(pc.is_in(statuses["household_id"], households)),
            **tables,
        )


RAW_CLAIMS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("benefit", pa.string()),
        ("applied_on", pa.date32()),
        ("decided_at", pa.timestamp("us", tz="UTC")),
        ("ended_on", pa.date32()),
    ]
)


def _earlier_value(field: str) -> tuple[str, str]:
    """SQL for whether a life event changed a certificate field, and for the value the
    field had before, from the event's ``details`` (``{"certificate.grade": [before,
    after], ...}``)."""
    key = CERT_PREFIX + field
    if connection.vendor == "postgresql":
        pair = f"e.details -> '{key}'"
        changed = (
            f"CASE WHEN jsonb_typeof({pair}) = 'array' "
            f"THEN jsonb_array_length({pair}) = 2 ELSE FALSE END"
        )
        value = f"{pair} ->> 0"
        if _CERTIFICATE_FIELD_TYPES[field]:
            value = f"CAST({value} AS {_CERTIFICATE_FIELD_TYPES[field]})"
        return changed, value
    # SQLite's JSON numbers come out as integers and dates as ISO text, which the read
    # converts to the schema's types.
    path = f'$."{key}"'
    changed = (
        f"(json_type(e.details, '{path}') = 'array' AND json_array_length(e.details, '{path}') = 2)"
    )
    return changed, f"json_extract(e.details, '{path}[0]')"


def _certificate_history_columns() -> tuple[str, str]:
    """The earlier values as select-list SQL, and the condition that the event changed
    the certificate at all."""
    pairs = [_earlier_value(name) for name in CERTIFICATE_FIELDS]
    values = ", ".join(f"CASE WHEN {changed} THEN {value} END" for changed, value in pairs)
    return values, " OR ".join(changed for changed, _ in pairs)


def input_queries(scope: Scope) -> dict[str, tuple[str, list, pa.Schema]]:
    """The SELECTs that read the rules' input columns for ``scope``, by table name (also
    what ``benchmarks/payroll.py`` times bare, as the I/O floor)."""
    where, params = scope.where()
    persons = f"registry_person p {scope.join()} WHERE {where}"
    of_persons = f"JOIN registry_person p ON p.id = {{}}.person_id {scope.join()} WHERE {where}"
    # A payable claim's person is a claimant: the claims need no join to the claimants.
    of_anyone = f"JOIN registry_person p ON p.id = {{}}.person_id WHERE {where}"
    before, changes_certificate = _certificate_history_columns()
    return {
        "persons": (
            # With the certificate, one to one: see CERTIFIED_PERSONS.
            "SELECT p.id, p.area_id, p.birth_date, p.status, p.date_of_death, p.household_id, "  # noqa: S608
            "c.category, c.multiple_detail, c.grade, c.status, c.issue_date, c.valid_until "
            "FROM registry_person p "
            f"LEFT JOIN registry_disabilitycertificate c ON c.person_id = p.id {scope.join()} "
            f"WHERE {where}",
            params,
            CERTIFIED_PERSONS,
        ),
        "events": (
            # The events that changed the certificate, and moves out of the region.
            "SELECT e.person_id, e.kind, e.effective_date, "  # noqa: S608
            f"COALESCE({changes_certificate}, FALSE), "
            f"{before} FROM registry_lifeevent e "
            + of_persons.format("e")
            + f" AND ((e.kind <> 'move' AND ({changes_certificate})) OR e.kind = 'move_out')",
            params,
            EVENTS,
        ),
        "household_statuses": (
            # Each household once, however many of its members are in scope.
            "SELECT s.household_id, s.kind, s.start_date, s.end_date "  # noqa: S608
            "FROM registry_householdstatus s JOIN (SELECT DISTINCT p.household_id "
            f"FROM {persons}) h ON h.household_id = s.household_id",
            params,
            HOUSEHOLD_STATUSES,
        ),
        "facts": (
            "SELECT f.person_id, f.kind, CAST(ROUND(f.amount * 100) AS BIGINT), f.level, "  # noqa: S608
            "f.start_date, f.end_date FROM registry_personfact f " + of_persons.format("f"),
            params,
            FACTS,
        ),
        "claims": (
            "SELECT c.person_id, c.benefit, c.applied_on, c.decided_at, c.ended_on "
            "FROM benefits_benefitclaim c "
            + of_anyone.format("c")
            + f" AND c.status IN {PAYABLE_CLAIMS}",
            params,
            RAW_CLAIMS,
        ),
    }


def read_inputs(scope: Scope, *, pay_from_application_month: bool = True) -> Inputs:
    """Everything the rules need for the persons in ``scope``, as of now."""
    return inputs_from(fetch_arrow_many(input_queries(scope)), pay_from_application_month)


def inputs_from(raw: dict[str, pa.Table], pay_from_application_month: bool) -> Inputs:
    """The rules' inputs from the tables :func:`input_queries` fetched (a caller may fetch
    them together with its own independent queries)."""
    persons = raw["persons"]
    return Inputs(
        persons=persons.select(PERSONS.names),
        certificates=persons.select(_CERTIFICATE_COLUMNS).rename_columns(CERTIFICATES.names),
        certificate_history=_certificate_history(raw["events"]),
        moves_out=_moves_out(raw["events"]),
        household_statuses=raw["household_statuses"],
        facts=raw["facts"],
        # The month a claim starts paying: the application month, or the decision month
        # where the parameter says so.
        claims=_claims(raw["claims"], pay_from_application_month),
    )


def _certificate_history(events: pa.Table) -> pa.Table:
    """One row per event that changed the certificate, with the values it replaced."""
    return events.filter(events["changes_certificate"]).select(CERTIFICATE_HISTORY.names)


def _moves_out(events: pa.Table) -> pa.Table:
    moves = events.filter(pc.equal(events["kind"], "move_out"))
    latest = moves.group_by("person_id").aggregate([("effective_date", "max")]).sort_by("person_id")
    return pa.table(
        {"person_id": latest["person_id"], "moved_out_on": latest["effective_date_max"]},
        schema=MOVES_OUT,
    )


def _local_dates(stamps: pa.ChunkedArray) -> pa.ChunkedArray:
    """The local (Asia/Shanghai) date of each decision time: a decision at 00:30 on the 1st
    belongs to that month, though it is still the previous day in UTC."""
    zone = timezone.get_current_timezone_name()
    return pc.local_timestamp(stamps.cast(pa.timestamp("us", tz=zone))).cast(pa.date32())


def _claims(raw: pa.Table, from_application: bool) -> pa.Table:
    start = (
        raw["applied_on"]
        if from_application
        else pc.fill_null(_local_dates(raw["decided_at"]), raw["applied_on"])
    )
    return pa.table(
        {
            "person_id": raw["person_id"],
            "benefit": raw["benefit"],
            "start_month": pc.floor_temporal(start, unit="month"),
            "ended_on": raw["ended_on"],
        },
        schema=CLAIMS,
    )
