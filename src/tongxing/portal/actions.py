"""Every change the portal makes, one named function per event (checked, changed,
recorded in history and the audit log in one transaction)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability, Role
from tongxing.core import audit
from tongxing.core.fields import index_values
from tongxing.core.models import AuditAction
from tongxing.portal.backends import normalise_phone
from tongxing.portal.identity import identity_check
from tongxing.portal.models import (
    CITIZEN_PHONE,
    ActingAs,
    CitizenLink,
    CitizenPhone,
    ServiceRating,
)
from tongxing.registry.actions import ensure_allowed
from tongxing.registry.models import Category, Person, PersonStatus
from tongxing.rehab.models import Placement, RehabCase, ServiceRecord
from tongxing.services.models import Application, ApplicationStatus
from tongxing.services.scoping import get_application_for_user

ADULT_AGE = 18  # 民法典 第十七条: a person of 18 or over is an adult
# Guardianship of an adult arises from a lack of capacity (民法典 第二十八条), which the
# portal takes as an intellectual or mental disability on the certificate.
GUARDIANSHIP_CATEGORIES = {Category.INTELLECTUAL, Category.MENTAL}
COMMENT_MAX = 1000


def _needs_guardian(person: Person) -> bool:
    certificate = getattr(person, "certificate", None)
    if certificate is None:
        return False
    kinds = {certificate.category, *certificate.multiple_kinds}
    return bool(kinds & GUARDIANSHIP_CATEGORIES)


def _check_relation(person: Person, acting_as: str, relation: str) -> None:
    if acting_as not in ActingAs.values:
        raise ValidationError({"acting_as": _("Choose how the account holder acts.")})
    if acting_as == ActingAs.SELF:
        return
    if not relation.strip():
        raise ValidationError(
            {"relation": _("Say how the guardian is related to the person, e.g. mother.")}
        )
    if acting_as == ActingAs.PARENT_OF_CHILD:
        if person.age_on(timezone.localdate()) >= ADULT_AGE:
            raise ValidationError(
                {"acting_as": _("The person is an adult: a parent acts for a child only.")}
            )
    elif not _needs_guardian(person):
        raise ValidationError(
            {
                "acting_as": _(
                    "The person's certificate shows no intellectual or mental disability: "
                    "an adult acts for themselves."
                )
            }
        )


def _set_phone(account: User, phone: str) -> None:
    number = normalise_phone(phone)
    if not number:
        raise ValidationError({"phone": _("Enter an 11-digit mobile number starting with 1.")})
    taken = (
        CitizenPhone.objects.filter(phone_index__in=index_values(number, CITIZEN_PHONE))
        .exclude(user=account)
        .exists()
    )
    if taken:
        raise ValidationError({"phone": _("This number already signs in another account.")})
    CitizenPhone.objects.update_or_create(user=account, defaults={"phone": number})


@transaction.atomic
def link_citizen(
    actor: User,
    account: User,
    person: Person,
    acting_as: str,
    *,
    relation: str = "",
    phone: str = "",
) -> CitizenLink:
    """Let ``account`` act for ``person`` in the portal, as checked by ``actor``.

    ``phone`` (optional) becomes the number the account signs in with. The configured
    identity check (portal/identity.py) must confirm the holder.
    """
    ensure_allowed(
        actor,
        Capability.LINK_CITIZENS,
        person.area_id,
        _("You may link accounts only to persons in your area."),
    )
    if account.role != Role.CITIZEN:
        raise ValidationError({"account": _("Only a citizen account can be linked to persons.")})
    if person.status != PersonStatus.ACTIVE:
        raise ValidationError({"person": _("The person is no longer living in the region.")})
    _check_relation(person, acting_as, relation)
    if CitizenLink.objects.filter(user=account, person=person, ended_at__isnull=True).exists():
        raise ValidationError({"person": _("This account already acts for this person.")})
    if (
        acting_as == ActingAs.SELF
        and CitizenLink.objects.filter(
            user=account, acting_as=ActingAs.SELF, ended_at__isnull=True
        ).exists()
    ):
        raise ValidationError({"acting_as": _("This account is already linked to its holder.")})
    result = identity_check().confirm(account, person, acting_as)
    if not result.confirmed:
        raise ValidationError(
            _("The identity check did not confirm the account holder: %(why)s")
            % {"why": result.note}
        )
    if phone:
        _set_phone(account, phone)
    try:
        with transaction.atomic():
            link = CitizenLink.objects.create(
                user=account,
                person=person,
                acting_as=acting_as,
                relation="" if acting_as == ActingAs.SELF else relation.strip(),
                verified_by=actor,
                verified_at=timezone.now(),
                verification_method=result.method,
                verification_note=result.note[:200],
            )
    except IntegrityError:  # a concurrent double submit
        raise ValidationError({"person": _("This account already acts for this person.")}) from None
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type="portal.citizenlink",
        object_id=link.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary=f"citizen account {account.pk} acts as {acting_as}",
        changes={"acting_as": [None, acting_as], "method": [None, result.method]},
    )
    return link


@transaction.atomic
def end_citizen_link(actor: User, link: CitizenLink) -> CitizenLink:
    """Stop ``link``'s account acting for its person (guardianship ended, wrong person)."""
    link = CitizenLink.objects.select_for_update().select_related("person").get(pk=link.pk)
    ensure_allowed(
        actor,
        Capability.LINK_CITIZENS,
        link.person.area_id,
        _("You may end links only for persons in your area."),
    )
    if link.ended_at is not None:
        raise ValidationError(_("This link has already ended."))
    link.ended_at = timezone.now()
    link.ended_by = actor
    link.save(update_fields=["ended_at", "ended_by"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        object_type="portal.citizenlink",
        object_id=link.pk,
        person_id=link.person_id,
        area_code=link.person.area_id,
        summary="citizen link ended",
        changes={"ended_at": [None, link.ended_at]},
    )
    return link


# The application has ended with a result (not withdrawn by the applicant).
RATEABLE_STATUSES = (ApplicationStatus.COMPLETED, ApplicationStatus.REFUSED)


def not_yet_rateable(application: Application) -> str | None:
    """Why ``application`` cannot be rated yet, or None once the service was delivered.

    A rating (好差评) judges a service received. Most services are delivered when their
    application ends; child rehabilitation only begins then (admission), so it is rated
    once the institution recorded a month of services, or the placement ended.
    """
    if application.status not in RATEABLE_STATUSES:
        return _("A service can be rated once its application has ended.")
    if application.status == ApplicationStatus.COMPLETED:
        case = RehabCase.objects.filter(application=application).first()
        if case is not None and not (
            ServiceRecord.objects.filter(placement__case=case).exists()
            or Placement.objects.filter(case=case, end__isnull=False).exists()
        ):
            return _(
                "Child rehabilitation can be rated once the institution has recorded "
                "at least one month of services, or the placement has ended."
            )
    return None


@transaction.atomic
def rate_service(actor: User, application_pk: int, stars: int, comment: str = "") -> ServiceRating:
    """Record ``actor``'s rating of a delivered service for a person they act for.

    One rating per application: a second (a double submit, or changing one's mind) is
    refused and the first stays as it was.
    """
    if not actor.can(Capability.USE_PORTAL):
        raise PermissionDenied(_("Only the person or their guardian rates a service."))
    application = get_application_for_user(actor, application_pk)
    application = Application.objects.select_for_update().get(pk=application.pk)
    reason = not_yet_rateable(application)
    if reason:
        raise ValidationError(reason)
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationError({"stars": _("Choose from 1 to 5 stars.")})
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError(
            {"comment": _("Keep the comment to %(n)s characters.") % {"n": COMMENT_MAX}}
        )
    if ServiceRating.objects.filter(application=application).exists():
        raise ValidationError(_("This service has already been rated."))
    rating = ServiceRating.objects.create(
        application=application,
        stars=stars,
        comment=comment,
        service_type_id=application.service_type_id,
        facility_id=application.facility_id,
        area_id=application.area_id,
        rated_by=actor,
        rated_at=timezone.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type="portal.servicerating",
        object_id=rating.pk,
        person_id=application.person_id,
        area_code=application.area_id,
        summary=f"application {application.pk} rated {stars}",
    )
    return rating
