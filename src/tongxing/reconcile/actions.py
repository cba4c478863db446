"""Department lists and the worklist: every change is one of these actions, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.core import audit
from tongxing.core.bulk import BulkInserter, copy_arrow
from tongxing.core.keys import keyring
from tongxing.core.models import AuditAction
from tongxing.reconcile import engine, store
from tongxing.reconcile.kinds import KINDS
from tongxing.reconcile.lists import Checked, check_list
from tongxing.reconcile.models import (
    DepartmentList,
    DepartmentRow,
    Finding,
    FindingStatus,
    Rule,
)
from tongxing.registry.models import RESIDENT_ID

LIST_OBJECT = "reconcile.departmentlist"
FINDING_OBJECT = "reconcile.finding"
WRITE_CHUNK = 5000


class ListRefused(Exception):
    """The list was not stored; ``checked`` holds every problem found."""

    def __init__(self, checked: Checked):
        super().__init__(f"{len(checked.problems) + checked.more_problems} problems")
        self.checked = checked


def _ensure(actor: User, capability: Capability, message: str) -> None:
    if not actor.is_authenticated or not actor.can(capability) or not actor.area_id:
        raise PermissionDenied(message)


def ensure_may_upload(actor: User) -> None:
    _ensure(actor, Capability.UPLOAD_DEPARTMENT_LISTS, _("You may not upload department lists."))


def ensure_may_view_worklist(actor: User) -> None:
    _ensure(actor, Capability.VIEW_WORKLIST, _("You may not see the worklist."))


def ensure_may_close(actor: User) -> None:
    _ensure(actor, Capability.RESOLVE_FINDINGS, _("You may not close worklist items."))


def upload_list(
    actor: User, kind: str, list_date: dt.date, upload: UploadedFile, today: dt.date
) -> DepartmentList:
    """Check the file against the kind's columns and store it whole, or raise
    :class:`ListRefused` with every problem and store nothing."""
    ensure_may_upload(actor)
    return receive_list(actor, actor.area_id, kind, list_date, upload, today)


def receive_list(
    actor: User,
    area_code: str,
    kind: str,
    list_date: dt.date,
    upload: UploadedFile,
    today: dt.date,
    via: str = "",
) -> DepartmentList:
    """The checking and storing shared by :func:`upload_list` and the department API
    (``api.actions.submit_list``); each of those checks its caller's right first, and
    ``area_code`` is the area the list speaks for (the uploader's, or the API token's)."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationError({"kind": _("Choose the kind of list.")})
    if list_date > today:
        raise ValidationError({"list_date": _("The list's date cannot be in the future.")})
    if upload.size and upload.size > settings.TONGXING_IMPORT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)d MB; split it.")
                % {"mb": settings.TONGXING_IMPORT_MAX_BYTES // (1024 * 1024)}
            }
        )
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "list"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                digest.update(chunk)
                out.write(chunk)
        checked = check_list(spec, path, today)
    if not checked.accepted:
        raise ListRefused(checked)
    sha256 = digest.hexdigest()
    earlier = DepartmentList.objects.filter(area_id=area_code, kind=kind, sha256=sha256).first()
    if earlier is not None:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("This file was already uploaded on %(day)s as the list of %(date)s.")
                    % {
                        "day": f"{timezone.localtime(earlier.uploaded_at):%Y-%m-%d}",
                        "date": earlier.list_date,
                    },
                    code="duplicate_list",
                )
            }
        )
    with transaction.atomic():
        stored = DepartmentList.objects.create(
            kind=kind,
            department=spec.department,
            list_date=list_date,
            area_id=area_code,
            uploaded_by=actor,
            original_name=(upload.name or "")[:200],
            sha256=sha256,
            size=upload.size or 0,
            rows_total=len(checked.rows),
        )
        # The blind indexes are computed once, here, for both the table and the list's
        # columnar file (see ``store``).
        ring = keyring()
        indexes = [ring.blind_index(row["id_number"], context=RESIDENT_ID) for row in checked.rows]
        inserter = BulkInserter(
            DepartmentRow,
            (
                "department_list",
                "row",
                "id_number",
                "id_number_index",
                "name",
                "event_date",
                "status",
                "amount",
                "reference",
            ),
            timezone.now(),
        )
        values = [
            (
                stored.pk,
                row["row"],
                row["id_number"],
                index,
                row.get("name", ""),
                row.get("event_date"),
                row.get("status", ""),
                row.get("amount"),
                row.get("reference", ""),
            )
            for row, index in zip(checked.rows, indexes, strict=True)
        ]
        for start in range(0, len(values), WRITE_CHUNK):
            inserter.insert(values[start : start + WRITE_CHUNK])
        store.write_rows(
            stored,
            pa.table(
                {
                    "list_id": pa.array([stored.pk] * len(indexes), pa.int64()),
                    "id_index": pa.array(indexes, pa.string()),
                    "event_date": pa.array(
                        [row.get("event_date") for row in checked.rows], pa.date32()
                    ),
                    "status": pa.array(
                        [row.get("status", "") for row in checked.rows], pa.string()
                    ),
                }
            ),
            ring.active_version,
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            object_type=LIST_OBJECT,
            object_id=stored.pk,
            area_code=stored.area_id,
            summary=(
                f"{kind} of {list_date}: {stored.rows_total} rows, sha256 {sha256[:16]}"
                + (f" via {via}" if via else "")
            ),
            source=stored.source,
        )
    return stored


EVIDENCE = ("event_date", "months", "first_month", "last_month", "detail")


def _evidence_json(found: pa.Table) -> pa.Array:
    """Each finding's evidence as JSON text, the keys whose value is null left out, as
    ``json.dumps`` writes it. A column holds few distinct values (a list's date, a count
    of months), so each distinct value is encoded once and the texts are put together in
    Arrow: at 100,000 findings, a dict and an encode per row took most of a second."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    pairs = []
    for key in EVIDENCE:
        column = found[key].combine_chunks()
        if pa.types.is_date(column.type):
            column = column.cast(pa.string())
        distinct = column.dictionary_encode()
        texts = pa.array(
            [f"{dumps(key)}: {dumps(value)}, " for value in distinct.dictionary.to_pylist()],
            pa.string(),
        )
        pairs.append(pc.fill_null(texts.take(distinct.indices), ""))
    # Not null_handling="skip": in pyarrow 26 it dropped the rows whose values were all
    # null. No JSON value ends in a comma or a space, so trimming them takes off the last
    # separator alone.
    body = pc.utf8_rtrim(pc.binary_join_element_wise(*pairs, ""), characters=", ")
    return pc.binary_join_element_wise("{", body, "}", "")


def write_findings(found: pa.Table, now: dt.datetime) -> int:
    """Insert the engine's findings as open worklist items, in bulk: on PostgreSQL one
    COPY of the Arrow table, elsewhere through :class:`BulkInserter`."""
    if not found.num_rows:
        return 0
    evidence = _evidence_json(found)
    yuan = pa.array(
        [
            None if fen is None else Decimal(fen).scaleb(-2)
            for fen in found["amount_fen"].to_pylist()
        ],
        pa.decimal128(14, 2),
    )
    if connection.vendor == "postgresql":
        count = found.num_rows
        copy_arrow(
            Finding._meta.db_table,
            pa.table(
                {
                    "rule": found["rule"],
                    "person_id": found["person_id"],
                    "area_id": found["area_id"],
                    "department_list_id": found["list_id"],
                    "evidence": evidence,
                    "amount": yuan,
                    "found_at": pa.array([now] * count, pa.timestamp("us", tz="UTC")),
                    "status": pa.array([FindingStatus.OPEN.value] * count),
                    "close_reason": pa.array([""] * count),
                }
            ),
        )
        return count
    inserter = BulkInserter(
        Finding,
        (
            "rule",
            "person",
            "area",
            "department_list",
            "evidence",
            "amount",
            "found_at",
            "status",
            "closed_at",
        ),
        now,
    )
    rows = list(
        zip(
            found["rule"].to_pylist(),
            found["person_id"].to_pylist(),
            found["area_id"].to_pylist(),
            found["list_id"].to_pylist(),
            [json.loads(text) for text in evidence.to_pylist()],
            yuan.to_pylist(),
            [now] * found.num_rows,
            [FindingStatus.OPEN.value] * found.num_rows,
            [None] * found.num_rows,
            strict=True,
        )
    )
    for start in range(0, len(rows), WRITE_CHUNK):
        inserter.insert(rows[start : start + WRITE_CHUNK])
    return len(rows)


def run_reconciliation(actor: User, on: dt.date) -> dict[str, int]:
    """Compare the registry under the actor's area with the latest lists on ``on`` and add
    what is new to the worklist. Findings already open are not added again."""
    _ensure(actor, Capability.RUN_RECONCILIATION, _("You may not run the reconciliation."))
    found = engine.find(engine.read_inputs(actor.area_id), on)
    counts = {rule.value: 0 for rule in Rule}
    for rule in found["rule"].to_pylist():
        counts[rule] += 1
    now = timezone.now()
    with transaction.atomic():
        written = write_findings(found, now)
        audit.record(
            actor,
            AuditAction.CREATE,
            object_type=FINDING_OBJECT,
            area_code=actor.area_id,
            summary=(
                f"reconciliation on {on}: {written} new findings "
                + ", ".join(f"{k} {v}" for k, v in counts.items() if v)
            )[:200],
            source="reconciliation",
        )
    return counts


def close_finding(actor: User, finding: Finding, status: str, reason: str) -> Finding:
    """Close an open finding as fixed or not applicable, with the reason, in the history."""
    ensure_may_close(actor)
    if not finding.area_id.startswith(actor.area_id):
        raise PermissionDenied(_("This worklist item belongs to another area."))
    if status not in (FindingStatus.RESOLVED, FindingStatus.DISMISSED):
        raise ValidationError({"status": _("Choose fixed or not applicable.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what was done or why it does not apply.")})
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        if locked.status != FindingStatus.OPEN:
            raise ValidationError(_("This worklist item is already closed."))
        locked.status = status
        locked.closed_by = actor
        locked.closed_at = timezone.now()
        locked.close_reason = reason
        locked.save(update_fields=["status", "closed_by", "closed_at", "close_reason"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            object_type=FINDING_OBJECT,
            object_id=locked.pk,
            person_id=locked.person_id,
            area_code=locked.area_id,
            summary=f"{locked.rule} {status}: {reason}"[:200],
            changes={"status": [FindingStatus.OPEN.value, status]},
        )
    return locked
