"""The figures catalogue's lookups that every dashboard makes thousands of times (issue 19: a province's page spent a
third of its time in them): a one-year period reads each figure's value as the general rule would, and the answers
of pattern-declared figures (titles) are remembered until a pattern is declared again."""

from chapters import figures as catalogue
from chapters.figures import RATIO, STOCK, Figure


def test_a_one_year_period_gives_what_the_rule_of_each_figure_gives(monkeypatch):
    declared = [
        Figure("zz.flow", "thu"),
        Figure("zz.stock", "cuối kỳ", kind=STOCK),
        Figure("zz.opening", "đầu kỳ", kind=STOCK, at="start"),
        Figure("zz.ratio", "tỉ lệ", rollup=RATIO, numerator="zz.flow", denominator="zz.stock"),
    ]
    for item in declared:
        monkeypatch.setitem(catalogue.CATALOGUE, item.key, item)
    year = {"zz.flow": 3_500_000, "zz.stock": 120, "zz.opening": 7, "zz.ratio": 42, "zz.zero": 0}
    year.update({"titles.gdht.holding": 9, "not.declared": 5})
    monkeypatch.setitem(catalogue.CATALOGUE, "zz.zero", Figure("zz.zero", "không"))
    general = {}
    for key, value in year.items():
        found = catalogue.find(key)
        if found is not None and found.rollup != RATIO and found.over_years([value]):
            general[key] = found.over_years([value])

    assert catalogue.over_years({2025: year}, [2025]) == general
    assert general == {"zz.flow": 3_500_000, "zz.stock": 120, "zz.opening": 7, "titles.gdht.holding": 9}
    assert catalogue.over_years({2024: year}, [2025]) == {}
    # Two years still follow each figure's rule (flows summed, stocks at the end, openings at the start).
    two = catalogue.over_years({2024: {"zz.flow": 1, "zz.stock": 2, "zz.opening": 3}, 2025: year}, [2024, 2025])
    assert (two["zz.flow"], two["zz.stock"], two["zz.opening"]) == (3_500_001, 120, 3)


def test_a_pattern_declared_again_is_what_find_answers(monkeypatch):
    monkeypatch.setattr(catalogue, "PATTERNS", list(catalogue.PATTERNS))
    monkeypatch.setattr(catalogue, "_FROM_PATTERNS", {})
    catalogue.declare_pattern("zz.", lambda key: Figure(key, "một"))
    assert catalogue.find("zz.a").label == "một"
    assert catalogue.find("zz.a") is catalogue.find("zz.a")  # remembered, not made again
    catalogue.declare_pattern("zz.", lambda key: Figure(key, "hai", kind=STOCK) if key != "zz.none" else None)
    assert catalogue.find("zz.a").label == "hai"
    assert catalogue.find("zz.none") is None
    assert catalogue.find("yy.a") is None
