"""Cell values as real sheets hold them: numbers in every common format, dates, headers with variants."""

import datetime

import pytest

from chapters.imports.baseline import baseline_kind
from chapters.imports.units import guess_host, parse_unit_host, parse_unit_kind
from core.spreadsheets.headers import find_header, header_keys
from core.spreadsheets.parsing import ParseError, parse_date, parse_integer, parse_year
from core.spreadsheets.reading import FileRejected, Sheet


@pytest.mark.parametrize(
    "raw",
    ["1.234.567", "1,234,567", "1 234 567 đ", "1234567", "1.234.567 đồng", "1\u00a0234\u00a0567", "1.234.567 VNĐ",
     "1.234.567,00", 1234567, 1234567.0],
)  # fmt: skip
def test_whole_numbers_in_every_common_format(raw):
    assert parse_integer(raw) == 1234567


@pytest.mark.parametrize("raw", ["1,5", "12.5", "1.234,5", 1234.5])
def test_fractions_are_refused_where_whole_dong_are_expected(raw):
    with pytest.raises(ParseError, match="phải là số nguyên"):
        parse_integer(raw)


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "12,34,567", True])
def test_text_that_is_not_a_number_is_refused(raw):
    with pytest.raises(ParseError, match="không phải là số"):
        parse_integer(raw)


def test_empty_cells_are_none():
    assert parse_integer("") is None
    assert parse_integer(None) is None
    assert parse_date("  ") is None


@pytest.mark.parametrize(
    "raw",
    ["05/01/2024", "5/1/2024", "05-01-2024", "05.01.2024", "2024-01-05", 45296, 45296.75,
     datetime.datetime(2024, 1, 5, 8, 30), datetime.date(2024, 1, 5)],
)  # fmt: skip
def test_dates_day_first_serials_and_date_cells(raw):
    assert parse_date(raw) == datetime.date(2024, 1, 5)


def test_a_date_that_does_not_exist_is_an_error():
    with pytest.raises(ParseError, match="Ngày 31/02/2024 không tồn tại"):
        parse_date("31/02/2024")


def test_two_digit_years_are_refused():
    with pytest.raises(ParseError, match="4 chữ số"):
        parse_date("5/1/24")


def test_years():
    assert parse_year("2024") == 2024
    assert parse_year(2024.0) == 2024
    with pytest.raises(ParseError):
        parse_year("24")


def test_choices_accept_labels_synonyms_and_missing_accents():
    assert parse_unit_kind("Chi hội") == "chapter"
    assert parse_unit_kind("chi hoi") == "chapter"
    assert parse_unit_kind("BAN KHUYẾN HỌC") == "board"
    assert parse_unit_host("Tổ dân phố") == "residential"
    with pytest.raises(ParseError, match="không phải là giá trị hợp lệ"):
        parse_unit_kind("Câu lạc bộ")


def test_host_is_guessed_from_a_chapter_name():
    assert guess_host("Chi hội thôn Tây") == "residential"
    assert guess_host("Chi hội Trường THCS Bạch Đằng") == "school"
    assert guess_host("Chi hội dòng họ Nguyễn") == "clan"
    assert guess_host("Chi hội Cựu giáo chức") == ""


@pytest.mark.parametrize("header", ["Họ và tên", "Họ tên", "HỌ VÀ TÊN", "ho va ten", "Họ  và\ntên (*)"])
def test_header_variants_share_a_key(header):
    assert header_keys(header) & (header_keys("Họ và tên") | header_keys("Họ tên"))


def test_header_row_is_found_below_a_title_and_numbering_and_total_rows_are_skipped():
    sheet = Sheet(
        name="Số liệu",
        rows=[
            (1, ["BÁO CÁO SỐ LIỆU NỀN NĂM 2024", None, None, None]),
            (3, ["STT", "MÃ ĐƠN VỊ", "Năm", "Dân số (người)"]),
            (4, ["(1)", "(2)", "(3)", "(4)"]),
            (5, [1, "10001-01", 2024, "1.234"]),
            (6, ["Tổng cộng", None, None, "1.234"]),
        ],
    )
    match = find_header([sheet], baseline_kind)
    assert match.row_number == 3
    assert match.fields == {1: "unit_code", 2: "year", 3: "population"}
    assert match.unknown == []  # "STT" is ignored silently
    assert [number for number, _cells in match.data_rows] == [5]


def test_unknown_columns_are_reported_and_the_users_mapping_wins():
    sheet = Sheet(name="S", rows=[(1, ["Mã", "Năm", "Số nhân khẩu thường trú"]), (2, ["A", 2024, 5])])
    match = find_header([sheet], baseline_kind)
    assert match.unknown == [2]
    mapped = find_header([sheet], baseline_kind, {"2": "population"})
    assert mapped.fields[2] == "population" and mapped.unknown == []


def test_a_sheet_without_a_recognisable_header_is_refused():
    sheet = Sheet(name="S", rows=[(1, ["Cột A", "Cột B"]), (2, [1, 2])])
    with pytest.raises(FileRejected, match="Không tìm thấy dòng tiêu đề"):
        find_header([sheet], baseline_kind)
