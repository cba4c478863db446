"""Registry imports: upload, check (dry run) and apply, each one named action.

Checking and applying are plain functions that take a ``progress(done, total, message)``
callback, called only outside a transaction, so the same functions run in a request
today and as background jobs once the job runner lands. Applying re-checks the file
against the registry as it is then, so a person registered meanwhile is not duplicated.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.core import audit
from tongxing.core.bulk import BulkInserter, gc_paused
from tongxing.core.models import AuditAction
from tongxing.exchange.models import ApplyMode, ImportBatch, ImportProblem, ImportState
from tongxing.exchange.reading import FileRejected, read_sheet
from tongxing.exchange.validation import (
    Outcome,
    Progress,
    RowChecks,
    Validator,
    file_problem,
    pack_checks,
    unpack_checks,
)
from tongxing.registry import actions as registry_actions

OBJECT_TYPE = "exchange.importbatch"


def _no_progress(done: int, total: int, message: str) -> None:
    return None


def ensure_may_import(actor: User, batch: ImportBatch | None = None) -> None:
    if not actor.is_authenticated or not actor.can(Capability.IMPORT_REGISTRY) or not actor.area_id:
        raise PermissionDenied(_("You may not import into the registry."))
    if batch is not None and not batch.area_id.startswith(actor.area_id):
        raise PermissionDenied(_("This import belongs to another area."))


def stored_path(batch: ImportBatch) -> Path:
    return Path(settings.TONGXING_IMPORT_DIR) / batch.stored_name


def upload_import(actor: User, upload: UploadedFile) -> ImportBatch:
    """Keep the file (outside the web root, named by us, not by the uploader) and its
    SHA-256; the batch starts as uploaded."""
    ensure_may_import(actor)
    if upload.size and upload.size > settings.TONGXING_IMPORT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)d MB; split it.")
                % {"mb": settings.TONGXING_IMPORT_MAX_BYTES // (1024 * 1024)}
            }
        )
    directory = Path(settings.TONGXING_IMPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{timezone.now():%Y%m%d}-{uuid.uuid4().hex}"
    digest = hashlib.sha256()
    size = 0
    with (directory / name).open("wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            created_by=actor,
            area_id=actor.area_id,
            original_name=(upload.name or "")[:200],
            stored_name=name,
            sha256=digest.hexdigest(),
            size=size,
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            object_type=OBJECT_TYPE,
            object_id=batch.pk,
            area_code=batch.area_id,
            summary=f"uploaded {size} bytes, sha256 {batch.sha256[:16]}",
            source=batch.source,
        )
    return batch


def _row_checks(actor: User, batch: ImportBatch, progress: Progress) -> tuple[Validator, RowChecks]:
    """The stored file read and checked row by row, before any registry look-up."""
    validator = Validator(actor, timezone.localdate(), progress)
    progress(0, 1, _("Reading the file"))
    try:
        sheet = read_sheet(stored_path(batch))
    except FileRejected as rejected:
        return validator, RowChecks([file_problem(rejected.code, rejected.message)], 0, [])
    batch.file_format, batch.encoding = sheet.file_format, sheet.encoding
    return validator, validator.check_sheet(sheet)


def check_file(actor: User, batch: ImportBatch, progress: Progress | None = None) -> Outcome:
    """Read and check the stored file for ``actor``; writes nothing."""
    with gc_paused():
        validator, checks = _row_checks(actor, batch, progress or _no_progress)
        return validator.finish(checks)


def checks_path(batch: ImportBatch) -> Path:
    return stored_path(batch).with_name(f"{batch.stored_name}.checked")


def _keep_checks(batch: ImportBatch, checks: RowChecks, key: str) -> str:
    """Keep the dry run's row checks beside the file; returns their SHA-256 ("" if none).

    Applying a million rows would otherwise check every one of them again, a quarter of
    the import's time; the apply still checks every row against the registry as it is
    then. The file holds what the uploaded file holds, in the same folder.
    """
    if not checks.candidates:
        return ""
    data = pack_checks(checks, key)
    checks_path(batch).write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _kept_checks(batch: ImportBatch, validator: Validator) -> RowChecks | None:
    """The dry run's row checks, if kept, unaltered and made under the same code, day,
    area, areas and language; otherwise None, and the file is checked again."""
    if not batch.checked_digest:
        return None
    try:
        data = checks_path(batch).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != batch.checked_digest:
        return None
    return unpack_checks(data, validator.checks_key(), validator.villages)


def _forget_checks(batch: ImportBatch) -> None:
    checks_path(batch).unlink(missing_ok=True)
    batch.checked_digest = ""


def _save_report(batch: ImportBatch, outcome: Outcome) -> None:
    batch.problems.all().delete()
    inserter = BulkInserter(
        ImportProblem, ("batch", "row", "column", "value", "code", "message"), timezone.now()
    )
    rows = [
        (batch.pk, p.row, p.column[:60], p.value[:200], p.code, p.message[:500])
        for p in outcome.problems
    ]
    for start in range(0, len(rows), 5000):
        inserter.insert(rows[start : start + 5000])
    batch.rows_total = outcome.rows_total
    batch.rows_invalid = len(outcome.bad_rows)
    batch.file_problems = len(outcome.file_problems)
    batch.rows_new = len(outcome.new)
    batch.rows_changed = len(outcome.changes)
    batch.rows_unchanged = outcome.unchanged


def validate_import(
    actor: User, batch: ImportBatch, progress: Progress | None = None
) -> ImportBatch:
    """The dry run: check every row and keep the report; nothing in the registry changes."""
    ensure_may_import(actor, batch)
    if batch.state not in (ImportState.UPLOADED, ImportState.VALIDATED):
        raise ValidationError(_("This import has already been applied or has failed."))
    with gc_paused():  # a million rows of long-lived objects: see gc_paused
        validator, checks = _row_checks(actor, batch, progress or _no_progress)
        outcome = validator.finish(checks)
        batch.checked_digest = _keep_checks(batch, checks, validator.checks_key())
        del checks
    with transaction.atomic():
        _save_report(batch, outcome)
        batch.state = ImportState.VALIDATED
        batch.validated_at = timezone.now()
        batch.save()
        audit.record(
            actor,
            AuditAction.UPDATE,
            object_type=OBJECT_TYPE,
            object_id=batch.pk,
            area_code=batch.area_id,
            summary=(
                f"checked: {batch.rows_total} rows, {batch.rows_invalid} with problems, "
                f"{batch.file_problems} file problems"
            ),
            source=batch.source,
        )
    return batch


def apply_import(
    actor: User,
    batch: ImportBatch,
    mode: str = ApplyMode.ALL_OR_NOTHING,
    progress: Progress | None = None,
) -> ImportBatch:
    """Write the checked rows: all of them or none (the default), or only the valid ones.

    The file is checked again first, against the registry as it is now. Every person is
    written in one transaction; if anything fails, nothing is written and the batch is
    marked failed with the reason.
    """
    progress = progress or _no_progress
    ensure_may_import(actor, batch)
    if batch.state != ImportState.VALIDATED:
        raise ValidationError(_("Only a checked import that is not yet applied can be applied."))
    mode = ApplyMode(mode)
    with gc_paused():
        validator = Validator(actor, timezone.localdate(), progress)
        checks = _kept_checks(batch, validator)
        if checks is None:
            validator, checks = _row_checks(actor, batch, progress)
        outcome = validator.finish(checks)
        del checks
    if outcome.file_problems or (mode == ApplyMode.ALL_OR_NOTHING and outcome.bad_rows):
        with transaction.atomic():
            _save_report(batch, outcome)
            batch.save()
        raise ValidationError(
            _(
                "Nothing was imported: %(rows)d rows have problems. Fix them and upload the "
                "file again, or apply only the rows without problems."
            )
            % {"rows": len(outcome.bad_rows)}
            if not outcome.file_problems
            else _("Nothing was imported: the file itself has problems.")
        )
    if not outcome.new and not outcome.changes and not outcome.unchanged:
        raise ValidationError(_("No row can be imported."))
    total = len(outcome.new) + len(outcome.changes)
    progress(0, total, _("Writing to the registry"))
    try:
        with gc_paused(), transaction.atomic():
            created, updated = registry_actions.import_persons(
                actor, outcome.new, outcome.changes, source=batch.source
            )
            _save_report(batch, outcome)
            batch.state = ImportState.APPLIED
            batch.apply_mode = mode
            batch.applied_by = actor
            batch.applied_at = timezone.now()
            batch.created_count, batch.updated_count = created, updated
            _forget_checks(batch)
            batch.save()
            audit.record(
                actor,
                AuditAction.UPDATE,
                object_type=OBJECT_TYPE,
                object_id=batch.pk,
                area_code=batch.area_id,
                summary=(
                    f"applied ({mode.value}): {created} registered, {updated} updated, "
                    f"{outcome.unchanged} unchanged, {len(outcome.bad_rows)} rows rejected"
                ),
                source=batch.source,
            )
    except (PermissionDenied, ValidationError):
        raise
    except Exception as error:
        _forget_checks(batch)
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=ImportState.FAILED,
            failure=f"{type(error).__name__}: {error}"[:500],
            checked_digest="",
        )
        batch.refresh_from_db()
        raise
    progress(total, total, _("Done"))
    return batch
