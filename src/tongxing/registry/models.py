"""Persons, households, disability certificates and life events.

State changes go through :mod:`tongxing.registry.actions`; reads of person data go
through :mod:`tongxing.registry.queries`, which applies the user's area scope.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxing.core.fields import BlindIndexField, EncryptedTextField, index_values
from tongxing.core.lookups import PATTERN_OPS
from tongxing.core.masking import mask_certificate_number, mask_id_number, mask_phone

# Blind-index contexts name the kind of value, not the column, so that the same ID number
# indexes alike wherever it appears (person, guardian, a department's list) and joins work.
RESIDENT_ID = "resident_id"
CERTIFICATE_NUMBER = "certificate_number"


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class HukouType(models.TextChoices):
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Living in the area")
    MOVED_OUT = "moved_out", _("Moved out of the region")
    DECEASED = "deceased", _("Deceased")


class Category(models.IntegerChoices):
    VISION = 1, _("Vision")
    HEARING = 2, _("Hearing")
    SPEECH = 3, _("Speech")
    PHYSICAL = 4, _("Physical")
    INTELLECTUAL = 5, _("Intellectual")
    MENTAL = 6, _("Mental")
    MULTIPLE = 7, _("Multiple")


class Grade(models.IntegerChoices):
    ONE = 1, _("Grade 1")
    TWO = 2, _("Grade 2")
    THREE = 3, _("Grade 3")
    FOUR = 4, _("Grade 4")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    FROZEN = "frozen", _("Frozen")
    CANCELLED = "cancelled", _("Cancelled")
    RENEWING = "renewing", _("Being renewed")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Brother or sister")
    OTHER = "other", _("Other relative")


class Household(models.Model):
    """A registered household (户). Members are persons with ``household`` set."""

    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT)
    address = EncryptedTextField(_("address"), context="registry.household.address")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{_('Household')} {self.pk}"


class HouseholdStatusKind(models.TextChoices):
    DIBAO = "dibao", _("Minimum living guarantee (低保)")
    TEKUN = "tekun", _("Extreme poverty support (特困)")
    LOW_INCOME = "low_income", _("Low-income household (低保边缘)")


class HouseholdStatus(models.Model):
    """A dated 低保 or 特困 status of a household, as reported by civil affairs."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="statuses", verbose_name=_("household")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=HouseholdStatusKind.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    # When the period was written, as opposed to the dates it covers: a 低保 end recorded
    # late makes the payroll look back and recover what was paid after it.
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("household status")
        verbose_name_plural = _("household statuses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="household_status_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date}–{self.end_date or ''}"

    def in_force_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class PersonQuerySet(models.QuerySet):
    def with_id_number(self, value: str) -> PersonQuerySet:
        """Exact match through the blind index (under every key version held)."""
        return self.filter(id_number_index__in=index_values(value, RESIDENT_ID))

    def with_certificate_number(self, value: str) -> PersonQuerySet:
        return self.filter(certificate__number_index__in=index_values(value, CERTIFICATE_NUMBER))


class Person(models.Model):
    id_number = EncryptedTextField(_("ID number"), context="registry.person.id_number")
    id_number_index = BlindIndexField(source="id_number", context=RESIDENT_ID)
    name = models.CharField(_("name"), max_length=50)
    # Stored at write time so "zs" and "zhangsan" find 张三 with an index, not a scan.
    name_pinyin = models.CharField(max_length=200, editable=False)
    name_initials = models.CharField(max_length=50, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("date of birth"), editable=False, db_index=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    hukou_type = models.CharField(_("hukou type"), max_length=5, choices=HukouType.choices)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # person_area_status and person_area_prefix serve it
    )
    address = EncryptedTextField(_("address"), context="registry.person.address")
    phone = EncryptedTextField(_("phone"), context="registry.person.phone")
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    relation_to_head = models.CharField(
        _("relation to head of household"), max_length=12, choices=Relation.choices, blank=True
    )
    guardian_name = models.CharField(_("guardian's name"), max_length=50, blank=True)
    guardian_id_number = EncryptedTextField(
        _("guardian's ID number"), context="registry.person.guardian_id_number"
    )
    guardian_phone = EncryptedTextField(
        _("guardian's phone"), context="registry.person.guardian_phone"
    )
    guardian_relation = models.CharField(_("guardian is the person's"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    date_of_death = models.DateField(_("date of death"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        # One index per searched column, declared here rather than by db_index/unique,
        # which on PostgreSQL give each text column two: one in the database collation
        # and a varchar_pattern_ops ("_like") twin. Our equality and prefix (LIKE) look-ups
        # need only the pattern one, and core.lookups.CodePointOrder sorts names in
        # code-point order, which the collation index does not give; a blind index is
        # only ever compared whole. Each index dropped was one more B-tree insert per
        # person written: copying 300,000 imported persons into PostgreSQL took the server
        # 22.5-24.6 s with all fourteen and 15.2-16.8 s with these nine (benchmarks/import.py).
        # On SQLite opclasses are ignored and each is the one plain index it had before.
        indexes = [
            models.Index(fields=["area", "status"], name="person_area_status"),
            models.Index(fields=["area"], name="person_area_prefix", opclasses=[PATTERN_OPS]),
            models.Index(fields=["name"], name="person_name", opclasses=[PATTERN_OPS]),
            models.Index(
                fields=["name_pinyin"], name="person_name_pinyin", opclasses=[PATTERN_OPS]
            ),
            models.Index(
                fields=["name_initials"], name="person_name_initials", opclasses=[PATTERN_OPS]
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_index"], name="person_id_number_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_guardian_id_number(self) -> str:
        return mask_id_number(self.guardian_id_number)

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class DisabilityCertificate(models.Model):
    """The person's second-generation certificate (残疾人证): number = ID + category + grade."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="certificate", verbose_name=_("holder")
    )
    number = EncryptedTextField(_("certificate number"), context="registry.certificate.number")
    number_index = BlindIndexField(source="number", context=CERTIFICATE_NUMBER)
    category = models.PositiveSmallIntegerField(_("category"), choices=Category.choices)
    # For 多重 (multiple): the kinds it combines, e.g. "1,4"; empty otherwise.
    multiple_detail = models.CharField(_("kinds combined"), max_length=20, blank=True)
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices)
    issue_date = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("certificate status"),
        max_length=10,
        choices=CertificateStatus.choices,
        default=CertificateStatus.VALID,
    )
    reissue_count = models.PositiveSmallIntegerField(_("reissues"), default=0)

    class Meta:
        verbose_name = _("disability certificate")
        verbose_name_plural = _("disability certificates")
        indexes = [models.Index(fields=["category", "grade", "status"], name="cert_cat_grade")]
        constraints = [
            # A constraint, not unique=True: no "_like" twin on PostgreSQL (see Person).
            models.UniqueConstraint(fields=["number_index"], name="certificate_number_unique"),
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("issue_date")),
                name="certificate_valid_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return self.masked_number

    @property
    def masked_number(self) -> str:
        return mask_certificate_number(self.number)

    @property
    def multiple_kinds(self) -> list[int]:
        return [int(k) for k in self.multiple_detail.split(",") if k]

    @property
    def multiple_kinds_display(self) -> str:
        return "、".join(str(Category(k).label) for k in self.multiple_kinds)

    def expired_on(self, day: dt.date) -> bool:
        """Past its term on ``day`` while still marked valid: renewal is overdue."""
        return self.status == CertificateStatus.VALID and self.valid_until < day

    @property
    def is_severe(self) -> bool:
        return self.grade in (1, 2)


class LifeEventKind(models.TextChoices):
    DEATH = "death", _("Death")
    MOVE = "move", _("Move within the region")
    MOVE_OUT = "move_out", _("Move out of the region")
    REASSESSMENT = "reassessment", _("Re-assessment (category or grade)")
    RENEWAL = "renewal", _("Certificate renewal")
    REISSUE = "reissue", _("Certificate reissue after loss")
    FREEZE = "freeze", _("Certificate frozen")
    UNFREEZE = "unfreeze", _("Certificate unfrozen")
    CANCEL = "cancel", _("Certificate cancelled")


class LifeEvent(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="life_events", verbose_name=_("person")
    )
    kind = models.CharField(_("event"), max_length=14, choices=LifeEventKind.choices)
    effective_date = models.DateField(_("date"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["-effective_date", "-id"]
        verbose_name = _("life event")
        verbose_name_plural = _("life events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_date}"


class PersonFactKind(models.TextChoices):
    """Dated facts that other departments hold and the benefit rules need."""

    WORK_INJURY_NURSING = "work_injury_nursing", _("Work-injury nursing allowance (工伤护理费)")
    ELDERLY_CARE = "elderly_care", _("Elderly care subsidy (老年人护理补贴)")
    SCHOOL = "school", _("Enrolled in school")
    MOTORISED_WHEELCHAIR = "motor_wheelchair", _("Holds a licensed motorised wheelchair")
    RESIDENT_PENSION = "resident_pension", _("Enrolled in the urban-rural resident pension")


class SchoolLevel(models.TextChoices):
    PRESCHOOL = "preschool", _("Pre-school")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary school")
    SENIOR = "senior", _("Senior secondary or vocational school")
    HIGHER = "higher", _("College or university")


class PersonFact(models.Model):
    """A fact about a person that holds from ``start_date`` to ``end_date`` (inclusive),
    as a department reported it: an allowance and its monthly amount, a school level, an
    insurance enrolment. Kept dated so a past month's decision can be explained again."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="facts", verbose_name=_("person")
    )
    kind = models.CharField(_("fact"), max_length=20, choices=PersonFactKind.choices)
    # Monthly amount in yuan for allowances; empty for yes/no facts.
    amount = models.DecimalField(
        _("amount per month"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    # The school level for SCHOOL; empty otherwise.
    level = models.CharField(_("level"), max_length=10, choices=SchoolLevel.choices, blank=True)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["kind", "-start_date"]
        verbose_name = _("person fact")
        verbose_name_plural = _("person facts")
        indexes = [models.Index(fields=["kind", "person"], name="person_fact_kind")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="person_fact_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date}–{self.end_date or ''}"
