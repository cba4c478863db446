"""The app's keyring: the master key from the environment or key file, data keys from the
database (wrapped), loaded once per process.

Without a master key the app refuses to start (``CoreConfig.ready``); it never falls back
to storing plaintext.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from tongxing.core.crypto import (
    CryptoError,
    KeyConfigurationError,
    Keyring,
    load_master_key,
    new_data_key,
    wrap_data_key,
)

_lock = threading.Lock()
_master: bytes | None = None
_keyring: Keyring | None = None


def master_key() -> bytes:
    global _master
    if _master is None:
        try:
            _master = load_master_key(
                env=os.environ, key_file=Path(settings.TONGXING_MASTER_KEY_FILE)
            )
        except KeyConfigurationError as error:
            raise ImproperlyConfigured(str(error)) from None
    return _master


def keyring() -> Keyring:
    """The process-wide keyring; created with data key version 1 on a fresh database."""
    global _keyring
    if _keyring is None:
        with _lock:
            if _keyring is None:
                _keyring = _load_keyring()
    return _keyring


def reset_keyring() -> None:
    """Forget the cached keyring (after a rotation step, or between tests)."""
    global _keyring, _master
    _keyring = None
    _master = None


def _load_keyring() -> Keyring:
    from tongxing.core.models import DataKeyRecord

    records = list(DataKeyRecord.objects.all())
    if not records:
        with transaction.atomic():
            key = new_data_key(1)
            DataKeyRecord.objects.get_or_create(
                version=1, defaults={"wrapped": wrap_data_key(master_key(), key), "active": True}
            )
        records = list(DataKeyRecord.objects.all())
    active = [r.version for r in records if r.active]
    if len(active) != 1:
        raise ImproperlyConfigured("Exactly one data key must be active.")
    try:
        return Keyring.from_wrapped(master_key(), [r.wrapped for r in records], active[0])
    except CryptoError as error:
        raise ImproperlyConfigured(str(error)) from None
