"""Model fields that keep identifiers encrypted at rest (SM4-GCM) and searchable by an
HMAC-SM3 blind index, while the ORM and every caller see plaintext.

Masked display decrypts in the view rather than storing a clear prefix and suffix: the
first 6 and last 4 characters plus the birth date (kept in clear for age filters) would
give back the whole ID number, so a stored "masked" copy would be plaintext in disguise.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import FieldError
from django.db import models

from tongxing.core.crypto import FIELD_TOKEN_PREFIX, DecryptionError
from tongxing.core.keys import keyring

logger = logging.getLogger(__name__)


class Undecryptable(str):
    """A stored value that failed to decrypt: shown as a marker, saved back unchanged.

    A corrupted value or a missing key version must not crash a whole list or job; the
    record stays readable apart from this field, and ``check_encryption`` names the record.
    """

    token: str
    reason: str

    def __new__(cls, token: str, reason: str) -> Undecryptable:
        value = super().__new__(cls, "⚠")
        value.token = token
        value.reason = reason
        return value


class EncryptedTextField(models.TextField):
    """Text stored as an SM4-GCM token bound to ``context`` (the AAD)."""

    def __init__(self, *args: Any, context: str, **kwargs: Any) -> None:
        self.context = context
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["context"] = self.context
        return name, path, args, kwargs

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Undecryptable):
            return value.token
        return keyring().encrypt(str(value), context=self.context)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value:
            return value
        try:
            return keyring().decrypt(value, context=self.context)
        except DecryptionError as error:
            logger.error("cannot decrypt %s: %s", self.context, error)
            return Undecryptable(value, str(error))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in ("isnull", "encrypted_under", "blank"):
            raise FieldError(
                f"{self.context} is encrypted: search it through its blind index, "
                f"not with '{lookup_name}'."
            )
        return super().get_lookup(lookup_name)


class BlindIndexField(models.CharField):
    """HMAC-SM3 of another field's plaintext, computed whenever the row is written
    (``save`` and ``bulk_create`` both call ``pre_save``)."""

    def __init__(self, *args: Any, source: str, context: str, **kwargs: Any) -> None:
        self.source = source
        self.context = context
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["context"] = self.context
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = getattr(model_instance, self.source)
        if isinstance(value, Undecryptable):
            return getattr(model_instance, self.attname)
        index = keyring().blind_index(value or "", context=self.context)
        setattr(model_instance, self.attname, index)
        return index


def index_values(value: str, context: str) -> list[str]:
    """Every index ``value`` may be stored under (one per key version held)."""
    return keyring().blind_indexes(value, context=context)


class EncryptedUnder(models.Lookup):
    """``field__encrypted_under=version``: rows whose token is under that key version.

    The token's plain ``sm4g1:<version>:`` prefix makes this a LIKE on the column, which
    is how key rotation finds the rows it still has to re-encrypt.
    """

    lookup_name = "encrypted_under"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:
        return ("%s", [f"{FIELD_TOKEN_PREFIX}:{int(value)}:%"])

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


class IsBlank(models.Lookup):
    """``field__blank=True``: the empty string, which is stored as itself, not encrypted."""

    lookup_name = "blank"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        operator = "=" if self.rhs else "<>"
        return f"{lhs} {operator} ''", lhs_params


EncryptedTextField.register_lookup(EncryptedUnder)
EncryptedTextField.register_lookup(IsBlank)


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def index_fields(model: type[models.Model]) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]


def refresh_indexes(instance: models.Model) -> None:
    """Recompute the blind indexes in place (``bulk_update`` does not call ``pre_save``)."""
    for field in index_fields(type(instance)):
        field.pre_save(instance, add=False)
