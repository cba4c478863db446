"""Department API clients: tokens, their history, the call log, idempotent results and
the per-token rate windows.

Only a token's SHA-256 is stored: the token is 32 random bytes, so a fast hash is as good
as a slow one here (nobody can guess it to test against the hash), and it lets every call
find its token by an indexed equality. The raw token is shown once, when it is created.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxing.api.purposes import PURPOSE_CHOICES, PURPOSES, Purpose


class ApiToken(models.Model):
    name = models.CharField(_("client"), max_length=100)
    # The department account the token acts as; its role's capabilities bound the purpose.
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        verbose_name=_("department account"),
    )
    purpose = models.CharField(_("purpose"), max_length=40, choices=PURPOSE_CHOICES)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    prefix = models.CharField(_("token begins"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    rate_per_minute = models.PositiveIntegerField(_("calls per minute"), default=60)
    expires_at = models.DateTimeField(_("expires"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def spec(self) -> Purpose:
        return PURPOSES[self.purpose]

    def usable_at(self, moment: dt.datetime) -> bool:
        return self.revoked_at is None and moment < self.expires_at


class TokenEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    REVOKED = "revoked", _("Revoked")


class ApiTokenEvent(models.Model):
    """The token's history, in words, next to the audit trail's chained rows."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=10, choices=TokenEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.token_id} {self.kind}"


class Endpoint(models.TextChoices):
    """The API's operations, by the url_name each call is logged under."""

    SUBMIT_LIST = "submit_list", _("Submit a list")
    CHECK_CERTIFICATE = "check_certificate", _("Check a certificate")
    READ_FINDINGS = "read_findings", _("Read findings")


class ApiCall(models.Model):
    """One row per API call, refused ones included: who (token), why (purpose), what
    (endpoint), and how it ended. Never the payload: no ID numbers, no names."""

    token = models.ForeignKey(
        ApiToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    purpose = models.CharField(max_length=40, blank=True)
    endpoint = models.CharField(max_length=60)
    method = models.CharField(max_length=8)
    status = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=40)
    at = models.DateTimeField(db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["token", "at"], name="api_call_token_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.endpoint} {self.status}"


class IdempotentResult(models.Model):
    """The first successful answer to a (token, Idempotency-Key): a replay gets it back,
    another body under the same key is refused."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=60)
    body_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.token_id}:{self.key}"


class RateWindow(models.Model):
    """Calls a token made in one minute. In the database, so every process of every
    server counts the same calls."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "start"], name="one_rate_window_per_minute")
        ]

    def __str__(self) -> str:
        return f"{self.token_id}@{self.start}"
