import datetime

from core import formatting
from core.text import fold, nfc, sort_key


def test_fold_makes_accent_free_search_keys():
    assert fold("Nguyễn Văn Đức") == "nguyen van duc"
    assert fold("ĐẶNG THỊ HỒNG") == "dang thi hong"


def test_nfc_joins_decomposed_text():
    decomposed = "Nguye\u0302\u0303n"
    assert nfc(decomposed) == "Nguyễn"
    assert nfc("  Lê   Hà ") == "Lê Hà"


def test_vietnamese_sort_order_by_given_name():
    names = ["Nguyễn Văn Đức", "Trần Thị Dung", "Lê Hà", "Phạm Văn Dũng", "Bùi An", "Đỗ Văn Zê", "Hoàng Ăn"]
    assert sorted(names, key=sort_key) == [
        "Bùi An",
        "Hoàng Ăn",
        "Trần Thị Dung",
        "Phạm Văn Dũng",
        "Nguyễn Văn Đức",
        "Lê Hà",
        "Đỗ Văn Zê",
    ]


def test_same_given_name_sorts_by_middle_then_family_name():
    assert sorted(["Trần Văn An", "Lê Thị An", "Nguyễn Thị An"], key=sort_key) == [
        "Lê Thị An",
        "Nguyễn Thị An",
        "Trần Văn An",
    ]


def test_vietnamese_number_money_percent():
    assert formatting.number(12486) == "12.486"
    assert formatting.number(-1234567) == "-1.234.567"
    assert formatting.money(215640000) == "215.640.000 đồng"
    assert formatting.percent(0.2134) == "21,3%"
    assert formatting.ratio(61532, 98240) == "61.532/98.240 (62,6%)"
    assert formatting.change(12486, 11982) == "tăng 4,2%"
    assert formatting.change(90, 100) == "giảm 10,0%"


def test_decree_30_long_date():
    assert formatting.long_date(datetime.date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert formatting.long_date(datetime.date(2025, 12, 15)) == "ngày 15 tháng 12 năm 2025"
    assert formatting.long_date(datetime.date(2025, 3, 9)) == "ngày 09 tháng 3 năm 2025"


def test_templates_group_figures_but_never_years(settings):
    from django.template import Context, Template

    rendered = Template(
        "{{ n|so }} {{ money|tien }} năm {{ year }} {{ d|date:'SHORT_DATE_FORMAT' }} {{ r|phantram }}"
    ).render(Context({"n": 1234567, "money": 215640000, "year": 2026, "d": datetime.date(2026, 1, 5), "r": 0.2134}))
    assert rendered == "1.234.567 215.640.000 đồng năm 2026 05/01/2026 21,3%"


def test_date_input_reads_day_first():
    from django import forms

    field = forms.DateField()
    assert field.clean("05/01/2026") == datetime.date(2026, 1, 5)
