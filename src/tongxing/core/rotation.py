"""Data-key rotation: a new active key, then every encrypted value re-encrypted and
re-indexed in batches.

Resumable by construction: the work list is "rows whose token is not under the active
version", read afresh on every run, and each batch commits on its own. A run killed
half-way leaves some rows under the old key, which the app still reads (the keyring holds
both versions); running ``rotate_keys`` again finishes them. A value is always decrypted
to plaintext and encrypted once, so nothing can be encrypted twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q

from tongxing.core.crypto import new_data_key, wrap_data_key
from tongxing.core.fields import encrypted_fields, index_fields, refresh_indexes
from tongxing.core.keys import keyring, master_key, reset_keyring
from tongxing.core.models import DataKeyRecord


@dataclass
class RotationReport:
    active_version: int
    started_new_version: bool
    rows_done: int
    rows_left: int


def encrypted_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if encrypted_fields(m)]


def _stale(model: type[models.Model], active: int) -> models.QuerySet:
    """Rows holding at least one non-empty value under another key version."""
    condition = Q()
    for field in encrypted_fields(model):
        under_active = Q(**{f"{field.name}__encrypted_under": active})
        empty = Q(**{f"{field.name}__isnull": True}) | Q(**{f"{field.name}__blank": True})
        condition |= ~(under_active | empty)
    return model._default_manager.filter(condition)


def rows_left() -> int:
    active = keyring().active_version
    return sum(_stale(m, active).count() for m in encrypted_models())


@transaction.atomic
def start_new_version() -> int:
    current = DataKeyRecord.objects.select_for_update().order_by("-version").first()
    version = (current.version if current else 0) + 1
    DataKeyRecord.objects.filter(active=True).update(active=False)
    DataKeyRecord.objects.create(
        version=version, wrapped=wrap_data_key(master_key(), new_data_key(version)), active=True
    )
    reset_keyring()
    return version


def rotate(
    *,
    batch_size: int = 1000,
    max_batches: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RotationReport:
    """Start a rotation if none is under way, then re-encrypt up to ``max_batches``."""
    reset_keyring()
    started = False
    if rows_left() == 0:
        start_new_version()
        started = True
    active = keyring().active_version
    total = rows_left()
    done = 0
    batches = 0
    for model in encrypted_models():
        fields = encrypted_fields(model)
        names = [f.name for f in (*fields, *index_fields(model))]
        while max_batches is None or batches < max_batches:
            with transaction.atomic():
                batch = list(_stale(model, active).select_for_update().order_by("pk")[:batch_size])
                if not batch:
                    break
                for row in batch:
                    refresh_indexes(row)
                # get_prep_value encrypts every value under the active key on the way out.
                model._default_manager.bulk_update(batch, names, batch_size=batch_size)
            done += len(batch)
            batches += 1
            if progress:
                progress(done, total)
    return RotationReport(active, started, done, rows_left())
