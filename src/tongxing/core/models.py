from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    LIFE_EVENT = "life_event", _("Life event recorded")
    VIEW = "view", _("Viewed")
    REVEAL = "reveal", _("Full number revealed")
    EXPORT = "export", _("Exported")
    REFUSED = "refused", _("Access refused")


class AuditEvent(models.Model):
    """One append-only row per change or sensitive read: the audit trail and the history.

    Written by the action functions inside the same transaction as the change they
    describe, so a change without its row (or a row without its change) cannot exist.
    ``changes`` holds ``{field: [before, after]}``; identifiers in it are masked.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField(_("role"), max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=AuditAction.choices)
    object_type = models.CharField(_("record type"), max_length=40)
    object_id = models.CharField(_("record"), max_length=40, blank=True)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True, db_index=True)
    area_code = models.CharField(_("area"), max_length=12, blank=True, db_index=True)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    # HMAC-SM3 chain: each row's hash covers its content and the previous row's hash.
    prev_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class DataKeyRecord(models.Model):
    """A data-key version, wrapped (SM4-GCM) under the master key, which never lives here.

    The active version encrypts new values; every version held decrypts, which is what
    lets ``rotate_keys`` re-encrypt in batches while the app keeps running.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    wrapped = models.CharField(_("wrapped key"), max_length=200)
    active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["version"]
        verbose_name = _("data key")
        verbose_name_plural = _("data keys")
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="one_active_data_key"
            )
        ]

    def __str__(self) -> str:
        return f"data key v{self.version}{' (active)' if self.active else ''}"


class AuditChainHead(models.Model):
    """The end of the audit chain: one row, locked by every writer, so concurrent writers
    chain one after the other and a deleted tail is noticed."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain head at {self.last_id}"
