"""The registry import template: its columns, the words each column accepts, and the
downloadable .xlsx that documents them.

The headers are fixed Chinese text in every UI language: they are how a file is read.
The explanations on the 说明 sheet follow the officer's language like any page.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass

import xlsxwriter
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxing.areas.models import Area, AreaLevel
from tongxing.core.scoping import prefix_q
from tongxing.registry.models import Category, HukouType, Relation


@dataclass(frozen=True)
class Column:
    key: str  # the field name the registry's checks use for it
    header: str
    required: bool
    help: str | Promise
    example: str
    aliases: tuple[str, ...] = ()
    text: bool = False  # formatted as text in the template, so Excel keeps every digit


COLUMNS: tuple[Column, ...] = (
    Column(
        "name", "姓名", True, gettext_lazy("The person's name as on the identity card."), "张三"
    ),
    Column(
        "id_number",
        "身份证号",
        True,
        gettext_lazy(
            "18 characters. Keep the column as text so Excel does not drop digits or the X."
        ),
        "511902196005170014",
        aliases=("身份证号码", "公民身份号码"),
        text=True,
    ),
    Column("ethnicity", "民族", False, gettext_lazy("Empty means 汉族."), "汉族"),
    Column("hukou_type", "户籍类型", True, gettext_lazy("城镇 or 农村."), "农村"),
    Column(
        "area",
        "村（社区）代码",
        True,
        gettext_lazy(
            "The 12-digit code of the village or community of the hukou; "
            "the sheet 村（社区）代码 lists the codes of your area."
        ),
        "511902001001",
        aliases=("村社区代码", "村(社区)代码", "区划代码"),
        text=True,
    ),
    Column("address", "住址", False, gettext_lazy("Street, house number."), "东城街道1号"),
    Column(
        "phone", "联系电话", False, gettext_lazy("Mobile or landline."), "13812345678", text=True
    ),
    Column(
        "household_head_id_number",
        "户主身份证号",
        False,
        gettext_lazy(
            "Empty when the person heads a new household. Otherwise the ID number of the "
            "head, who is in this file or already registered in your area."
        ),
        "",
        text=True,
    ),
    Column(
        "relation_to_head",
        "与户主关系",
        False,
        gettext_lazy("When the head is someone else: 配偶, 子女, 父母, 孙子女, 兄弟姐妹 or 其他."),
        "",
    ),
    Column(
        "category",
        "残疾类别",
        True,
        gettext_lazy("1–7 or the word: 视力, 听力, 言语, 肢体, 智力, 精神, 多重."),
        "肢体",
    ),
    Column(
        "multiple_detail",
        "多重残疾包含类别",
        False,
        gettext_lazy("Only for 多重: the kinds combined, for example 听力、言语 or 2,3."),
        "",
    ),
    Column("grade", "残疾等级", True, gettext_lazy("1–4 or 一级, 二级, 三级, 四级."), "二级"),
    Column(
        "certificate_number",
        "残疾人证号",
        False,
        gettext_lazy("Empty means the ID number followed by the category and grade digits."),
        "51190219600517001442",
        aliases=("残疾证号",),
        text=True,
    ),
    Column(
        "issue_date",
        "发证日期",
        True,
        gettext_lazy("A date, for example 2020-03-01 or 2020/3/1."),
        "2020-03-01",
    ),
    Column(
        "valid_until",
        "有效期至",
        False,
        gettext_lazy("Empty means 10 years after the issue date."),
        "",
    ),
    Column(
        "guardian_name",
        "监护人姓名",
        False,
        gettext_lazy("For a child or a person under guardianship."),
        "",
    ),
    Column(
        "guardian_id_number", "监护人身份证号", False, gettext_lazy("18 characters."), "", text=True
    ),
    Column("guardian_phone", "监护人电话", False, "", "", text=True),
    Column(
        "guardian_relation",
        "监护人与本人关系",
        False,
        gettext_lazy("For example 母亲, 儿子, 法定监护人."),
        "",
    ),
)
BY_KEY = {column.key: column for column in COLUMNS}
# Columns the import's own report adds; a corrected report can be uploaded as it is.
ROW_COLUMN = "原行号"
REASON_COLUMN = "问题说明"
IGNORED_HEADERS = (ROW_COLUMN, REASON_COLUMN)
SHEET_NAME = "残疾人登记"

HUKOU_WORDS = {
    "城镇": HukouType.URBAN,
    "非农业": HukouType.URBAN,
    "urban": HukouType.URBAN,
    "农村": HukouType.RURAL,
    "农业": HukouType.RURAL,
    "rural": HukouType.RURAL,
}
CATEGORY_WORDS = {
    "视力": Category.VISION,
    "听力": Category.HEARING,
    "言语": Category.SPEECH,
    "肢体": Category.PHYSICAL,
    "智力": Category.INTELLECTUAL,
    "精神": Category.MENTAL,
    "多重": Category.MULTIPLE,
}
CATEGORY_WORDS |= {f"{word}残疾": value for word, value in CATEGORY_WORDS.items()}
CATEGORY_WORDS |= {str(value.value): value for value in Category}
GRADE_WORDS = {}
for number, word in enumerate("一二三四", start=1):
    for form in (str(number), f"{number}级", word, f"{word}级"):
        GRADE_WORDS[form] = number
RELATION_WORDS = {
    "户主": Relation.HEAD,
    "本人": Relation.HEAD,
    "配偶": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "子女": Relation.CHILD,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "父母": Relation.PARENT,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "孙子女": Relation.GRANDCHILD,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "兄弟姐妹": Relation.SIBLING,
    "兄弟": Relation.SIBLING,
    "姐妹": Relation.SIBLING,
    "其他": Relation.OTHER,
}
RELATION_WORDS |= {value.value: value for value in Relation}


def normalise_header(text: str) -> str:
    """Header text as compared: full-width folded, spaces and the required-mark ``*`` gone."""
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(folded.split()).replace("*", "").replace("(必填)", "")


HEADER_KEYS: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        HEADER_KEYS[normalise_header(_name)] = _column.key


def template_xlsx(area: Area) -> bytes:
    """The template: the data sheet (headers only), 说明 and the area's village codes."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    required = workbook.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    data = workbook.add_worksheet(SHEET_NAME)
    for index, column in enumerate(COLUMNS):
        header = column.header + ("*" if column.required else "")
        data.write_string(0, index, header, required if column.required else bold)
        data.set_column(index, index, 22 if column.text else 14, text if column.text else None)
    data.freeze_panes(1, 0)
    notes = workbook.add_worksheet("说明")
    notes.set_column(0, 0, 20)
    notes.set_column(1, 1, 8)
    notes.set_column(2, 2, 70, wrap)
    notes.set_column(3, 3, 24)
    notes.write_row(0, 0, [_("Column"), _("Required"), _("What to enter"), _("Example")], bold)
    for row, column in enumerate(COLUMNS, start=1):
        notes.write_string(row, 0, column.header)
        notes.write_string(row, 1, _("yes") if column.required else "")
        notes.write_string(row, 2, str(column.help))
        notes.write_string(row, 3, column.example)
    row = len(COLUMNS) + 2
    for line in (
        _("Fill in the first sheet, one person per row, from the second row on."),
        _("Columns marked * are required. Do not merge cells."),
        _(
            "A person already registered (same ID number) is updated where the file differs; "
            "an empty optional cell leaves the registered value unchanged."
        ),
        _(
            "Certificate changes (category, grade, dates) are recorded on the person's page, "
            "not by import."
        ),
        _("Files: .xlsx, or .csv in UTF-8 or GBK."),
    ):
        notes.write_string(row, 0, line)
        row += 1
    codes = workbook.add_worksheet("村（社区）代码")
    codes.set_column(0, 0, 16, text)
    codes.set_column(1, 2, 24)
    codes.write_row(0, 0, [_("Code"), _("Township"), _("Village or community")], bold)
    villages = (
        Area.objects.filter(prefix_q("code", area.code), level=AreaLevel.VILLAGE)
        .select_related("parent")
        .order_by("code")
    )
    for row, village in enumerate(villages, start=1):
        codes.write_string(row, 0, village.code)
        codes.write_string(row, 1, village.parent.name if village.parent else "")
        codes.write_string(row, 2, village.name)
    workbook.close()
    return out.getvalue()
