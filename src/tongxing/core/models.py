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

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"
