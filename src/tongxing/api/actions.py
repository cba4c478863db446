"""Department API clients: creating and revoking tokens (city officers), and what a token
may do (submit a list, check a certificate). Each is one audited action."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.models import ACCOUNT_DEPARTMENT_CHOICES, User
from tongxing.accounts.roles import Capability, Role
from tongxing.api import ratelimit
from tongxing.api.errors import ApiRefused
from tongxing.api.models import (
    ApiCall,
    ApiToken,
    ApiTokenEvent,
    IdempotentResult,
    RateWindow,
    TokenEventKind,
)
from tongxing.api.purposes import PURPOSES, Operation
from tongxing.areas.models import Area
from tongxing.core import audit
from tongxing.core.idnumbers import parse_id_number
from tongxing.core.models import AuditAction
from tongxing.core.scoping import prefix_q
from tongxing.reconcile import actions as reconcile_actions
from tongxing.reconcile.kinds import KINDS
from tongxing.registry.models import CertificateStatus, Person
from tongxing.registry.queries import persons_for

TOKEN_OBJECT = "api.token"
CALL_OBJECT = "api.call"
TOKEN_PREFIX = "txk_"
DEMO_PREFIX = "txk_DEMO-ONLY"
MAX_TOKEN_DAYS = 2 * 366
MAX_RATE = 600


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def ensure_may_manage(actor: User) -> None:
    if not actor.is_authenticated or not actor.can(Capability.MANAGE_API_TOKENS):
        raise PermissionDenied(_("You may not manage API tokens."))
    if not actor.area_id:
        raise PermissionDenied(_("You may not manage API tokens."))


def create_token(
    actor: User,
    *,
    name: str,
    account: User,
    purpose: str,
    area_code: str,
    expires_on: dt.date,
    rate_per_minute: int,
    today: dt.date,
    demo_secret: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``account``; returns it with the raw token, which is not kept and
    cannot be shown again. ``demo_secret`` fixes the token for the demo's published curl
    example and is refused unless DEBUG is on (the demo's own condition)."""
    ensure_may_manage(actor)
    if demo_secret is not None and (not settings.DEBUG or not demo_secret.startswith(DEMO_PREFIX)):
        raise PermissionDenied("A fixed token is only for the demo, with DEBUG on.")
    errors: dict[str, str] = {}
    spec = PURPOSES.get(purpose)
    if spec is None:
        errors["purpose"] = _("Choose what the token is for.")
    if account.role != Role.DEPARTMENT or not account.is_active or not account.area_id:
        errors["account"] = _("Choose an active partner department account.")
    elif spec is not None and not account.can(spec.capability):
        errors["account"] = _("This account may not be given this purpose.")
    elif spec is not None and not account.department:
        errors["account"] = _(
            "This account's department is not recorded; record it before giving it a token."
        )
    elif spec is not None and not spec.allows(account.department):
        errors["purpose"] = _(
            "%(department)s may not hold this purpose; it is for: %(allowed)s."
        ) % {
            "department": account.get_department_display(),
            "allowed": "; ".join(
                str(label) for value, label in ACCOUNT_DEPARTMENT_CHOICES if spec.allows(value)
            ),
        }
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        errors["area"] = _("No area has this code.")
    elif not area_code.startswith(actor.area_id):
        errors["area"] = _("The area is outside yours.")
    elif account.area_id and not area_code.startswith(account.area_id):
        errors["area"] = _("The area is outside the department account's area.")
    if not today < expires_on <= today + dt.timedelta(days=MAX_TOKEN_DAYS):
        errors["expires_on"] = _("Choose a day after today and at most two years ahead.")
    if not 1 <= rate_per_minute <= MAX_RATE:
        errors["rate_per_minute"] = _("Between 1 and %(max)d calls a minute.") % {"max": MAX_RATE}
    if not (name or "").strip():
        errors["name"] = _("Name the client, for example the company and its system.")
    if errors:
        raise ValidationError(errors)
    raw = demo_secret or TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.make_aware(
        dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time.min)
    )
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name.strip()[:100],
            account=account,
            purpose=purpose,
            area=area,
            prefix=raw[:12],
            key_hash=hash_token(raw),
            rate_per_minute=rate_per_minute,
            expires_at=expires_at,
            created_by=actor,
        )
        # A token that will be shown names and full numbers says so in its history, as it
        # was issued, whatever the purposes later become.
        identifies = PURPOSES[purpose].identifies_persons
        ApiTokenEvent.objects.create(
            token=token,
            kind=TokenEventKind.CREATED,
            actor=actor,
            note=_("Issued to read names and full ID numbers.") if identifies else "",
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            object_type=TOKEN_OBJECT,
            object_id=token.pk,
            area_code=area_code,
            summary=(
                f"API token {token.prefix}… for {account.username}: {purpose} in {area_code}, "
                f"until {expires_on}" + (", reveals names and ID numbers" if identifies else "")
            ),
        )
    return token, raw


def revoke_token(actor: User, token: ApiToken, reason: str) -> ApiToken:
    """Stop the token at once; its calls already logged stay."""
    ensure_may_manage(actor)
    if not token.area_id.startswith(actor.area_id):
        raise PermissionDenied(_("This token belongs to another area."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the token is revoked.")})
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_("This token is already revoked."))
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.revoke_reason = reason[:200]
        locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        ApiTokenEvent.objects.create(
            token=locked, kind=TokenEventKind.REVOKED, actor=actor, note=reason[:200]
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            object_type=TOKEN_OBJECT,
            object_id=locked.pk,
            area_code=locked.area_id,
            summary=f"API token {locked.prefix}… revoked: {reason}"[:200],
            changes={"revoked": [False, True]},
        )
    return locked


def authenticate(raw: str, now: dt.datetime) -> ApiToken:
    """The usable token ``raw`` stands for, or a 401 saying why not."""
    token = (
        ApiToken.objects.select_related("account", "area")
        .filter(key_hash=hash_token(raw or ""))
        .first()
    )
    if token is None:
        raise ApiRefused(401, "invalid_token", _("The token is not known."))
    if token.revoked_at is not None:
        raise ApiRefused(401, "token_revoked", _("The token was revoked."))
    if now >= token.expires_at:
        raise ApiRefused(401, "token_expired", _("The token has expired."))
    account = token.account
    # Checked on every call, not only at issue: an account moved to another department,
    # or another area, loses what it may no longer hold.
    if (
        not account.can(token.spec.capability)
        or not token.spec.allows(account.department)
        or not token.area_id.startswith(account.area_id or "\0")
    ):
        raise ApiRefused(
            401, "account_not_allowed", _("The token's department account may not do this.")
        )
    return token


def require_operation(token: ApiToken, operation: Operation) -> None:
    if token.spec.operation != operation:
        raise ApiRefused(
            403,
            "wrong_purpose",
            _("This token is for “%(purpose)s”, not for this request.")
            % {"purpose": token.spec.label},
        )


def require_area(token: ApiToken, area_code: str) -> None:
    if not area_code.startswith(token.area_id):
        raise ApiRefused(403, "wrong_area", _("The area is outside the token's area."))


# --- list submission -------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    status: int
    message: dict[str, Any]
    replayed: bool


def _list_csv(kind: str, records: list[dict[str, str | None]]) -> bytes:
    """The records as the CSV file the page would have received, so the API and the page
    share one checker (``reconcile.lists.check_list``) and one store."""
    spec = KINDS[kind]
    by_slot = {column.slot: column for column in spec.columns}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.header for column in spec.columns])
    unknown = []
    for number, record in enumerate(records, start=1):
        row = []
        for slot in record:
            if slot not in by_slot and record[slot] not in (None, ""):
                unknown.append(
                    {
                        "loc": ["body", "records", number, slot],
                        "code": "not_in_kind",
                        "message": _("The list “%(kind)s” has no field “%(field)s”.")
                        % {"kind": kind, "field": slot},
                    }
                )
        for column in spec.columns:
            value = record.get(column.slot) or ""
            # Programs send the stored code (dibao); the checker reads the department's word.
            words = {code: word for word, code in reversed(column.choices.items())}
            row.append(words.get(value, value))
        writer.writerow(row)
    if unknown:
        raise ApiRefused(422, "not_in_kind", unknown[0]["message"], errors=unknown[:100])
    return out.getvalue().encode("utf-8")


def _body_digest(kind: str, list_date: dt.date, records: list[dict]) -> str:
    canonical = json.dumps(
        {"kind": kind, "list_date": list_date.isoformat(), "records": records},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(token: ApiToken, key: str, digest: str) -> Submission | None:
    earlier = IdempotentResult.objects.filter(token=token, key=key).first()
    if earlier is None:
        return None
    if earlier.body_sha256 != digest:
        raise ApiRefused(
            409,
            "idempotency_key_reused",
            _("This Idempotency-Key was used for a different request; use a new key."),
        )
    return Submission(earlier.status, earlier.response, replayed=True)


def _problems(kind: str, refused: reconcile_actions.ListRefused) -> list[dict[str, Any]]:
    slots = {column.header: column.slot for column in KINDS[kind].columns}
    return [
        {
            # CSV row 1 is the header, so record n is on row n + 1.
            "loc": ["body", "records", problem.row - 1, slots.get(problem.column, "")]
            if problem.row
            else ["body", "records"],
            "code": problem.code,
            "message": problem.message,
        }
        for problem in refused.checked.problems[:1000]
    ]


def submit_list(
    token: ApiToken,
    key: str,
    kind: str,
    list_date: dt.date,
    records: list[dict[str, str | None]],
    today: dt.date,
) -> Submission:
    """Store a department's list through the same check and store as the upload page.
    The first successful answer is kept under the client's key: sending the same body
    again returns it (nothing is stored twice); another body under the key is a 409."""
    require_operation(token, Operation.SUBMIT_LIST)
    if kind not in token.spec.kinds:
        raise ApiRefused(
            403,
            "wrong_purpose",
            _("This token may submit only the list “%(kind)s”.") % {"kind": token.spec.kinds[0]},
        )
    digest = _body_digest(kind, list_date, records)
    replay = _replay(token, key, digest)
    if replay is not None:
        return replay
    upload = SimpleUploadedFile(
        f"api-{token.prefix}.csv", _list_csv(kind, records), content_type="text/csv"
    )
    try:
        with transaction.atomic():
            stored = reconcile_actions.receive_list(
                token.account,
                token.area_id,
                kind,
                list_date,
                upload,
                today,
                via=f"API token {token.prefix}",
            )
            message = {
                "list_id": stored.pk,
                "kind": stored.kind,
                "list_date": stored.list_date.isoformat(),
                "area_code": stored.area_id,
                "rows": stored.rows_total,
            }
            IdempotentResult.objects.create(
                token=token,
                key=key,
                endpoint="submit_list",
                body_sha256=digest,
                status=201,
                response=message,
            )
    except reconcile_actions.ListRefused as refused:
        problems = _problems(kind, refused)
        raise ApiRefused(
            422,
            "list_refused",
            _("The list was not stored: it has %(n)d problems.")
            % {"n": len(refused.checked.problems) + refused.checked.more_problems},
            errors=problems,
        ) from None
    except ValidationError as error:
        codes = {e.code for errors in error.error_dict.values() for e in errors}
        text = "; ".join(m for messages in error.message_dict.values() for m in messages)
        if "duplicate_list" in codes:
            # A concurrent call with the same key may have stored this very list first:
            # then this one is its replay, not a conflict.
            replay = _replay(token, key, digest)
            if replay is not None:
                return replay
            raise ApiRefused(409, "duplicate_list", text) from None
        raise ApiRefused(422, "invalid", text) from None
    except IntegrityError:
        # A concurrent call with the same key (or the same list) committed first.
        replay = _replay(token, key, digest)
        if replay is not None:
            return replay
        raise ApiRefused(
            409, "duplicate_list", _("This list was already stored for this area.")
        ) from None
    return Submission(201, message, replayed=False)


# --- certificate check -----------------------------------------------------------------


def check_certificate(token: ApiToken, id_number: str, today: dt.date) -> dict[str, Any]:
    """Does the person with ``id_number`` hold a valid certificate on ``today``? The answer
    is only what the token's purpose needs. Unknown persons, persons outside the token's
    area and persons without a valid certificate get the same answer (not valid), so the
    check cannot be used to learn who is in the registry."""
    require_operation(token, Operation.CHECK_CERTIFICATE)
    try:
        number = parse_id_number(id_number, today=today).number
    except ValidationError as error:
        raise ApiRefused(
            422,
            "bad_id_number",
            " ".join(error.messages),
            errors=[{"loc": ["body", "id_number"], "code": error.code or "invalid"}],
        ) from None
    account = token.account
    person = (
        persons_for(account, Capability.CHECK_CERTIFICATES)
        .filter(prefix_q("area_id", token.area_id))
        .with_id_number(number)
        .select_related("certificate")
        .first()
    )
    source = f"api:{token.prefix}"
    if person is None:
        outside = Person.objects.with_id_number(number).values_list("pk", "area_id").first()
        if outside is not None:
            audit.record(
                account,
                AuditAction.REFUSED,
                object_type="registry.certificate",
                object_id=outside[0],
                person_id=outside[0],
                area_code=outside[1],
                summary="certificate check: person outside the token's area",
                purpose=token.purpose,
                source=source,
            )
        return {"valid": False, "checked_on": today}
    certificate = getattr(person, "certificate", None)
    valid = (
        certificate is not None
        and certificate.status == CertificateStatus.VALID
        and certificate.valid_until >= today
    )
    audit.record(
        account,
        AuditAction.VIEW,
        object_type="registry.certificate",
        object_id=person.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary=f"certificate check: {'valid' if valid else 'not valid'}",
        purpose=token.purpose,
        source=source,
    )
    answer: dict[str, Any] = {"valid": valid, "checked_on": today}
    if valid and token.spec.shows_category_grade:
        answer["category"] = certificate.category
        answer["grade"] = certificate.grade
    return answer


# --- the call log's retention ------------------------------------------------------------


def prune_api_calls(now: dt.datetime, *, batch_size: int = 5000) -> int:
    """Delete the calls older than ``TONGXING_API_CALL_RETENTION_DAYS`` before ``now``, in
    batches of ``batch_size`` (each its own transaction, so a long prune never holds a big
    lock), and write one audit row with the count. Running it again deletes nothing more
    and writes nothing: only a run that deleted calls leaves a row. If a run is stopped
    part-way, the row still records what it deleted so far; the next run deletes the rest."""
    days = settings.TONGXING_API_CALL_RETENTION_DAYS
    if days < 1:
        raise ValidationError(
            {"TONGXING_API_CALL_RETENTION_DAYS": "Keep the calls for at least one day."}
        )
    cutoff = (now - dt.timedelta(days=days)).astimezone(dt.UTC)
    old = ApiCall.objects.filter(at__lt=cutoff)
    deleted = 0
    try:
        while True:
            with transaction.atomic():
                # A range on the indexed time up to the batch's last call, rather than
                # id IN (…): the index walk stops there, and nothing is sorted or listed.
                # Calls sharing that instant go in the same batch.
                last = old.order_by("at").values_list("at", flat=True)[batch_size - 1 : batch_size]
                last_at = last[0] if last else None
                batch = old if last_at is None else old.filter(at__lte=last_at)
                count, _per_model = batch.delete()
            deleted += count
            if last_at is None:
                break
    finally:
        if deleted:
            audit.record(
                None,
                AuditAction.DELETE,
                object_type=CALL_OBJECT,
                summary=f"API calls before {cutoff:%Y-%m-%d %H:%M} UTC deleted: {deleted}",
                changes={
                    "deleted": deleted,
                    "before": cutoff,
                    "retention_days": days,
                },
                source="prune_api_calls",
            )
    return deleted


def prune_api_answers(now: dt.datetime) -> tuple[int, int]:
    """Delete the kept answers to submitted lists older than the call retention, and the
    rate windows no token can count in any more. Returns (answers, windows) deleted.

    A kept answer lets a client that sends a list again under the same Idempotency-Key
    get the first answer back instead of storing the list twice; no client retries after
    the calls themselves are gone. Each token's old windows are also deleted on its next
    call (:mod:`tongxing.api.ratelimit`), but a token that stops calling leaves its last
    hour behind. Neither holds personal data; the answers are counted in one audit row.
    """
    days = settings.TONGXING_API_CALL_RETENTION_DAYS
    if days < 1:
        raise ValidationError(
            {"TONGXING_API_CALL_RETENTION_DAYS": "Keep the calls for at least one day."}
        )
    cutoff = (now - dt.timedelta(days=days)).astimezone(dt.UTC)
    with transaction.atomic():
        answers, _per_model = IdempotentResult.objects.filter(created_at__lt=cutoff).delete()
        windows, _per_model = RateWindow.objects.filter(start__lt=now - ratelimit.KEEP).delete()
        if answers:
            audit.record(
                None,
                AuditAction.DELETE,
                object_type=CALL_OBJECT,
                summary=f"kept API answers before {cutoff:%Y-%m-%d %H:%M} UTC deleted: {answers}",
                changes={"answers_deleted": answers, "before": cutoff, "retention_days": days},
                source="prune_api_calls",
            )
    return answers, windows
