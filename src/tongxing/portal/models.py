"""Who a citizen account acts for, and how it signs in.

A citizen account (``Role.CITIZEN``) has no area: what it may see is exactly the persons
it is linked to, each link recording why (the person themselves, or their guardian), who
checked that and when. Links are ended, never deleted, so the history of who could act
for a person stays readable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxing.core.fields import BlindIndexField, EncryptedTextField

CITIZEN_PHONE = "citizen_phone"  # blind-index context of the sign-in phone number


class ActingAs(models.TextChoices):
    SELF = "self", _("The person themselves")
    PARENT_OF_CHILD = "parent_of_child", _("Parent or guardian of a child")
    GUARDIAN = "guardian", _("Guardian of a person with an intellectual or mental disability")


class CitizenLink(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("citizen account"),
        on_delete=models.PROTECT,
        related_name="citizen_links",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="citizen_links",
    )
    acting_as = models.CharField(_("acts as"), max_length=20, choices=ActingAs.choices)
    # The relation in the family's own words, e.g. 母亲 (mother); blank for SELF.
    relation = models.CharField(_("relation to the person"), max_length=20, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("checked at"))
    # Which identity check confirmed the account holder (portal/identity.py), and its note.
    verification_method = models.CharField(_("identity check"), max_length=40)
    verification_note = models.CharField(_("identity check note"), max_length=200, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("citizen link")
        verbose_name_plural = _("citizen links")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "person"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_link_per_person",
                violation_error_message=_("This account already acts for this person."),
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(ended_at__isnull=True, acting_as="self"),
                name="one_self_link_per_account",
                violation_error_message=_("This account is already linked to its holder."),
            ),
        ]
        indexes = [models.Index(fields=["person"], name="citizenlink_person")]

    def __str__(self) -> str:
        return f"{self.user} → {self.person_id} ({self.acting_as})"


class CitizenPhone(models.Model):
    """The mobile number a citizen signs in with, encrypted, found through its blind index."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("citizen account"),
        on_delete=models.CASCADE,
        related_name="citizen_phone",
    )
    phone = EncryptedTextField(_("mobile phone"), context="portal.citizen_phone.phone")
    phone_index = BlindIndexField(source="phone", context=CITIZEN_PHONE, unique=True)

    class Meta:
        verbose_name = _("citizen sign-in phone")
        verbose_name_plural = _("citizen sign-in phones")

    def __str__(self) -> str:
        return f"{self.user} (sign-in phone)"


class ServiceRating(models.Model):
    """A citizen's rating of a service once its application ended (好差评): 1 to 5 stars
    and a comment, one per application. The service type, facility and area are copied
    from the application so the county's page groups ratings without joining it."""

    application = models.OneToOneField(
        "services.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="rating",
    )
    stars = models.PositiveSmallIntegerField(_("stars"))
    comment = models.TextField(_("comment"), blank=True)
    service_type = models.ForeignKey(
        "services.ServiceType",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    facility = models.ForeignKey(
        "services.Facility",
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    rated_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("service rating")
        verbose_name_plural = _("service ratings")
        ordering = ["-rated_at", "-id"]
        indexes = [models.Index(fields=["area", "service_type"], name="rating_area_service")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5),
                name="rating_stars_1_to_5",
                violation_error_message=_("A rating is 1 to 5 stars."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.stars}"
