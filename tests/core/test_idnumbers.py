import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tongxing.core.idnumbers import (
    certificate_number_for,
    check_character,
    make_id_number,
    parse_certificate_number,
    parse_id_number,
)
from tongxing.core.masking import mask_certificate_number, mask_id_number, mask_phone


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("11010519491231002X", dt.date(1949, 12, 31), "F"),
        ("360426199101010071", dt.date(1991, 1, 1), "M"),
        ("51192220150601002X", dt.date(2015, 6, 1), "F"),
    ],
)
def test_known_valid_id_numbers_parse_with_birth_date_and_sex(number, birth, sex):
    parsed = parse_id_number(number)
    assert (parsed.number, parsed.birth_date, parsed.sex) == (number, birth, sex)


def test_a_lower_case_x_and_spaces_are_accepted_and_normalised():
    assert parse_id_number(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize(
    "number",
    [
        "511902199001011232",  # 巴州区 code before 2000: stdnum rejects it, we must not
        "513701199001011237",  # 巴中市 (1993–2000) code
    ],
)
def test_historical_bazhong_area_codes_are_not_an_error(number):
    assert parse_id_number(number).number == number


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "id_check_character"),
        ("11010519491231002", "id_length"),
        ("11010519491231002XX", "id_length"),
        ("110105194902300028", "id_birth_date"),  # 30 February
        ("11010518790101002X", "id_birth_date"),  # before 1880
        ("1101051949123100AX", "id_characters"),
    ],
)
def test_invalid_id_numbers_are_refused_with_a_named_reason(number, code):
    with pytest.raises(ValidationError) as caught:
        parse_id_number(number)
    assert caught.value.code == code


def test_a_wrong_check_character_message_says_which_character_is_expected():
    with pytest.raises(ValidationError) as caught:
        parse_id_number("110105194912310021")
    assert "X" in caught.value.messages[0]


def test_a_birth_date_after_the_validation_day_is_refused():
    number = make_id_number("511902", dt.date(2026, 12, 1), 1)
    with pytest.raises(ValidationError) as caught:
        parse_id_number(number, today=dt.date(2026, 11, 28))
    assert caught.value.code == "id_birth_date"


def test_make_id_number_computes_the_iso_7064_check_character():
    assert check_character("11010519491231002") == "X"
    assert make_id_number("511922", dt.date(2015, 6, 1), 2) == "51192220150601002X"


def test_a_certificate_number_is_the_id_number_with_category_and_grade():
    parsed = parse_certificate_number("11010519491231002X43")
    assert (parsed.id_number, parsed.category, parsed.grade, parsed.reissue) == (
        "11010519491231002X",
        4,
        3,
        0,
    )


def test_a_reissued_certificate_number_carries_its_reissue_count():
    assert parse_certificate_number("11010519491231002X43B12").reissue == 12
    assert certificate_number_for("11010519491231002X", 4, 3, 2) == "11010519491231002X43B2"


@pytest.mark.parametrize(
    ("number", "kwargs", "code"),
    [
        ("11010519491231002X83", {}, "certificate_format"),  # category 8 does not exist
        ("11010519491231002X45", {}, "certificate_format"),  # grade 5 does not exist
        ("11010519491231002X43", {"id_number": "360426199101010071"}, "certificate_id_mismatch"),
        ("11010519491231002X43", {"category": 5}, "certificate_category_mismatch"),
        ("11010519491231002X43", {"grade": 2}, "certificate_grade_mismatch"),
    ],
)
def test_a_certificate_number_that_disagrees_is_refused(number, kwargs, code):
    with pytest.raises(ValidationError) as caught:
        parse_certificate_number(number, **kwargs)
    assert caught.value.code == code


def test_a_certificate_number_with_a_bad_id_part_is_refused():
    with pytest.raises(ValidationError) as caught:
        parse_certificate_number("11010519491231002143")
    assert caught.value.code == "id_check_character"


def test_masks_keep_the_first_six_and_last_four_and_the_certificate_digits():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_certificate_number("11010519491231002X43B1") == "110105********002X43B1"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("") == ""


def test_the_check_character_refuses_a_number_that_is_not_17_digits():
    with pytest.raises(ValueError):
        check_character("1101051949123100")
    with pytest.raises(ValueError):
        check_character("110105194912310X2")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" 1101 0519\t4912\n31002x\u3000", "11010519491231002X"),
        ("\u00a011010519491231002X\u2003", "11010519491231002X"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalising_drops_every_kind_of_space_and_upper_cases(value, expected):
    from tongxing.core.idnumbers import normalise_id_number

    assert normalise_id_number(value) == expected
