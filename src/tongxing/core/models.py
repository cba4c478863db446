from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxing.core.lookups import PATTERN_OPS


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
    area_code = models.CharField(_("area"), max_length=12, blank=True)
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
        indexes = [
            models.Index(fields=["action", "at"]),
            # Read by area prefix only: the pattern index alone (see registry.Person).
            models.Index(fields=["area_code"], name="audit_area_prefix", opclasses=[PATTERN_OPS]),
        ]

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


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")
    INTERRUPTED = "interrupted", _("Interrupted")


class Job(models.Model):
    """One run of a background job (payroll, import, ...): what the job page shows.

    Written only by :mod:`tongxing.core.jobs`. A worker killed mid-run leaves ``status``
    at ``running``; the heartbeat going stale is what shows the job as interrupted.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=60)
    label = models.CharField(_("job"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    done = models.PositiveBigIntegerField(_("done"), default=0)
    total = models.PositiveBigIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # True when ``error`` is a JobError's text, written for the user; otherwise it is for
    # the operator only and the page shows a generic sentence.
    error_for_user = models.BooleanField(default=False)
    # The language of the person who started the job, so its messages come out in it.
    language = models.CharField(max_length=10, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    # Set on the new job when a failed or interrupted one is started again.
    rerun_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="rerun"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"
