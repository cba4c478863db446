"""The column-wise row checks take only rows the row-by-row checks pass, with the same
values: on a file of edge cases both ways give identical kept checks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import marshal

import polars as pl
import pytest

from tests import factories
from tests.exchange.files import HEADERS, row, xlsx_bytes
from tongxing.core.idnumbers import make_id_number
from tongxing.exchange.reading import read_sheet
from tongxing.exchange.validation import Validator, pack_checks


def _id(birth: dt.date = dt.date(1970, 3, 4)) -> str:
    return factories.new_id_number(birth)


def _edge_rows() -> list[dict[str, str]]:
    today = dt.date.today()
    head = _id()
    x_id = next(
        number
        for n in range(1000)
        if (number := make_id_number("511902", dt.date(1981, 7, 9), n)).endswith("X")
    )
    derived = _id()
    leap = _id(dt.date(1950, 1, 1))
    rows = [
        row(),
        row(姓名=" 王五 "),
        row(姓名="王五\x1f"),
        row(姓名=""),
        row(姓名="Li Lei"),
        row(民族="回族"),
        row(身份证号=head),
        row(户主身份证号=_id(), 与户主关系="子女"),
        row(户主身份证号=head, 与户主关系="子女"),
        row(与户主关系="户主"),
        row(与户主关系="本人"),
        row(与户主关系="配偶"),
        row(与户主关系="朋友"),
        row(监护人身份证号=_id(dt.date(1950, 1, 2)), 监护人姓名="王大"),
        row(监护人身份证号="511902195001021234"),
        row(监护人电话=" 138 0000 0000 ", 监护人与本人关系=" 母亲 "),
        row(身份证号=derived, 残疾人证号=derived + "42"),
        row(身份证号=(b1 := _id()), 残疾人证号=b1 + "42B1"),
        row(身份证号=(b0 := _id()), 残疾人证号=b0 + "42B0"),
        row(身份证号=(wrong := _id()), 残疾人证号=wrong + "12"),
        row(身份证号=(other := _id()), 残疾人证号=_id() + "42"),
        row(身份证号=x_id),
        row(身份证号=x_id.lower()),
        row(身份证号=x_id[:17]),
        row(身份证号=" ５１１９０２" + head[6:]),
        row(身份证号=head[:17] + ("0" if head[17] != "0" else "1")),
        row(身份证号=make_id_number("511902", dt.date(1960, 1, 1), 5)[:10] + "1332" + "0051"),
        row(身份证号=make_id_number("511902", dt.date(1870, 1, 1), 5)),
        row(身份证号=make_id_number("511902", today + dt.timedelta(days=1), 5)),
        row(身份证号="5.11902E+17"),
        row(身份证号="511902197003040000"),
        row(户籍类型="城市"),
        row(户籍类型="城镇"),
        row(户籍类型="非农业"),
        row(**{"村（社区）代码": "511902"}),
        row(**{"村（社区）代码": "511921001001"}),
        row(**{"村（社区）代码": "999999999999"}),
        row(**{"村（社区）代码": factories.NEXT_VILLAGE}),
        row(残疾类别="多重", 多重残疾包含类别="听力、言语"),
        row(残疾类别="多重"),
        row(残疾类别="7", 多重残疾包含类别="2,3"),
        row(残疾类别="1", 多重残疾包含类别="2,3"),
        row(残疾类别="精神残疾"),
        row(残疾类别="8"),
        row(残疾等级="5"),
        row(残疾等级="4级"),
        row(发证日期=""),
        row(发证日期="2020-13-01"),
        row(发证日期="43891"),
        row(发证日期="2020年3月1日"),
        row(发证日期="2020/3/1"),
        row(发证日期="20200301"),
        row(发证日期="2021-05-06 00:00:00"),
        row(发证日期=(today + dt.timedelta(days=1)).isoformat()),
        row(发证日期="1960-01-01"),
        row(发证日期="2020-02-29"),
        row(身份证号=leap, 发证日期="1950-01-01"),
        row(发证日期="2020-03-01", 有效期至="2020-03-01"),
        row(发证日期="2020-03-01", 有效期至="2019-03-01"),
        row(发证日期="2020-03-01", 有效期至="2030-03-02"),
        row(发证日期="2020-03-01", 有效期至="不详"),
        row(联系电话="139 0000 1111"),
        row(住址=" 东城街道\t3号 "),
        {},
    ]
    assert other
    return rows


def _quoted_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows([values.get(h, "") for h in HEADERS] for values in rows)
    return out.getvalue().encode()


def _kept(checks) -> str:
    """What is kept, as text: the types show (``1`` is not ``True``), the bytes would
    also show which equal strings marshal happened to share."""
    return repr(marshal.loads(pack_checks(checks, "key")))


@pytest.mark.parametrize("make", [xlsx_bytes, _quoted_csv], ids=["xlsx", "csv"])
def test_the_column_checks_keep_exactly_what_the_row_checks_keep(county, tmp_path, make):
    path = tmp_path / ("persons.xlsx" if make is xlsx_bytes else "persons.csv")
    path.write_bytes(make(_edge_rows()))
    today = dt.date.today()
    fast = Validator(county, today).check_sheet(read_sheet(path))
    slow_validator = Validator(county, today)
    slow_validator.sure_rows = lambda sheet, frame, blank: (~blank & False, [])
    slow = slow_validator.check_sheet(read_sheet(path))
    assert fast.problems == slow.problems
    assert [c.index for c in fast.candidates] == [c.index for c in slow.candidates]
    assert _kept(fast) == _kept(slow)
    sure, _ = Validator(county, today).sure_rows(*_sheet_and_frame(county, path))
    # The plainly right rows (not a member, a guardian's ID or a 多重 certificate).
    assert sure.arg_true().to_list() == [
        *(0, 1, 4, 5, 6, 9, 10, 15, 16, 17, 21, 22, 24, 32, 33, 37, 42, 45),
        *(48, 49, 50, 51, 52, 55, 56, 59, 61, 62),
    ]


def _sheet_and_frame(user, path):
    validator = Validator(user, dt.date.today())
    sheet = read_sheet(path)
    frame = validator.normalised(sheet, validator.check_headers(sheet))
    return sheet, frame, frame.select(pl.all_horizontal(pl.all() == "")).to_series()
