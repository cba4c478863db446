"""Writing audit rows. Action functions call :func:`record`; nothing writes AuditEvent directly."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import models
from django.utils import timezone

from tongxing.core.models import AuditAction, AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.Choices):
        return value.value
    try:
        json.dumps(value)
    except TypeError:
        return str(value)
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value differs."""
    return {
        key: [_jsonable(before.get(key)), _jsonable(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record(
    actor: Any,
    action: AuditAction,
    *,
    object_type: str,
    object_id: Any = "",
    person_id: int | None = None,
    area_code: str = "",
    summary: str = "",
    changes: dict[str, Any] | None = None,
    purpose: str = "",
    source: str = "web",
) -> AuditEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=user,
        actor_role=getattr(user, "role", "")
        or ("superuser" if getattr(user, "is_superuser", False) else ""),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        person_id=person_id,
        area_code=area_code or "",
        summary=summary[:200],
        changes={k: _jsonable(v) for k, v in (changes or {}).items()},
        purpose=purpose[:200],
        source=source[:60],
    )
