"""Ranking job seekers for a post, with the reasons, as one Ibis expression over the
seekers of the area (persons whose status on the day is "seeking work").

Points, chosen to put place and fit first (an assumption to tune with the officers):
lives inside the post's area 3, same township 2, same county 1; disability category
among those the post names 3; an accessibility feature that meets the disability 2
(vision: screen-reader work; hearing: sign language; physical: step-free, 1 more for
sitting work); the post's title in the person's wishes 2, in their abilities 2. A public
welfare post gives disabled persons priority (the plan, 三(三)): holding a certificate adds 4,
more than any other single reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.utils.translation import gettext as _

from tongxing.core.arrowio import fetch_arrow
from tongxing.employment.models import Accessibility, JobPost, PostKind, WorkStatus

VISION, HEARING, PHYSICAL = 1, 2, 4

SEEKERS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("area", pa.string()),
        ("category", pa.int64()),
        ("wishes", pa.string()),
        ("abilities", pa.string()),
        ("status", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
    ]
)
_SEEKERS_SQL = """
SELECT p.id, p.area_id, c.category, COALESCE(j.wishes, ''), COALESCE(j.abilities, ''),
       s.status, s.start_date, s.end_date
FROM registry_person p
JOIN employment_employmentstatus s ON s.person_id = p.id
LEFT JOIN registry_disabilitycertificate c ON c.person_id = p.id
LEFT JOIN employment_jobseekerprofile j ON j.person_id = p.id
WHERE p.area_id LIKE %s AND p.status = 'active' AND s.status = %s
"""


def ranked(seekers: ir.Table, post: JobPost, day: dt.date, limit: int = 20) -> ir.Table:
    s = seekers.filter(
        (seekers.start_date <= day) & (seekers.end_date.isnull() | (seekers.end_date >= day))
    )
    area = post.area_id
    place = ibis.cases(
        (s.area.startswith(area), 3),
        (s.area.substr(0, 9) == area[:9], 2),
        (s.area.substr(0, 6) == area[:6], 1),
        else_=0,
    )
    category = (
        ibis.ifelse(s.category.isin(post.suitable_categories), 3, 0)
        if post.suitable_categories
        else ibis.literal(0)
    )
    features = set(post.accessibility)
    access = (
        ibis.ifelse(
            (s.category == VISION) & ibis.literal(Accessibility.SCREEN_READER in features), 2, 0
        )
        + ibis.ifelse(
            (s.category == HEARING) & ibis.literal(Accessibility.SIGN_LANGUAGE in features), 2, 0
        )
        + ibis.ifelse(
            (s.category == PHYSICAL) & ibis.literal(Accessibility.STEP_FREE in features), 2, 0
        )
        + ibis.ifelse(
            (s.category == PHYSICAL) & ibis.literal(Accessibility.SITTING in features), 1, 0
        )
    )
    title = post.title.strip()
    wish = ibis.ifelse(s.wishes.contains(title), 2, 0) if title else ibis.literal(0)
    ability = ibis.ifelse(s.abilities.contains(title), 2, 0) if title else ibis.literal(0)
    priority = (
        ibis.ifelse(s.category.notnull(), 4, 0)
        if post.kind == PostKind.WELFARE
        else ibis.literal(0)
    )
    scored = s.select(
        person_id=s.person_id,
        category=s.category,
        place=place,
        category_points=category,
        access=access,
        wish=wish,
        ability=ability,
        priority=priority,
    )
    scored = scored.mutate(
        score=scored.place
        + scored.category_points
        + scored.access
        + scored.wish
        + scored.ability
        + scored.priority
    )
    return scored.order_by([ibis.desc("score"), "person_id"]).limit(limit)


@dataclass
class Candidate:
    person_id: int
    score: int
    reasons: list[str]


def _reasons(row: dict) -> list[str]:
    reasons = []
    if row["priority"]:
        reasons.append(_("priority for a disabled person (public welfare post)"))
    if row["place"]:
        reasons.append(
            {
                3: _("lives in the post's area"),
                2: _("lives in the same township"),
                1: _("lives in the same county"),
            }[row["place"]]
        )
    if row["category_points"]:
        reasons.append(_("the post suits their kind of disability"))
    if row["access"]:
        reasons.append(_("the workplace is accessible for their disability"))
    if row["wish"]:
        reasons.append(_("wishes for this kind of work"))
    if row["ability"]:
        reasons.append(_("has the skills for it"))
    return reasons


def candidates(post: JobPost, area_code: str, day: dt.date, limit: int = 20) -> list[Candidate]:
    """The best ``limit`` seekers living in ``area_code`` (the officer's scope) for ``post``."""
    table = fetch_arrow(_SEEKERS_SQL, [f"{area_code}%", WorkStatus.SEEKING.value], SEEKERS)
    rows = ibis.duckdb.connect().to_pyarrow(ranked(ibis.memtable(table), post, day, limit))
    return [Candidate(r["person_id"], r["score"], _reasons(r)) for r in rows.to_pylist()]
