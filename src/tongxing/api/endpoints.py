"""The department API (django-ninja): OpenAPI 3 at /api/openapi.json, browsable at
/api/docs. Views are thin: authenticate and count the call, parse, call the action,
answer in the envelope. Every call, refused or not, is logged in ``ApiCall``."""

from __future__ import annotations

import datetime as dt
import functools
import time
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import ConfigDict

from tongxing.api import actions, queries, ratelimit
from tongxing.api.errors import (
    OUTCOME_HEADER,
    ApiRefused,
    header,
    json_response,
    refusal_response,
)
from tongxing.api.models import ApiCall, ApiToken, Endpoint
from tongxing.api.purposes import PURPOSES
from tongxing.core.masking import mask_id_number
from tongxing.reconcile.kinds import KINDS
from tongxing.reconcile.models import Finding

# Bodies past this are refused (413) before they are read; a list of ~10,000 records fits.
MAX_BODY_BYTES = 2 * 1024 * 1024


def max_body_bytes() -> int:
    return getattr(settings, "TONGXING_API_MAX_BYTES", MAX_BODY_BYTES)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        now = timezone.now()
        found = actions.authenticate(token, now)
        # Remembered before the rate check, so a refused call is still logged as the token's.
        request.api_token = found  # type: ignore[attr-defined]
        wait = ratelimit.take(found, now)
        if wait is not None:
            raise ApiRefused(
                429,
                "rate_limited",
                _("Too many calls: at most %(n)d a minute for this token.")
                % {"n": found.rate_per_minute},
                headers={"Retry-After": str(wait)},
            )
        return found


api = NinjaAPI(
    title="Tongxing department API",
    version="1.0.0",
    description=(
        "For partner departments of the Disabled Persons' Federation. Each token is bound to "
        "one department account, one purpose and one area, and is rate limited. Answers use "
        "a DCI-like envelope: header (message_id, message_ts, action, status succ/rjct, "
        "status_reason_code) and message, or errors."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=TokenAuth(),
)


def logged(run):
    """Refuse oversize bodies before anything reads them, and log every call."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        started = time.monotonic()
        now = timezone.now()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        try:
            if length > max_body_bytes():
                response = refusal_response(
                    ApiRefused(
                        413,
                        "payload_too_large",
                        _("The body is larger than %(kb)d KB; send the list in parts.")
                        % {"kb": max_body_bytes() // 1024},
                    )
                )
            else:
                response = run(request, *args, **kwargs)
        except Exception:
            _log(request, now, started, 500)
            raise
        outcome = response.get(OUTCOME_HEADER)
        if outcome is not None:
            del response[OUTCOME_HEADER]
        _log(request, now, started, response.status_code, outcome)
        return response

    return wrapper


def _log(
    request: HttpRequest, now: dt.datetime, started: float, status: int, outcome: str | None = None
) -> None:
    token = getattr(request, "api_token", None)
    match = request.resolver_match
    ApiCall.objects.create(
        token=token,
        purpose=token.purpose if token else "",
        endpoint=(match.url_name if match else request.path)[:60],
        method=request.method or "",
        status=status,
        outcome=(outcome or ("ok" if status < 400 else f"http_{status}"))[:40],
        at=now,
        duration_ms=int((time.monotonic() - started) * 1000),
    )


api.add_decorator(logged, mode="view")


def _refused(request: HttpRequest, refused: ApiRefused) -> HttpResponse:
    return refusal_response(refused)


@api.exception_handler(ApiRefused)
def on_refused(request: HttpRequest, exc: ApiRefused) -> HttpResponse:
    return _refused(request, exc)


@api.exception_handler(NinjaValidationError)
def on_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"loc": list(error.get("loc", ())), "code": error.get("type", ""), "message": error["msg"]}
        for error in exc.errors[:100]
    ]
    return _refused(
        request,
        ApiRefused(422, "invalid", _("The request does not match the schema."), errors=errors),
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _refused(
        request,
        ApiRefused(401, "unauthorized", _("Send the token as: Authorization: Bearer <token>.")),
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = "malformed_json" if exc.status_code == 400 else f"http_{exc.status_code}"
    message = _("The body is not valid JSON.") if exc.status_code == 400 else str(exc)
    return _refused(request, ApiRefused(exc.status_code, code, message))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _refused(request, ApiRefused(404, "not_found", _("Not found.")))


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _refused(request, ApiRefused(403, "forbidden", str(exc) or _("Not allowed.")))


# --- schemas ---------------------------------------------------------------------------


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ResponseHeader(Schema):
    version: str
    message_id: str
    message_ts: dt.datetime
    action: str
    status: Literal["succ", "rjct"]
    status_reason_code: str | None = None
    status_reason_message: str | None = None


class ErrorItem(Schema):
    loc: list[str | int]
    code: str
    message: str | None = None


class Refusal(Schema):
    header: ResponseHeader
    errors: list[ErrorItem]


KindKey = Literal[tuple(KINDS)]  # type: ignore[valid-type]


class Record(Strict):
    """One person on the list. Which fields a kind uses is in the list kinds' columns;
    status may be the department's word (低保) or its code (dibao)."""

    id_number: str = Field(min_length=1, max_length=40)
    name: str | None = Field(None, max_length=50)
    event_date: dt.date | None = None
    status: str | None = Field(None, max_length=20)
    amount: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    reference: str | None = Field(None, max_length=100)


class ListIn(Strict):
    kind: KindKey
    list_date: dt.date
    records: list[Record] = Field(min_length=1, max_length=20_000)


class ListStored(Schema):
    list_id: int
    kind: str
    list_date: dt.date
    area_code: str
    rows: int


class ListOut(Schema):
    header: ResponseHeader
    message: ListStored


class CertificateQuery(Strict):
    id_number: str = Field(
        pattern=r"^[0-9]{17}[0-9X]$", description="The 18-character resident ID number."
    )
    reference_id: str | None = Field(
        None, max_length=64, description="Your own reference, echoed back; not stored."
    )


class CertificateAnswer(Schema):
    reference_id: str | None = None
    valid: bool
    checked_on: dt.date
    category: int | None = Field(None, description="Only for purposes that need it.")
    grade: int | None = Field(None, description="Only for purposes that need it.")


class CertificateOut(Schema):
    header: ResponseHeader
    message: CertificateAnswer


IDENTIFYING = [purpose.key for purpose in PURPOSES.values() if purpose.identifies_persons]


class FindingItem(Schema):
    id: int
    rule: str
    status: str
    area_code: str
    id_number_masked: str
    id_number: str | None = Field(
        None,
        description="The full 18-character ID number. Only for purposes whose department "
        f"must act on the person ({', '.join(IDENTIFYING)}); absent for the others. Each "
        "person so revealed is recorded in the audit trail with the purpose.",
    )
    name: str | None = Field(
        None,
        description="The person's name, on the same terms as id_number.",
    )
    found_at: dt.datetime
    closed_at: dt.datetime | None = None
    list_id: int | None = None
    list_date: dt.date | None = None
    event_date: dt.date | None = None


class Pagination(Schema):
    page_number: int
    page_size: int
    total_count: int


class FindingsMessage(Schema):
    pagination: Pagination
    findings: list[FindingItem]


class FindingsOut(Schema):
    header: ResponseHeader
    message: FindingsMessage


REFUSALS = {401: Refusal, 403: Refusal, 413: Refusal, 422: Refusal, 429: Refusal}


# --- endpoints -------------------------------------------------------------------------


@api.post(
    "/v1/lists",
    response={201: ListOut, 400: Refusal, 409: Refusal, **REFUSALS},
    url_name=Endpoint.SUBMIT_LIST,
    summary="Submit a department list",
)
def submit_list(
    request: HttpRequest,
    payload: ListIn,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=100,
            pattern=r"^[A-Za-z0-9._:-]+$",
            description="Your key for this submission: a replay with the same body "
            "returns the first answer; another body under the same key is a 409.",
        ),
    ],
) -> Any:
    """Checked and stored exactly like an upload on the department lists page: whole, or
    not at all with every problem listed."""
    submission = actions.submit_list(
        request.auth,
        idempotency_key,
        payload.kind,
        payload.list_date,
        [record.model_dump(mode="json", exclude_none=True) for record in payload.records],
        timezone.localdate(),
    )
    body = {"header": header("on-submit-list"), "message": submission.message}
    response = json_response(body, submission.status)
    if submission.replayed:
        response["Idempotent-Replayed"] = "true"
        response[OUTCOME_HEADER] = "replayed"
    return response


@api.post(
    "/v1/certificates/check",
    response={200: CertificateOut, 400: Refusal, **REFUSALS},
    url_name=Endpoint.CHECK_CERTIFICATE,
    summary="Check a disability certificate",
    exclude_none=True,  # what the purpose does not show is absent, not null
)
def check_certificate(request: HttpRequest, payload: CertificateQuery) -> Any:
    """Is there a valid certificate for this ID number in the token's area today? Only
    what the token's purpose needs comes back: never a name or a full number."""
    answer = actions.check_certificate(request.auth, payload.id_number, timezone.localdate())
    return {
        "header": header("on-check-certificate"),
        "message": {"reference_id": payload.reference_id, **answer},
    }


@api.get(
    "/v1/findings",
    response={200: FindingsOut, **REFUSALS},
    url_name=Endpoint.READ_FINDINGS,
    summary="Read findings for the token's purpose",
    exclude_unset=True,  # id_number and name are absent, not null, where not shown
)
def read_findings(
    request: HttpRequest,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 50,
    area: Annotated[str | None, Query(pattern=r"^[0-9]{4,12}$")] = None,
    status: Annotated[Literal["open", "resolved", "dismissed"] | None, Query()] = None,
) -> Any:
    """The reconciliation's findings in the token's area (or a part of it) that the
    token's purpose covers, newest first. ID numbers are masked, except for purposes
    whose department must act on each person (pension and school enrolment): their
    findings also carry the full ID number and the name, and every person so revealed is
    recorded in the audit trail with the token's purpose."""
    token: ApiToken = request.auth
    found = queries.findings_for_token(token, area).order_by("-found_at", "-id")
    if status:
        found = found.filter(status=status)
    total = found.count()
    start = (page - 1) * page_size
    rows = list(found.select_related("person", "department_list")[start : start + page_size])
    identifies = token.spec.identifies_persons
    queries.log_findings_read(token, rows, area)
    return {
        "header": header("on-search-findings"),
        "message": {
            "pagination": {"page_number": page, "page_size": page_size, "total_count": total},
            "findings": [_finding(row, identifies) for row in rows],
        },
    }


def _finding(row: Finding, identifies: bool) -> dict[str, Any]:
    listed = row.department_list
    person = row.person
    item = {
        "id": row.pk,
        "rule": row.rule,
        "status": row.status,
        "area_code": row.area_id,
        "id_number_masked": mask_id_number(person.id_number),
        "found_at": row.found_at,
        "closed_at": row.closed_at,
        "list_id": listed.pk if listed else None,
        "list_date": listed.list_date if listed else None,
        "event_date": (row.evidence or {}).get("event_date"),
    }
    if identifies:
        item |= {"id_number": person.id_number, "name": person.name}
    return item
