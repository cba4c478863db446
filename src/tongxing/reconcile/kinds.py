"""The kinds of list partner departments send, each with its declared columns.

Declared here in Python rather than as YAML in the region pack: the reconciliation rules
name these kinds and the row fields they fill, so a kind and the code that reads it
change together (and a test proves they agree), and the headers need gettext labels on
the page. What a region does vary, the departments' own header words, is covered by the
aliases. Every kind stores the same few row fields (``DepartmentRow``): the ID number,
the name, one date, one status code, one amount and one reference text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Department(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs (民政)")
    PUBLIC_SECURITY = "public_security", _("Public security (公安)")
    HUMAN_RESOURCES = "hrss", _("Human resources and social security (人社)")
    MEDICAL_INSURANCE = "medical_insurance", _("Medical insurance (医保)")
    EDUCATION = "education", _("Education (教育)")
    HEALTH = "health", _("Health (卫健)")


class ColumnType(models.TextChoices):
    ID_NUMBER = "id_number", _("resident ID number")
    TEXT = "text", _("text")
    DATE = "date", _("date")
    CHOICE = "choice", _("one of the listed words")
    AMOUNT = "amount", _("amount in yuan")


# The row fields a column can fill (``DepartmentRow`` has exactly these).
SLOTS = ("id_number", "name", "event_date", "status", "amount", "reference")


@dataclass(frozen=True)
class Column:
    header: str  # as the department writes it, in Chinese
    slot: str
    type: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    choices: dict[str, str] = field(default_factory=dict)  # word in the file → stored code
    max_length: int = 100


@dataclass(frozen=True)
class ListKind:
    key: str
    department: str
    label: Promise
    columns: tuple[Column, ...]

    @property
    def required_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.required]


ID = Column("身份证号", "id_number", ColumnType.ID_NUMBER, aliases=("公民身份号码", "身份证号码"))
NAME = Column("姓名", "name", ColumnType.TEXT, max_length=50)

KINDS: dict[str, ListKind] = {
    kind.key: kind
    for kind in (
        ListKind(
            "assistance",
            Department.CIVIL_AFFAIRS,
            _("低保 and 特困 households and members"),
            (
                ID,
                NAME,
                Column(
                    "救助类别",
                    "status",
                    ColumnType.CHOICE,
                    aliases=("保障类别",),
                    choices={"低保": "dibao", "城乡低保": "dibao", "特困": "tekun"},
                ),
                Column(
                    "家庭编号", "reference", ColumnType.TEXT, required=False, aliases=("户编号",)
                ),
                Column(
                    "认定日期", "event_date", ColumnType.DATE, required=False, aliases=("批准日期",)
                ),
            ),
        ),
        ListKind(
            "civil_deaths",
            Department.CIVIL_AFFAIRS,
            _("Deaths (cremation and funeral records)"),
            (ID, NAME, Column("死亡日期", "event_date", ColumnType.DATE)),
        ),
        ListKind(
            "subsidy_recipients",
            Department.CIVIL_AFFAIRS,
            _("Recipients of the two disability subsidies"),
            (
                ID,
                NAME,
                Column(
                    "补贴类别",
                    "status",
                    ColumnType.CHOICE,
                    choices={
                        "生活补贴": "living_subsidy",
                        "困难残疾人生活补贴": "living_subsidy",
                        "护理补贴": "nursing_subsidy",
                        "重度残疾人护理补贴": "nursing_subsidy",
                    },
                ),
                Column("发放月份", "event_date", ColumnType.DATE, required=False),
                Column("发放金额", "amount", ColumnType.AMOUNT, required=False),
            ),
        ),
        ListKind(
            "police_deaths",
            Department.PUBLIC_SECURITY,
            _("Deaths (household registrations cancelled)"),
            (ID, NAME, Column("死亡日期", "event_date", ColumnType.DATE, aliases=("注销日期",))),
        ),
        ListKind(
            "police_moves",
            Department.PUBLIC_SECURITY,
            _("Household registrations moved"),
            (
                ID,
                NAME,
                Column("迁出日期", "event_date", ColumnType.DATE),
                Column("迁往地址", "reference", ColumnType.TEXT, required=False),
            ),
        ),
        ListKind(
            "pension_enrolment",
            Department.HUMAN_RESOURCES,
            _("Resident pension insurance enrolment and premiums paid by the government"),
            (
                ID,
                NAME,
                Column("参保日期", "event_date", ColumnType.DATE, required=False),
                Column("政府代缴金额", "amount", ColumnType.AMOUNT, required=False),
            ),
        ),
        ListKind(
            "medical_enrolment",
            Department.MEDICAL_INSURANCE,
            _("Medical insurance enrolment and premium subsidy"),
            (
                ID,
                NAME,
                Column("参保日期", "event_date", ColumnType.DATE, required=False),
                Column("资助金额", "amount", ColumnType.AMOUNT, required=False),
            ),
        ),
        ListKind(
            "school_enrolment",
            Department.EDUCATION,
            _("Enrolment of school-age children"),
            (
                ID,
                NAME,
                Column("学校名称", "reference", ColumnType.TEXT, required=False),
                Column("入学日期", "event_date", ColumnType.DATE, required=False),
            ),
        ),
        ListKind(
            "child_screening",
            Department.HEALTH,
            _("Child disability screening results"),
            (
                ID,
                NAME,
                Column("筛查日期", "event_date", ColumnType.DATE),
                Column(
                    "筛查结果",
                    "status",
                    ColumnType.CHOICE,
                    choices={"阳性": "positive", "可疑": "positive", "阴性": "negative"},
                ),
            ),
        ),
    )
}

KIND_CHOICES = [(kind.key, kind.label) for kind in KINDS.values()]
DEATH_KINDS = ("civil_deaths", "police_deaths")
MAX_AMOUNT = Decimal("99999999.99")
