"""The columns the risk rules read, as Arrow tables for one scope (an area, or the persons
of one explanation), read with the same SQL either way."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from tongxing.benefits.inputs import Scope
from tongxing.core.arrowio import fetch_arrow_many, left_join
from tongxing.registry.models import CertificateStatus, HouseholdStatusKind, Relation

PERSONS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("area_id", pa.string()),
        ("household_id", pa.int64()),
        ("status", pa.string()),
        ("date_of_death", pa.date32()),
        ("grade", pa.int64()),  # of a valid certificate; null without one
    ]
)
PERSONS_READ = pa.schema([field for field in PERSONS if field.name != "grade"])
CERTIFICATES = pa.schema([("person_id", pa.int64()), ("grade", pa.int64())])
HEADS_DIED = pa.schema([("household_id", pa.int64()), ("date_of_death", pa.date32())])
SURVEYS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("year", pa.int64()),
        ("income_fen", pa.int64()),
        ("has_caregiver", pa.int64()),  # 1 yes, 0 no, null not answered
    ]
)
CIRCUMSTANCES = pa.schema(
    [
        ("person_id", pa.int64()),
        ("kind", pa.string()),
        ("occurred_on", pa.date32()),
        ("amount_fen", pa.int64()),
    ]
)
EMPLOYMENT = pa.schema(
    [
        ("person_id", pa.int64()),
        ("status", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
    ]
)
DIBAO = pa.schema(
    [
        ("status_id", pa.int64()),
        ("household_id", pa.int64()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
    ]
)


@dataclass(frozen=True)
class Inputs:
    persons: pa.Table
    heads_died: pa.Table
    surveys: pa.Table
    circumstances: pa.Table
    employment: pa.Table
    dibao: pa.Table

    @property
    def tables(self) -> dict[str, pa.Table]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def input_queries(scope: Scope) -> dict[str, tuple[str, list, pa.Schema]]:
    """The SELECTs the rules read for ``scope`` (also what the benchmark times bare)."""
    where, params = scope.where()
    of_persons = f"JOIN registry_person p ON p.id = {{}}.person_id WHERE {where}"
    return {
        # Persons and their valid certificates apart, read concurrently and joined here
        # (see ``read_inputs``): the server's join of a million rows spilled to disk.
        "persons": (
            "SELECT p.id, p.area_id, p.household_id, p.status, p.date_of_death "  # noqa: S608
            f"FROM registry_person p WHERE {where}",
            params,
            PERSONS_READ,
        ),
        "certificates": (
            "SELECT c.person_id, c.grade FROM registry_disabilitycertificate c "  # noqa: S608
            f"JOIN registry_person p ON p.id = c.person_id WHERE c.status = %s AND {where}",
            [CertificateStatus.VALID.value, *params],
            CERTIFICATES,
        ),
        # The heads of the scope's households who have died: the breadwinner rule.
        "heads_died": (
            "SELECT DISTINCT h.household_id, h.date_of_death FROM registry_person h "  # noqa: S608
            "JOIN registry_person p ON p.household_id = h.household_id "
            f"WHERE h.relation_to_head = %s AND h.date_of_death IS NOT NULL AND {where}",
            [Relation.HEAD.value, *params],
            HEADS_DIED,
        ),
        "surveys": (
            "SELECT s.person_id, s.year, CAST(ROUND(s.household_income * 100) AS BIGINT), "  # noqa: S608
            "CAST(s.has_caregiver AS INTEGER) FROM monitoring_surveyfacts s "
            + of_persons.format("s"),
            params,
            SURVEYS,
        ),
        "circumstances": (
            "SELECT c.person_id, c.kind, c.occurred_on, CAST(ROUND(c.amount * 100) AS BIGINT) "
            "FROM monitoring_circumstance c " + of_persons.format("c"),
            params,
            CIRCUMSTANCES,
        ),
        "employment": (
            "SELECT e.person_id, e.status, e.start_date, e.end_date "
            "FROM employment_employmentstatus e " + of_persons.format("e"),
            params,
            EMPLOYMENT,
        ),
        "dibao": (
            "SELECT DISTINCT s.id, s.household_id, s.start_date, s.end_date "  # noqa: S608
            "FROM registry_householdstatus s JOIN registry_person p "
            f"ON p.household_id = s.household_id WHERE s.kind = %s AND {where}",
            [HouseholdStatusKind.DIBAO.value, *params],
            DIBAO,
        ),
    }


def read_inputs(scope: Scope) -> Inputs:
    tables = fetch_arrow_many(input_queries(scope))
    certificates = tables.pop("certificates")
    tables["persons"] = left_join(tables["persons"], certificates, "person_id", PERSONS)
    return Inputs(**tables)
