"""A demo import file with planted errors, for ``make demo``: an officer uploads it, reads
the report, fixes the rows and applies it. Generated into var/, never committed."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import xlsxwriter
from django.conf import settings

from tongxing.areas.models import Area, AreaLevel
from tongxing.core.idnumbers import make_id_number
from tongxing.exchange.template import COLUMNS, SHEET_NAME

DEMO_COUNTY = "511902"  # 巴州区, the demo county officer's area
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高何罗苟岳蒲"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


def demo_path() -> Path:
    return Path(settings.VAR_DIR) / "demo" / "registry-import-demo.xlsx"


def make_demo_file(rows: int = 40, seed: int = 7, path: Path | None = None) -> Path:
    """``rows`` good rows of new persons in the demo county, then one row per planted
    error, each named in the column 问题说明 (ignored on import)."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    villages = list(
        Area.objects.filter(code__startswith=DEMO_COUNTY, level=AreaLevel.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)[:30]
    )
    if not villages:
        raise ValueError("Load the region pack first (manage.py load_region).")
    keys = [c.key for c in COLUMNS]

    def person(sequence: int) -> dict[str, str]:
        birth = dt.date(1950 + rng.randrange(60), rng.randrange(1, 13), rng.randrange(1, 28))
        category, grade = rng.choice([4, 4, 4, 1, 2, 5, 6]), rng.randrange(1, 5)
        return {
            "name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2]))),
            "id_number": make_id_number(DEMO_COUNTY, birth, 900 - sequence),
            "hukou_type": rng.choice(["农村", "农村", "城镇"]),
            "area": rng.choice(villages),
            "address": f"{rng.randrange(1, 200)}号",
            "phone": f"13{rng.randrange(10**8, 10**9)}",
            "category": str(category),
            "grade": str(grade),
            "issue_date": f"{rng.randrange(2017, 2025)}-{rng.randrange(1, 13):02d}-15",
        }

    good = [person(i) for i in range(rows)]
    planted = []
    for note, change in (
        (
            "身份证号最后一位错误",
            lambda p: (
                p | {"id_number": p["id_number"][:17] + ("1" if p["id_number"][17] != "1" else "2")}
            ),
        ),
        ("缺少姓名", lambda p: p | {"name": ""}),
        ("村（社区）代码不存在", lambda p: p | {"area": "511902999999"}),
        ("村（社区）代码是乡镇级", lambda p: p | {"area": p["area"][:9]}),
        ("发证日期不是日期", lambda p: p | {"issue_date": "去年三月"}),
        ("残疾等级写错", lambda p: p | {"grade": "五级"}),
        (
            "残疾人证号与类别不符",
            lambda p: p | {"certificate_number": p["id_number"] + "7" + p["grade"]},
        ),
        ("发证日期早于出生", lambda p: p | {"issue_date": "1940-01-01"}),
        (
            "户主不存在",
            lambda p: (
                p
                | {
                    "household_head_id_number": make_id_number(DEMO_COUNTY, dt.date(1950, 1, 1), 1),
                    "relation_to_head": "配偶",
                }
            ),
        ),
    ):
        planted.append((change(person(100 + len(planted))), note))
    duplicate = good[0] | {"name": good[0]["name"] + "（重复）"}
    planted.append((duplicate, "同一身份证号出现两次"))
    path = path or demo_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet(SHEET_NAME)
    text = workbook.add_format({"num_format": "@"})
    sheet.write_row(0, 0, [c.header for c in COLUMNS])
    sheet.write_string(0, len(keys), "问题说明")
    for i, column in enumerate(COLUMNS):
        sheet.set_column(i, i, 20 if column.text else 12, text if column.text else None)
    for row, values in enumerate(good + [p for p, _ in planted], start=1):
        for i, key in enumerate(keys):
            sheet.write_string(row, i, values.get(key, ""))
    for offset, (_values, note) in enumerate(planted):
        sheet.write_string(len(good) + 1 + offset, len(keys), f"演示：{note}")
    # An ID number typed into a cell as a number: Excel keeps 15 digits.
    row = len(good) + len(planted) + 1
    extra = person(300)
    for i, key in enumerate(keys):
        sheet.write_string(row, i, extra.get(key, ""))
    sheet.write_number(row, keys.index("id_number"), float(extra["id_number"][:17] + "0"))
    sheet.write_string(row, len(keys), "演示：身份证号存成了数字")
    workbook.close()
    return path
