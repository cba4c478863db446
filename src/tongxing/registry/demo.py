"""The deterministic demo population: Bazhong's certified disabled persons, synthetic.

``generate_population(persons, seed)`` writes households, persons, certificates, dated
低保/特困 household statuses, life events and one audit row per person, in bulk and in
one transaction. Same ``persons`` and ``seed`` give identical data (apart from the
timestamps of the run, and the ciphertexts of encrypted columns, which take a fresh nonce
each time) because every draw comes from one ``random.Random(seed)`` in a fixed order and
every date is counted from :data:`REFERENCE_DATE`, not from the day the command runs.

Nothing here is real data. Every distribution below is an **assumption** chosen to look
plausible for a rural prefecture in north-east Sichuan; none is a verified statistic for
Bazhong (domain.md §8: disabled counts by county are NOT FOUND). Where a figure leans on
a national survey it is one remembered, not re-checked here; treat it as a pointer only.

Each entry: what is drawn, the values, and [basis].

county share of persons
    巴州区 26%, 恩阳区 12%, 通江县 17%, 南江县 15%, 平昌县 30%.
    [assumption; 平昌 anchored on its 81.2万 of Bazhong's 271.29万 residents in 2020
    (domain.md §8, third-party figure); the other four guessed]
village within its county
    weight 0.6–1.4 drawn per village; communities (社区) count double.
    [assumption: towns are denser]
household size
    92% one certified person, 8% two (couple 45%, parent + child 35%,
    head + elderly parent 20%). [brief; pair kinds assumption]
age on REFERENCE_DATE
    1–6: 1%, 7–17: 3%, 18–29: 5%, 30–44: 10%, 45–59: 27%, 60–69: 24%,
    70–79: 19%, 80–89: 9%, 90–100: 2% (54% aged 60 or more).
    [assumption; the 2006 second national sample survey is remembered as finding about
    half of disabled people aged 60+ (recollection, unverified)]
category, by age group (CATEGORY_BY_AGE)
    overall about physical 50%, multiple 12%, hearing 10%, mental 10%, vision 9%,
    intellectual 8%, speech 1%; children mostly intellectual and multiple, people over
    60 more often vision and hearing. [assumption: certificate holders skew to physical]
多重 kinds (multiple_detail)
    "2,3" 30%, "4,5" 20%, "1,4" 12%, "2,4" 10%, "3,5" 10%, "5,6" 8%, "1,2" 5%,
    "2,3,5" 5%. [assumption: hearing + speech the commonest pairing]
grade, by category (GRADE_BY_CATEGORY)
    overall about grade 1: 13%, 2: 25%, 3: 29%, 4: 33%; intellectual, mental and
    multiple more severe. [assumption]
sex
    55% male; a couple is one man and one woman. [assumption]
hukou
    in a village (村) 95% rural, in a community (社区) 80% urban; about 77% rural in
    all. [assumption]
ethnicity
    汉族 99.6%; 土家族, 回族, 苗族, 彝族, 藏族 share the rest. [assumption]
ID number area code
    born 2000 or later: the county code (恩阳区 births before 2013: 511902, 15% late
    registrations 511903); born 1993–1999: 75% the 巴中地区 code 5137xx; born before
    1993: 65% the 达县地区 code 5130xx, 15% 5137xx; the rest the current code.
    [codes domain.md §2.2; shares assumption]
relation to head (one-person households)
    under 18: child 85%, grandchild 15%; 18–59: mostly head or spouse, an intellectual
    or mental disability 45% child; 60+: head 60%, spouse 25%, parent 15%. [assumption]
person and certificate status
    deceased about 2% (3.2% at 60+, 0.8% at 18–59, 0.3% under 18; certificate
    cancelled; a death event), moved out 1%, frozen 1%, cancelled otherwise 0.5%,
    renewing 1%, reissued once (B1) 1%, the rest valid. [brief; age tilt assumption]
certificate dates
    valid ones issued within the 10 years before REFERENCE_DATE, renewing ones 9–10.5
    years before; valid_until = issue + 10 years. [domain.md §2.1: 10-year term,
    renewal from 9 years]
moved-out certificates
    still valid under 6 months after the move, frozen from 6 months, cancelled from
    1 year, each step a life event. [domain.md §2.1]
household 低保 / 特困
    特困 for 4.7% of one-person households aged 60+ or grade 1–2 (about 3% of all
    households); otherwise 低保 for 27% of households with a grade 1–2 member and 16%
    of the rest (about 20%). Start dates 2015–2025; 25% of 低保 and 10% of 特困 ended;
    a household whose members all died or left has its status ended by then.
    [brief for the shares; the tilt to severe grades assumption]
phone
    11 digits 1[3-9]…; empty for 70% of children, 40% at 80+, 8% of others.
    [assumption]
guardian
    every child (father or mother 90%, a grandparent 10%); 75% of adults with an
    intellectual or mental disability, or a multiple one including 5 or 6 (parents
    under 50, else spouse, son, daughter or sibling). A child living with a registered
    parent has that parent as guardian; other guardians get their own valid, unique ID
    number. [assumption]
names
    weighted common surnames, including ones frequent in north-east Sichuan (苟, 岳, 蒲,
    向, 冉, 鲜), and given-name characters by sex and birth cohort. [assumption]

Demo persons are recognised by their audit rows (``source="demo"``, object type
``registry.person``): no model carries a demo flag. One ``registry.demo`` audit row written
at the end of a successful run records ``{"persons": n, "seed": s}`` so that re-running is a
single query; ``replace=True`` deletes the previous demo persons and writes a ``delete``
marker, leaving the append-only audit trail intact.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Subquery
from django.utils import timezone

from tongxing.areas.models import Area, AreaLevel
from tongxing.core import audit
from tongxing.core.bulk import BulkInserter, PrimaryKeys
from tongxing.core.idnumbers import certificate_number_for, check_character
from tongxing.core.masking import mask_certificate_number
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.core.pinyin import pinyin_keys
from tongxing.registry.actions import CERTIFICATE_TERM_YEARS, add_years
from tongxing.registry.models import (
    CertificateStatus,
    DisabilityCertificate,
    Household,
    HouseholdStatus,
    HouseholdStatusKind,
    HukouType,
    LifeEvent,
    LifeEventKind,
    Person,
    PersonStatus,
    Relation,
    Sex,
)

DEFAULT_PERSONS = 114_000
DEFAULT_SEED = 2025
# Dates count from a fixed day, not from today, so a seed gives the same rows whenever it
# runs; the demo therefore describes the registry as it stood at the end of 2025.
REFERENCE_DATE = dt.date(2025, 12, 31)
DEMO_SOURCE = "demo"
MARKER_TYPE = "registry.demo"
PERSON_TYPE = "registry.person"
TERM_DAYS_MIN = 3649  # a certificate issued this many days back is still in its 10-year term


class DemoDataError(Exception):
    """Demo data of another size or seed exists and ``replace`` was not asked for."""


@dataclass(frozen=True)
class DemoReport:
    persons: int
    seed: int
    households: int
    created: bool  # False when the same demo population was already there
    deleted_persons: int = 0
    seconds: float = 0.0


# --- distributions (all assumptions; see the module docstring) -------------------------

COUNTY_WEIGHTS = {
    "511902": 26,  # 巴州区
    "511903": 12,  # 恩阳区
    "511921": 17,  # 通江县
    "511922": 15,  # 南江县
    "511923": 30,  # 平昌县
}
# Codes a resident's ID number carries from the years the county was registered under
# 达县地区 (before 1993) and 巴中地区 (1993–2000): domain.md §2.2.
CODES_BEFORE_1993 = {
    "511902": "513027",
    "511903": "513027",
    "511921": "513025",
    "511922": "513026",
    "511923": "513028",
}
CODES_1993_2000 = {
    "511902": "513701",
    "511903": "513701",
    "511921": "513721",
    "511922": "513722",
    "511923": "513723",
}
ENYANG = "511903"  # split from 巴州区 (511902) in 2013

AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (1, 6, 1),
    (7, 17, 3),
    (18, 29, 5),
    (30, 44, 10),
    (45, 59, 27),
    (60, 69, 24),
    (70, 79, 19),
    (80, 89, 9),
    (90, 100, 2),
)
# Category weights (1 vision … 7 multiple) for children, working age and 60+.
CATEGORY_BY_AGE: dict[str, tuple[float, ...]] = {
    "child": (4, 10, 8, 18, 35, 5, 20),
    "adult": (6, 5, 1.5, 50, 11, 15, 11.5),
    "old": (12, 14, 0.5, 52, 4, 6, 11.5),
}
GRADE_BY_CATEGORY: dict[int, tuple[float, ...]] = {
    1: (15, 20, 30, 35),
    2: (10, 20, 30, 40),
    3: (15, 25, 30, 30),
    4: (8, 20, 30, 42),
    5: (15, 35, 30, 20),
    6: (10, 40, 35, 15),
    7: (35, 35, 20, 10),
}
MULTIPLE_DETAILS: tuple[tuple[str, float], ...] = (
    ("2,3", 30),
    ("4,5", 20),
    ("1,4", 12),
    ("2,4", 10),
    ("3,5", 10),
    ("5,6", 8),
    ("1,2", 5),
    ("2,3,5", 5),
)
ETHNICITIES: tuple[tuple[str, float], ...] = (
    ("汉族", 99.6),
    ("土家族", 0.15),
    ("回族", 0.1),
    ("苗族", 0.05),
    ("彝族", 0.05),
    ("藏族", 0.05),
)
MALE_SHARE = 0.55
PAIR_SHARE = 0.08
PAIR_KINDS: tuple[tuple[str, float], ...] = (
    ("couple", 45),
    ("parent_child", 35),
    ("child_parent", 20),
)
DEATH_BY_AGE = ((18, 0.003), (60, 0.008), (200, 0.032))  # (below this age, probability)
MOVED_OUT, FROZEN, CANCELLED, RENEWING, REISSUED = 0.01, 0.01, 0.005, 0.01, 0.01
TEKUN_SHARE = 0.047
DIBAO_SEVERE, DIBAO_OTHER = 0.27, 0.16
DIBAO_ENDED, TEKUN_ENDED = 0.25, 0.10
STATUS_FIRST, STATUS_LAST = dt.date(2015, 1, 1), dt.date(2025, 12, 31)
DESTINATIONS = (
    "四川省成都市",
    "四川省达州市",
    "四川省南充市",
    "重庆市",
    "广东省深圳市",
    "广东省东莞市",
    "浙江省宁波市",
    "陕西省汉中市",
)

SURNAMES: tuple[tuple[str, float], ...] = (
    ("李", 7.9), ("王", 7.1), ("张", 6.8), ("刘", 5.4), ("陈", 4.6), ("杨", 3.1),
    ("黄", 2.5), ("赵", 2.3), ("周", 2.1), ("吴", 2.0), ("何", 1.6), ("徐", 1.5),
    ("罗", 1.5), ("胡", 1.3), ("孙", 1.2), ("马", 1.0), ("朱", 1.0), ("郭", 1.0),
    ("高", 1.0), ("唐", 1.0), ("谢", 0.9), ("邓", 0.9), ("林", 0.8), ("郑", 0.8),
    ("曾", 0.8), ("彭", 0.8), ("梁", 0.7), ("宋", 0.7), ("肖", 0.7), ("袁", 0.7),
    ("蒋", 0.7), ("许", 0.6), ("冯", 0.6), ("曹", 0.6), ("田", 0.6), ("余", 0.6),
    ("杜", 0.6), ("苟", 0.6), ("韩", 0.5), ("蔡", 0.5), ("潘", 0.5), ("董", 0.5),
    ("苏", 0.5), ("魏", 0.5), ("程", 0.5), ("任", 0.5), ("谭", 0.5), ("廖", 0.5),
    ("付", 0.5), ("向", 0.5), ("于", 0.4), ("叶", 0.4), ("吕", 0.4), ("丁", 0.4),
    ("姚", 0.4), ("卢", 0.4), ("钟", 0.4), ("范", 0.4), ("石", 0.4), ("熊", 0.4),
    ("雷", 0.4), ("岳", 0.4), ("蒲", 0.4), ("沈", 0.3), ("姜", 0.3), ("崔", 0.3),
    ("陆", 0.3), ("汪", 0.3), ("金", 0.3), ("贾", 0.3), ("夏", 0.3), ("方", 0.3),
    ("邹", 0.3), ("白", 0.3), ("秦", 0.3), ("邱", 0.3), ("侯", 0.3), ("江", 0.3),
    ("尹", 0.3), ("段", 0.3), ("龙", 0.3), ("贺", 0.3), ("毛", 0.3), ("龚", 0.3),
    ("万", 0.3), ("冉", 0.3), ("孟", 0.2), ("薛", 0.2), ("闫", 0.2), ("黎", 0.2),
    ("史", 0.2), ("陶", 0.2), ("郝", 0.2), ("顾", 0.2), ("邵", 0.2), ("武", 0.2),
    ("钱", 0.2), ("戴", 0.2), ("严", 0.2), ("莫", 0.2), ("孔", 0.2), ("常", 0.2),
    ("庞", 0.2), ("鲜", 0.2),
)  # fmt: skip
# Given-name characters by birth cohort (before 1970, 1970–1999, from 2000) and sex.
GIVEN_CHARS: dict[tuple[int, str], str] = {
    (0, "M"): "明国建华德文志福成清长永学春贵忠全富林开正发元光祥兴云财洪金荣友",
    (0, "F"): "秀英兰珍芳桂玉华淑琼素翠凤菊莲群碧霞梅琴容香",
    (1, "M"): "伟强军勇杰涛斌波鹏刚林平辉峰亮超磊健宏俊飞兵东海",
    (1, "F"): "丽敏静燕艳娟霞玲婷红梅芳琳雪洁莉倩蓉慧萍",
    (2, "M"): "浩宇轩子博文杰俊涵睿泽明一诚豪晨然鑫凯旭",
    (2, "F"): "欣怡梓涵雨诗思佳萱琪悦彤可馨婧妍语艺若晴",
}
TWO_CHAR_SHARE = (0.85, 0.6, 0.8)  # share of two-character given names per cohort


class _Picker:
    """A weighted choice by bisecting precomputed cumulative weights (faster than
    ``Random.choices``, which rebuilds them on every call)."""

    __slots__ = ("cum", "items", "random", "total")

    def __init__(self, rng: random.Random, items: Sequence[Any], weights: Sequence[float]):
        self.items = list(items)
        self.cum: list[float] = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cum.append(total)
        self.total = total
        self.random = rng.random

    def __call__(self) -> Any:
        return self.items[bisect.bisect_right(self.cum, self.random() * self.total)]


@dataclass
class _Member:
    age: int
    sex: str
    relation: str
    surname: str
    birth: int = 0  # ordinal
    person: dict[str, Any] = field(default_factory=dict)
    certificate: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[str, int, dict[str, Any], str]] = field(default_factory=list)
    left_on: int | None = None  # ordinal of death or move out
    grade: int = 4


@dataclass
class _Household:
    area: Area
    address: str
    members: list[_Member]
    statuses: list[tuple[str, int, int | None]] = field(default_factory=list)


class _Generator:
    def __init__(self, seed: int, villages: list[Area], taken_ids: set[str]):
        self.rng = rng = random.Random(seed)  # noqa: S311 - demo data, not security
        self.ref = REFERENCE_DATE.toordinal()
        self.used: set[int] = {int(n[:17]) for n in taken_ids if n[:17].isdigit()}
        weights = self._village_weights(villages)
        self.village = _Picker(rng, villages, weights)
        self.age_band = _Picker(rng, AGE_BANDS, [w for _, _, w in AGE_BANDS])
        self.category = {
            key: _Picker(rng, range(1, 8), weights) for key, weights in CATEGORY_BY_AGE.items()
        }
        self.grade = {c: _Picker(rng, range(1, 5), w) for c, w in GRADE_BY_CATEGORY.items()}
        self.multiple = _Picker(rng, *zip(*MULTIPLE_DETAILS, strict=True))
        self.ethnicity = _Picker(rng, *zip(*ETHNICITIES, strict=True))
        self.surname = _Picker(rng, *zip(*SURNAMES, strict=True))
        self.pair_kind = _Picker(rng, *zip(*PAIR_KINDS, strict=True))
        self.destination = _Picker(rng, DESTINATIONS, [1] * len(DESTINATIONS))
        # pinyin_keys keeps 200,000 names; a million persons carry about 230,000 distinct
        # ones, and pypinyin is the costliest step per new name, so keep them all here.
        self.pinyin: dict[str, tuple[str, str]] = {}

    def _village_weights(self, villages: list[Area]) -> list[float]:
        by_county: dict[str, list[float]] = {}
        base: list[float] = []
        for village in villages:
            weight = self.rng.uniform(0.6, 1.4) * (2 if village.name.endswith("社区") else 1)
            base.append(weight)
            by_county.setdefault(village.code[:6], []).append(weight)
        # A county's share follows COUNTY_WEIGHTS whatever its number of villages; an
        # unknown county (another region pack) gets the average share.
        default = sum(COUNTY_WEIGHTS.values()) / len(COUNTY_WEIGHTS)
        totals = {county: sum(ws) for county, ws in by_county.items()}
        return [
            w * COUNTY_WEIGHTS.get(v.code[:6], default) / totals[v.code[:6]]
            for v, w in zip(villages, base, strict=True)
        ]

    # --- people ------------------------------------------------------------------------

    def draw_age(self, low: int = 1, high: int = 100) -> int:
        rng = self.rng
        for _ in range(100):
            band_low, band_high, _w = self.age_band()
            age = rng.randint(band_low, band_high)
            if low <= age <= high:
                return age
        return rng.randint(low, high)

    def draw_sex(self) -> str:
        return Sex.MALE if self.rng.random() < MALE_SHARE else Sex.FEMALE

    def birth_ordinal(self, age: int) -> int:
        # Uniform within the year of age, so the person is exactly ``age`` on REFERENCE_DATE.
        return self.ref - int((age + self.rng.random()) * 365.2425) - 1

    def given_name(self, birth_year: int, sex: str) -> str:
        cohort = 0 if birth_year < 1970 else 1 if birth_year < 2000 else 2
        chars = GIVEN_CHARS[(cohort, sex)]
        choice = self.rng.choice
        if self.rng.random() < TWO_CHAR_SHARE[cohort]:
            return choice(chars) + choice(chars)
        return choice(chars)

    def id_area(self, county: str, birth_year: int) -> str:
        """The area code an ID number issued at registration would carry (domain.md §2.2)."""
        r = self.rng.random()
        if birth_year < 1993:
            if r < 0.65:
                return CODES_BEFORE_1993.get(county, county)
            if r < 0.80:
                return CODES_1993_2000.get(county, county)
        elif birth_year < 2000 and r < 0.75:
            return CODES_1993_2000.get(county, county)
        if county == ENYANG and birth_year < 2013:
            # Registered before 恩阳区 existed → 巴州区's code, except late registrations.
            return ENYANG if self.rng.random() < 0.15 else "511902"
        return county

    def id_number(self, county: str, birth: dt.date, sex: str) -> str:
        area = self.id_area(county, birth.year)
        prefix = int(f"{area}{birth:%Y%m%d}") * 1000
        odd = sex == Sex.MALE
        randrange = self.rng.randrange
        # Sequence codes are odd for men, even for women, 001–999; retry on the rare
        # collision (a few per 100,000 at a million persons), scan if the day is crowded.
        for _ in range(30):
            sequence = randrange(0, 500) * 2 + 1 if odd else randrange(1, 500) * 2
            if prefix + sequence not in self.used:
                break
        else:
            free = [s for s in range(1 if odd else 2, 1000, 2) if prefix + s not in self.used]
            if not free:
                return self.id_number(county, birth + dt.timedelta(days=1), sex)
            sequence = free[0]
        self.used.add(prefix + sequence)
        first17 = str(prefix + sequence)
        return first17 + check_character(first17)

    def phone(self, age: int) -> str:
        rng = self.rng
        empty = 0.7 if age < 18 else 0.4 if age >= 80 else 0.08
        if rng.random() < empty:
            return ""
        return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"

    def address(self, village: Area) -> str:
        rng = self.rng
        if village.name.endswith("社区"):
            return (
                f"{village.name}{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 40)}号"
            )
        return f"{village.name}{rng.randint(1, 12)}组{rng.randint(1, 90)}号"

    # --- households ----------------------------------------------------------------------

    def household(self, room: int) -> _Household:
        rng = self.rng
        village = self.village()
        county = village.code[:6]
        is_community = village.name.endswith("社区")
        rural = rng.random() < (0.2 if is_community else 0.95)
        hukou = HukouType.RURAL if rural else HukouType.URBAN
        if room >= 2 and rng.random() < PAIR_SHARE:
            members = self.pair()
        else:
            age = self.draw_age()
            members = [_Member(age, self.draw_sex(), "", self.surname())]
        address = self.address(village)
        for member in members:
            self.fill_person(member, village, county, hukou, address)
        if len(members) == 1 and not members[0].relation:
            members[0].relation = self.single_relation(members[0])
            members[0].person["relation_to_head"] = members[0].relation
        elif members[1].relation == Relation.CHILD and members[1].person.get("guardian_name"):
            # A child living with a registered parent has that parent as guardian.
            head = members[0].person
            members[1].person.update(
                guardian_name=head["name"],
                guardian_relation="父亲" if head["sex"] == Sex.MALE else "母亲",
                guardian_id_number=head["id_number"],
                guardian_phone=head["phone"],
            )
        household = _Household(village, address, members)
        self.household_statuses(household)
        return household

    def pair(self) -> list[_Member]:
        rng = self.rng
        kind = self.pair_kind()
        head_sex = self.draw_sex()
        head_surname = self.surname()
        if kind == "couple":
            if rng.random() < 0.8:
                head_sex, other_sex = Sex.MALE, Sex.FEMALE
            else:
                head_sex, other_sex = Sex.FEMALE, Sex.MALE
            age = self.draw_age(22, 95)
            spouse_age = min(100, max(20, age + rng.randint(-5, 6)))
            return [
                _Member(age, head_sex, Relation.HEAD, head_surname),
                _Member(spouse_age, other_sex, Relation.SPOUSE, self.surname()),
            ]
        if kind == "parent_child":
            child_age = self.draw_age(1, 50)
            child_sex = self.draw_sex()
            # A child takes the father's surname; a mother's child gets one of its own.
            child_surname = head_surname if head_sex == Sex.MALE else self.surname()
            parent_age = min(100, child_age + rng.randint(22, 38))
            return [
                _Member(parent_age, head_sex, Relation.HEAD, head_surname),
                _Member(child_age, child_sex, Relation.CHILD, child_surname),
            ]
        head_age = rng.randint(30, 62)
        parent_sex = self.draw_sex()
        parent_surname = head_surname if parent_sex == Sex.MALE else self.surname()
        parent_age = min(100, head_age + rng.randint(22, 35))
        return [
            _Member(head_age, head_sex, Relation.HEAD, head_surname),
            _Member(parent_age, parent_sex, Relation.PARENT, parent_surname),
        ]

    def single_relation(self, member: _Member) -> str:
        r = self.rng.random()
        if member.age < 18:
            return Relation.CHILD if r < 0.85 else Relation.GRANDCHILD
        if member.age >= 60:
            return Relation.HEAD if r < 0.6 else Relation.SPOUSE if r < 0.85 else Relation.PARENT
        if member.certificate["category"] in (5, 6):
            if r < 0.45:
                return Relation.CHILD
            return Relation.HEAD if r < 0.8 else Relation.SPOUSE if r < 0.9 else Relation.SIBLING
        if r < 0.6:
            return Relation.HEAD
        return Relation.SPOUSE if r < 0.85 else Relation.CHILD if r < 0.97 else Relation.OTHER

    def fill_person(
        self, member: _Member, village: Area, county: str, hukou: str, address: str
    ) -> None:
        rng = self.rng
        member.birth = self.birth_ordinal(member.age)
        birth = dt.date.fromordinal(member.birth)
        name = member.surname + self.given_name(birth.year, member.sex)
        keys = self.pinyin.get(name)
        if keys is None:
            keys = self.pinyin[name] = pinyin_keys(name)
        full, initials = keys
        group = "child" if member.age < 18 else "adult" if member.age < 60 else "old"
        category = self.category[group]()
        grade = self.grade[category]()
        member.grade = grade
        detail = self.multiple() if category == 7 else ""
        member.person = {
            "id_number": self.id_number(county, birth, member.sex),
            "name": name,
            "name_pinyin": full,
            "name_initials": initials,
            "sex": member.sex,
            "birth_date": birth,
            "ethnicity": self.ethnicity(),
            "hukou_type": hukou,
            "area": village.code,
            "address": address,
            "phone": self.phone(member.age),
            "relation_to_head": member.relation,
            "status": PersonStatus.ACTIVE,
            "date_of_death": None,
        }
        member.certificate = {"category": category, "grade": grade, "multiple_detail": detail}
        mental = category in (5, 6) or (category == 7 and ("5" in detail or "6" in detail))
        if member.age < 18 or (mental and rng.random() < 0.75):
            member.person.update(self.guardian(member, county))
        self.certificate_and_status(member)

    def guardian(self, member: _Member, county: str) -> dict[str, str]:
        rng = self.rng
        age, r = member.age, rng.random()
        if age < 18:
            if r < 0.9:
                relation, sex = ("父亲", Sex.MALE) if r < 0.45 else ("母亲", Sex.FEMALE)
                g_age = age + rng.randint(22, 38)
            else:
                relation, sex = ("祖父", Sex.MALE) if r < 0.94 else ("祖母", Sex.FEMALE)
                g_age = age + rng.randint(45, 62)
        elif age < 50:
            relation, sex = ("父亲", Sex.MALE) if r < 0.4 else ("母亲", Sex.FEMALE)
            g_age = age + rng.randint(22, 35)
        elif r < 0.4:
            relation = "配偶"
            sex = Sex.FEMALE if member.sex == Sex.MALE else Sex.MALE
            g_age = max(20, age + rng.randint(-5, 5))
        elif r < 0.9:
            relation, sex = ("儿子", Sex.MALE) if r < 0.7 else ("女儿", Sex.FEMALE)
            g_age = age - rng.randint(22, min(35, age - 18))  # an adult child
        else:
            relation, sex = ("兄弟", Sex.MALE) if r < 0.95 else ("姐妹", Sex.FEMALE)
            g_age = max(20, age + rng.randint(-8, 8))
        g_age = min(g_age, 100)
        if relation in ("父亲", "祖父", "兄弟", "姐妹") or (
            relation in ("儿子", "女儿") and member.sex == Sex.MALE
        ):
            surname = member.surname
        else:
            surname = self.surname()
        g_birth = dt.date.fromordinal(self.birth_ordinal(g_age))
        return {
            "guardian_name": surname + self.given_name(g_birth.year, sex),
            "guardian_relation": relation,
            "guardian_id_number": self.id_number(county, g_birth, sex),
            "guardian_phone": self.phone(40) if rng.random() < 0.95 else "",
        }

    def certificate_and_status(self, member: _Member) -> None:
        rng, ref, birth = self.rng, self.ref, member.birth
        randint = rng.randint
        earliest_issue = birth + 180  # assessment from about six months of age
        r = rng.random()
        death_p = next(p for below, p in DEATH_BY_AGE if member.age < below)
        certificate = member.certificate
        status = CertificateStatus.VALID
        reissue = 0
        start = max(ref - 1095, birth + 365)  # events fall in the last three years

        def issue_before(day: int) -> int:
            return randint(max(earliest_issue, day - TERM_DAYS_MIN), day - 1)

        if r < death_p:
            died = randint(start, ref - 1)
            issue = issue_before(died)
            status = CertificateStatus.CANCELLED
            member.person["status"] = PersonStatus.DECEASED
            member.person["date_of_death"] = dt.date.fromordinal(died)
            member.left_on = died
            member.events.append(
                (
                    LifeEventKind.DEATH,
                    died,
                    {
                        "status": [PersonStatus.ACTIVE, PersonStatus.DECEASED],
                        "date_of_death": [None, dt.date.fromordinal(died).isoformat()],
                        "certificate.status": [CertificateStatus.VALID, status],
                    },
                    "",
                )
            )
        elif r < death_p + MOVED_OUT:
            moved = randint(start, ref - 1)
            issue = randint(max(earliest_issue, ref - TERM_DAYS_MIN), moved - 1)
            member.person["status"] = PersonStatus.MOVED_OUT
            member.left_on = moved
            member.events.append(
                (
                    LifeEventKind.MOVE_OUT,
                    moved,
                    {"status": [PersonStatus.ACTIVE, PersonStatus.MOVED_OUT]},
                    self.destination(),
                )
            )
            # The certificate must follow the hukou: frozen after 6 months, cancelled
            # after a year (domain.md §2.1), each recorded as its own event.
            if ref - moved > 183:
                status = CertificateStatus.FROZEN
                member.events.append(
                    (
                        LifeEventKind.FREEZE,
                        moved + 183,
                        {"certificate.status": [CertificateStatus.VALID, status]},
                        "迁出满6个月未办理残疾人证迁移",
                    )
                )
            if ref - moved > 365:
                status = CertificateStatus.CANCELLED
                member.events.append(
                    (
                        LifeEventKind.CANCEL,
                        moved + 365,
                        {"certificate.status": [CertificateStatus.FROZEN, status]},
                        "迁出满1年未办理残疾人证迁移",
                    )
                )
        elif r < death_p + MOVED_OUT + FROZEN:
            frozen = randint(max(ref - 720, birth + 365), ref - 1)
            issue = randint(max(earliest_issue, ref - TERM_DAYS_MIN), frozen - 1)
            status = CertificateStatus.FROZEN
            member.events.append(
                (
                    LifeEventKind.FREEZE,
                    frozen,
                    {"certificate.status": [CertificateStatus.VALID, status]},
                    "信息待核实",
                )
            )
        elif r < death_p + MOVED_OUT + FROZEN + CANCELLED:
            cancelled = randint(start, ref - 1)
            issue = issue_before(cancelled)
            status = CertificateStatus.CANCELLED
            member.events.append(
                (
                    LifeEventKind.CANCEL,
                    cancelled,
                    {"certificate.status": [CertificateStatus.VALID, status]},
                    "复评不再符合残疾标准",
                )
            )
        elif r < death_p + MOVED_OUT + FROZEN + CANCELLED + RENEWING and (
            earliest_issue < ref - 3470
        ):
            # Renewal may be asked for once a certificate is 9 years old (domain.md §2.1);
            # some are already past their 10 years while the new one is prepared.
            issue = randint(max(earliest_issue, ref - 3835), ref - 3288)
            status = CertificateStatus.RENEWING
        else:
            issue = randint(max(earliest_issue, ref - TERM_DAYS_MIN), ref - 1)
            if r > 1 - REISSUED and issue < ref - 60:
                reissue = 1
        issue_date = dt.date.fromordinal(issue)
        number = certificate_number_for(
            member.person["id_number"], certificate["category"], certificate["grade"], reissue
        )
        if reissue:
            reissued = randint(issue + 30, ref - 1)
            first = certificate_number_for(
                member.person["id_number"], certificate["category"], certificate["grade"]
            )
            member.events.append(
                (
                    LifeEventKind.REISSUE,
                    reissued,
                    {
                        "certificate.number": [
                            mask_certificate_number(first),
                            mask_certificate_number(number),
                        ],
                        "certificate.reissue_count": [0, 1],
                    },
                    "遗失补发",
                )
            )
        certificate.update(
            number=number,
            issue_date=issue_date,
            valid_until=add_years(issue_date, CERTIFICATE_TERM_YEARS),
            status=status,
            reissue_count=reissue,
        )

    def household_statuses(self, household: _Household) -> None:
        rng = self.rng
        members = household.members
        first, last = STATUS_FIRST.toordinal(), min(STATUS_LAST.toordinal(), self.ref)
        gone = all(m.left_on is not None for m in members)
        if gone:
            # Support ends when the last member dies or leaves.
            last = min(last, max(m.left_on or 0 for m in members) - 1)
        if last - first < 30:
            return
        r = rng.random()
        single = members[0]
        if len(members) == 1 and (single.age >= 60 or single.grade <= 2) and r < TEKUN_SHARE:
            kind, ended = HouseholdStatusKind.TEKUN, TEKUN_ENDED
        else:
            severe = any(m.grade <= 2 for m in members)
            if rng.random() >= (DIBAO_SEVERE if severe else DIBAO_OTHER):
                return
            kind, ended = HouseholdStatusKind.DIBAO, DIBAO_ENDED
        start = rng.randint(first, last - 30)
        end: int | None = None
        if gone:
            end = rng.randint(start + 1, last + 1)
        elif rng.random() < ended and start + 180 < self.ref:
            end = rng.randint(start + 180, self.ref - 1)
        household.statuses.append((kind, start, end))


# --- writing --------------------------------------------------------------------------


def current_demo() -> dict[str, Any] | None:
    """``{"persons": n, "seed": s, ...}`` of the demo population in the database, or None."""
    marker = (
        AuditEvent.objects.filter(object_type=MARKER_TYPE, source=DEMO_SOURCE)
        .order_by("-id")
        .values("action", "changes")
        .first()
    )
    if marker is None or marker["action"] != AuditAction.CREATE:
        return None
    return marker["changes"]


def demo_person_ids() -> Any:
    """A subquery of the primary keys of demo persons (those created by this module)."""
    return AuditEvent.objects.filter(
        object_type=PERSON_TYPE,
        source=DEMO_SOURCE,
        action=AuditAction.CREATE,
        person_id__isnull=False,
    ).values("person_id")


def _delete_demo(previous: dict[str, Any] | None) -> int:
    """Delete demo persons with their certificates, events, households and statuses.

    Set-based deletes through the ORM (each a single statement, because the deleted
    models have nothing depending on them once their children are gone); persons and
    households go in chunks so the collector never holds a million objects.
    """
    demo = Subquery(demo_person_ids())
    LifeEvent.objects.filter(person_id__in=demo).delete()
    DisabilityCertificate.objects.filter(person_id__in=demo).delete()
    person_ids = list(Person.objects.filter(pk__in=demo).values_list("pk", flat=True))
    household_ids = sorted(
        set(
            Person.objects.filter(pk__in=demo, household__isnull=False).values_list(
                "household_id", flat=True
            )
        )
    )
    HouseholdStatus.objects.filter(
        household_id__in=Person.objects.filter(pk__in=demo).values("household_id")
    ).delete()
    chunk = 900  # below SQLite's 999 parameters per statement
    for i in range(0, len(person_ids), chunk):
        Person.objects.filter(pk__in=person_ids[i : i + chunk]).only("pk").delete()
    for i in range(0, len(household_ids), chunk):
        # Households another (non-demo) person joined since are kept.
        Household.objects.filter(pk__in=household_ids[i : i + chunk], members__isnull=True).only(
            "pk"
        ).delete()
    audit.record(
        None,
        AuditAction.DELETE,
        object_type=MARKER_TYPE,
        summary=f"demo population deleted: {len(person_ids)} persons",
        changes={**(previous or {}), "deleted_persons": len(person_ids)},
        source=DEMO_SOURCE,
    )
    return len(person_ids)


@contextmanager
def _large_cache() -> Iterator[None]:
    """On SQLite, a 256 MiB page cache while loading (the default is 2 MiB).

    The person table's indexes (blind index, name, pinyin, birth date, area…) are filled
    in random order; with the default cache, pages of one big transaction are spilled and
    read back over and over. Measured at a million persons: 293 s with it, 356 s without,
    for about 310 MiB more peak memory. Restored afterwards: the connection may serve
    other work.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous:d}")


def _villages() -> list[Area]:
    return list(Area.objects.filter(level=AreaLevel.VILLAGE).only("code", "name").order_by("code"))


def generate_population(
    persons: int = DEFAULT_PERSONS,
    seed: int = DEFAULT_SEED,
    *,
    replace: bool = False,
    batch_size: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> DemoReport:
    """Create ``persons`` demo persons from ``seed``; a no-op if exactly those exist.

    Raises :class:`DemoDataError` if another demo population exists and ``replace`` is
    False, or if no village-level areas are loaded. Everything is written in one
    transaction: a failure leaves the database as it was.
    """
    if persons < 1:
        raise DemoDataError("The number of persons must be at least 1.")
    started = time.perf_counter()
    wanted = {"persons": persons, "seed": seed}
    with transaction.atomic():
        previous = current_demo()
        if previous is not None and not replace:
            if {k: previous.get(k) for k in wanted} == wanted:
                return DemoReport(persons, seed, int(previous.get("households", 0)), created=False)
            raise DemoDataError(
                f"Demo data for {previous.get('persons')} persons with seed "
                f"{previous.get('seed')} already exists; use --replace to delete it and "
                f"generate {persons} persons with seed {seed}."
            )
        now = timezone.now()
        deleted = _delete_demo(previous) if replace else 0
        villages = _villages()
        if not villages:
            raise DemoDataError(
                "No village-level areas are loaded: run `python manage.py load_region` first."
            )
        taken = set(Person.objects.values_list("id_number", flat=True))
        generator = _Generator(seed, villages, taken)
        with _large_cache():
            households = _write(generator, persons, batch_size, now, progress)
        audit.record(
            None,
            AuditAction.CREATE,
            object_type=MARKER_TYPE,
            summary=f"demo population: {persons} persons, seed {seed}",
            changes={
                **wanted,
                "households": households,
                "reference_date": REFERENCE_DATE.isoformat(),
            },
            source=DEMO_SOURCE,
        )
    return DemoReport(
        persons,
        seed,
        households,
        created=True,
        deleted_persons=deleted,
        seconds=time.perf_counter() - started,
    )


PERSON_COLUMNS = (
    "id",
    "household",
    "id_number",
    "name",
    "name_pinyin",
    "name_initials",
    "sex",
    "birth_date",
    "ethnicity",
    "hukou_type",
    "area",
    "address",
    "phone",
    "relation_to_head",
    "guardian_name",
    "guardian_relation",
    "guardian_id_number",
    "guardian_phone",
    "status",
    "date_of_death",
)
PERSON_KEYS = PERSON_COLUMNS[2:]  # the generator's dict keys after id and household
NO_GUARDIAN = {
    "guardian_name": "",
    "guardian_relation": "",
    "guardian_id_number": "",
    "guardian_phone": "",
}
CERTIFICATE_COLUMNS = (
    "person",
    "number",
    "category",
    "multiple_detail",
    "grade",
    "issue_date",
    "valid_until",
    "status",
    "reissue_count",
)


def _write(
    generator: _Generator,
    total: int,
    batch_size: int,
    now: dt.datetime,
    progress: Callable[[int, int], None] | None,
) -> int:
    done = households_written = 0
    tz = timezone.get_current_timezone()
    household_table = BulkInserter(Household, ("id", "area", "address"), now)
    person_table = BulkInserter(Person, PERSON_COLUMNS, now)
    certificate_table = BulkInserter(DisabilityCertificate, CERTIFICATE_COLUMNS, now)
    household_keys, person_keys = PrimaryKeys(Household), PrimaryKeys(Person)
    while done < total:
        plans: list[_Household] = []
        in_batch = 0
        while in_batch < batch_size and done + in_batch < total:
            plan = generator.household(total - done - in_batch)
            plans.append(plan)
            in_batch += len(plan.members)
        household_ids = household_keys.take(len(plans))
        ids = iter(person_keys.take(in_batch))
        household_rows = []
        person_rows = []
        certificate_rows = []
        audits: list[AuditEvent] = []
        statuses: list[HouseholdStatus] = []
        events: list[LifeEvent] = []
        for plan, household_id in zip(plans, household_ids, strict=True):
            area = plan.area.code
            household_rows.append((household_id, area, plan.address))
            for member in plan.members:
                pk = next(ids)
                values = NO_GUARDIAN | member.person
                person_rows.append((pk, household_id, *(values[k] for k in PERSON_KEYS)))
                cert = member.certificate
                certificate_rows.append(
                    (
                        pk,
                        cert["number"],
                        cert["category"],
                        cert["multiple_detail"],
                        cert["grade"],
                        cert["issue_date"],
                        cert["valid_until"],
                        cert["status"],
                        cert["reissue_count"],
                    )
                )
                # No identifiers here: the audit row names the person by primary key only.
                audits.append(
                    audit.build_event(
                        None,
                        AuditAction.CREATE,
                        object_type=PERSON_TYPE,
                        object_id=pk,
                        person_id=pk,
                        area_code=area,
                        summary="demo population",
                        source=DEMO_SOURCE,
                        at=now,
                    )
                )
                for kind, when, details, note in member.events:
                    effective = dt.date.fromordinal(when)
                    events.append(
                        LifeEvent(
                            person_id=pk,
                            kind=kind,
                            effective_date=effective,
                            details=details,
                            note=note,
                            # Recorded at noon on the day it happened, as if entered promptly.
                            recorded_at=dt.datetime.combine(effective, dt.time(12), tzinfo=tz),
                        )
                    )
            statuses.extend(
                HouseholdStatus(
                    household_id=household_id,
                    kind=kind,
                    start_date=dt.date.fromordinal(start),
                    end_date=dt.date.fromordinal(end) if end is not None else None,
                    source=DEMO_SOURCE,
                )
                for kind, start, end in plan.statuses
            )
        household_table.insert(household_rows)
        person_table.insert(person_rows)
        certificate_table.insert(certificate_rows)
        # Audit rows are chained (each row's HMAC covers its predecessor), so they go
        # through the audit module's own bulk writer, like every other writer's.
        audit.record_many(audits, batch_size=batch_size)
        # Few rows (about 5% of persons have events, 23% of households a status): the
        # ordinary bulk_create, which also adapts the JSON details.
        HouseholdStatus.objects.bulk_create(statuses, batch_size=batch_size)
        LifeEvent.objects.bulk_create(events, batch_size=batch_size)
        done += in_batch
        households_written += len(plans)
        if progress is not None:
            progress(done, total)
    return households_written
