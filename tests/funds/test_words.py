import pytest

from funds.words import amount_words, number_words


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (101, "một trăm linh một"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (1001, "một nghìn không trăm linh một"),
        (2024, "hai nghìn không trăm hai mươi tư"),
        (12_486, "mười hai nghìn bốn trăm tám mươi sáu"),
        (1_005_000, "một triệu không trăm linh năm nghìn"),
        (1_000_500, "một triệu năm trăm"),
        (215_640_000, "hai trăm mười lăm triệu sáu trăm bốn mươi nghìn"),
        (1_000_000_000, "một tỷ"),
        (2_000_005_000, "hai tỷ không trăm linh năm nghìn"),
        (1_250_000_000_000, "một nghìn hai trăm năm mươi tỷ"),
    ],
)
def test_number_words_follow_vietnamese_reading_rules(number, words):
    assert number_words(number) == words


def test_amount_words_is_capitalised_and_ends_with_dong():
    assert amount_words(1_500_000) == "Một triệu năm trăm nghìn đồng"


def test_negative_amount_reads_am():
    assert amount_words(-1_500_000) == "Âm một triệu năm trăm nghìn đồng"
