"""Refusals of the department API and the envelope they are answered in.

Answers follow the DCI registry envelope where it fits a synchronous call: a ``header``
with ``message_id``, ``message_ts``, ``action``, ``status`` (``succ`` or ``rjct``) and a
reason code and message, then the ``message`` (or ``errors`` on a refusal).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone

VERSION = "1.0.0"
# Tells the call log how a call ended; removed before the answer leaves.
OUTCOME_HEADER = "X-Tongxing-Outcome"


class ApiRefused(Exception):
    """A clear 4xx: ``code`` is stable for programs, ``message`` is for people."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or []
        self.headers = headers or {}


def header(action: str, *, code: str | None = None, message: str | None = None) -> dict:
    return {
        "version": VERSION,
        "message_id": str(uuid.uuid4()),
        "message_ts": timezone.now(),
        "action": action,
        "status": "rjct" if code else "succ",
        "status_reason_code": code,
        "status_reason_message": message,
    }


def json_response(body: dict, status: int, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def refusal_response(refused: ApiRefused, action: str = "refused") -> HttpResponse:
    body = {
        "header": header(action, code=refused.code, message=refused.message),
        "errors": refused.errors,
    }
    response = json_response(body, refused.status, refused.headers)
    response[OUTCOME_HEADER] = refused.code
    return response
