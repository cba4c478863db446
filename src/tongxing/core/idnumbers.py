"""Resident ID numbers (GB 11643-1999) and disability certificate numbers.

The area part of an ID number is deliberately *not* checked against a table of division
codes: Bazhong residents carry codes that were valid when they registered (5130xx before
1993, 5137xx until 2000), and late registrations make any "code valid in birth year" rule
reject real people (domain.md §2.2). Length, characters, real birth date and the
ISO 7064 MOD 11-2 check character are hard errors.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from operator import mul

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = dt.date(1880, 1, 1)

CERTIFICATE_RE = re.compile(
    r"^(?P<id>\d{17}[\dX])(?P<category>[1-7])(?P<grade>[1-4])(?:B(?P<reissue>[1-9]\d*))?$"
)


def normalise_id_number(value: str) -> str:
    """Upper-case the check character and drop spaces people type or paste."""
    # str.split() drops exactly the characters ``\s`` matches (str.isspace), faster.
    return "".join((value or "").split()).upper()


@lru_cache(maxsize=4096)
def check_character(first17: str) -> str:
    """Cached because an import checks each number twice (the ID number, then the
    certificate number that starts with it), a few calls apart."""
    if len(first17) != 17:
        raise ValueError(f"check_character needs 17 characters, not {len(first17)}")
    total = sum(map(mul, map(int, first17), WEIGHTS))
    return CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F": the sequence code is odd for men

    @property
    def area_code(self) -> str:
        return self.number[:6]


def parse_id_number(value: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate an 18-character resident ID number and return its parts.

    Raises ``ValidationError`` with a plain-language reason and a stable ``code``.
    ``today`` bounds the birth date; callers pass the date they validate for.
    """
    number = normalise_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(length)d."),
            code="id_length",
            params={"length": len(number)},
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or X."), code="id_characters"
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this ID number (%(date)s) is not a real date."),
            code="id_birth_date",
            params={"date": number[6:14]},
        ) from None
    if birth < EARLIEST_BIRTH or (today is not None and birth > today):
        raise ValidationError(
            _("The birth date in this ID number (%(date)s) is not possible."),
            code="id_birth_date",
            params={"date": birth.isoformat()},
        )
    expected = check_character(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _(
                "The last character of this ID number should be %(expected)s, not %(actual)s: "
                "please check the number for a typing mistake."
            ),
            code="id_check_character",
            params={"expected": expected, "actual": number[17]},
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, birth_date=birth, sex=sex)


def make_id_number(area_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid ID number (for demo data and tests)."""
    first17 = f"{area_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


@dataclass(frozen=True)
class CertificateNumber:
    number: str
    id_number: str
    category: int
    grade: int
    reissue: int  # 0 for a first issue, n for the suffix Bn


def certificate_number_for(id_number: str, category: int, grade: int, reissue: int = 0) -> str:
    suffix = f"B{reissue}" if reissue else ""
    return f"{id_number}{category}{grade}{suffix}"


def parse_certificate_number(
    value: str,
    *,
    id_number: str | None = None,
    category: int | None = None,
    grade: int | None = None,
) -> CertificateNumber:
    """Validate a second-generation certificate number: ID + category + grade [+ Bn].

    When the holder's ID number, category or grade are given, the number must agree with
    them (管理办法 第五条); a disagreement names the part that differs.
    """
    number = normalise_id_number(value)
    match = CERTIFICATE_RE.match(number)
    if not match:
        raise ValidationError(
            _(
                "A certificate number is the 18-character ID number, the category digit (1–7) "
                "and the grade digit (1–4), with B1, B2… added for a reissue."
            ),
            code="certificate_format",
        )
    parse_id_number(match["id"])
    parsed = CertificateNumber(
        number=number,
        id_number=match["id"],
        category=int(match["category"]),
        grade=int(match["grade"]),
        reissue=int(match["reissue"] or 0),
    )
    if id_number is not None and parsed.id_number != normalise_id_number(id_number):
        raise ValidationError(
            _("The certificate number does not start with this person's ID number."),
            code="certificate_id_mismatch",
        )
    if category is not None and parsed.category != int(category):
        raise ValidationError(
            _("The certificate number says category %(number)s but the category is %(value)s."),
            code="certificate_category_mismatch",
            params={"number": parsed.category, "value": category},
        )
    if grade is not None and parsed.grade != int(grade):
        raise ValidationError(
            _("The certificate number says grade %(number)s but the grade is %(value)s."),
            code="certificate_grade_mismatch",
            params={"number": parsed.grade, "value": grade},
        )
    return parsed


# --- unified social credit codes (GB 32100-2015) --------------------------------------------

# The 31 characters a credit code may use: digits and upper-case letters without I, O, Z,
# S and V (which read like 1, 0, 2, 5 and U); a character's value is its position here.
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_check_character(first17: str) -> str:
    total = sum(
        CREDIT_CHARS.index(char) * weight
        for char, weight in zip(first17, CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_CHARS[(31 - total % 31) % 31]


def parse_credit_code(value: str) -> str:
    """The normalised 18-character unified social credit code, or ``ValidationError``
    naming what is wrong: length, a character outside the code's alphabet, or the
    check character (GB 32100-2015 §4.2, MOD 31)."""
    code = normalise_id_number(value)
    if len(code) != 18:
        raise ValidationError(
            _("A credit code has 18 characters; this one has %(length)s."),
            code="credit_length",
            params={"length": len(code)},
        )
    bad = [char for char in code if char not in CREDIT_CHARS]
    if bad:
        raise ValidationError(
            _(
                "A credit code cannot contain “%(char)s” "
                "(the letters I, O, S, V and Z are not used)."
            ),
            code="credit_character",
            params={"char": bad[0]},
        )
    expected = credit_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The last character of this credit code should be %(expected)s, not %(actual)s: "
                "please check the code for a typing mistake."
            ),
            code="credit_check_character",
            params={"expected": expected, "actual": code[17]},
        )
    return code


def make_credit_code(area_code: str, sequence: int, kind: str = "91") -> str:
    """Build a valid credit code (for demo data and tests): ``kind`` is the registering
    authority and type (91 a company, 11 a government body), then the 6-digit area code
    and a 9-character organisation code."""
    first17 = f"{kind}{area_code[:6]}{sequence:09d}"
    return first17 + credit_check_character(first17)
