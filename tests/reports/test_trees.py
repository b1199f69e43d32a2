"""Issue 13 item 2: the past tree and today's tree agree on a total they must share.

A province whose extent did not change: before the 2025 reform a district with two communes (and a chapter in
each); on 1 July 2025 the communes merge into a new commune directly under the province and the district is
dissolved (no successor). Figures of 2024 are read on the tree of 2024 and on today's tree.
"""

import datetime

import pytest

from chapters.models import Unit
from chapters.services import tree as tree_services
from reports.dashboard import dashboard
from reports.queries import period_figures
from tests.factories import CommuneFactory, UnitFactory

from .test_figures import put_rows

D = datetime.date
REFORM = D(2025, 7, 1)


@pytest.fixture
def reform(tree):
    province = tree.province
    district = UnitFactory(parent=province, kind="association", level="district", host="", name="Quận Cũ", code="D01")
    a = CommuneFactory(parent=district, name="Phường An", code="A01")
    b = CommuneFactory(parent=district, name="Phường Bình", code="B01")
    chapter_a = UnitFactory(parent=a, name="Chi hội tổ 1 An", code="A01-1")
    chapter_b = UnitFactory(parent=b, name="Chi hội tổ 1 Bình", code="B01-1")
    new = CommuneFactory(parent=province, name="Phường Mới", code="N01", active_from=REFORM)
    tree_services.unit_merge(predecessors=[a, b], successor=new, on=REFORM)
    tree_services.unit_close(district, on=REFORM - datetime.timedelta(days=1))

    # 2024: the district's own fund and its own population entry (the whole district), the communes' entries (not
    # complete), classes at commune A's centre, members in the chapters.
    put_rows(
        district, 2024, rows={"funds.balance": 217_900_000, "funds.raised": 50_000_000, "baseline.population": 10_000}
    )
    put_rows(a, 2024, rows={"baseline.population": 4_000, "classes.count": 15, "titles.dhht.holding": 9})
    put_rows(b, 2024, rows={"baseline.population": 3_000, "baseline.clans": 12})
    put_rows(chapter_a, 2024, rows={"members.end": 30, "baseline.population": 1_000})
    put_rows(chapter_b, 2024, rows={"members.end": 20})
    return {"province": province, "district": district, "a": a, "b": b, "new": new}


FIGURES = [
    "members.end",
    "funds.balance",
    "funds.raised",
    "classes.count",
    "titles.dhht.holding",
    "baseline.population",
    "baseline.clans",
]


def test_province_totals_agree_on_both_trees(reform):
    past = period_figures(reform["province"], year=2024, tree="past")
    today = period_figures(reform["province"], year=2024, tree="today")
    assert past.get("baseline.population") == 10_000 + 0  # the district's own entry covers its communes
    for key in FIGURES:
        assert (key, today.get(key)) == (key, past.get(key))


def test_todays_tree_lists_no_dissolved_unit_and_its_rows_add_up(reform):
    today = period_figures(reform["province"], year=2024, tree="today")
    listed = {row["unit"].code for row in today.children}
    assert "D01" not in listed and "N01" in listed
    # The dissolved district's own fund follows the unit above it (it has no successor): the province's own row.
    assert today.own.get("funds.balance") == 217_900_000
    for key in FIGURES:
        rows = sum(row["figures"].get(key, 0) for row in today.children)
        assert rows + today.own_row([key])[0] == today.get(key), key


def test_dashboards_of_both_trees_show_the_same_cards(reform):
    past = dashboard(reform["province"], 2024, tree="past")
    today = dashboard(reform["province"], 2024, tree="today")
    cards = {h.key: (h.value, h.ratio) for h in past["headlines"]}
    assert {h.key: (h.value, h.ratio) for h in today["headlines"]} == cards
    assert "titles.dhht" in cards
    assert all(row["unit"].active_until is None for row in today["children"])


def test_new_commune_on_todays_tree_holds_its_predecessors_facts(reform):
    today = period_figures(reform["new"], year=2024, tree="today")
    assert (today.get("members.end"), today.get("classes.count")) == (50, 15)
    # Its predecessors are closed: they are not rows of their own, their facts are the new commune's own.
    assert all(row["unit"].kind == Unit.Kind.CHAPTER for row in today.children)
    assert today.get("baseline.population") == 7_000


def test_check_figures_names_facts_dated_before_their_unit_opened(reform, capsys):
    """Why a card can show on today's tree and not on the tree of 2024: classes of 2024 keyed on the commune the
    2025 reform created. The figures of each tree are right for their tree; the data is wrong, and the check says
    where."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    put_rows(reform["new"], 2024, rows={"classes.count": 15})
    past = period_figures(reform["province"], year=2024, tree="past")
    today = period_figures(reform["province"], year=2024, tree="today")
    assert today.get("classes.count") == past.get("classes.count") + 15
    with pytest.raises(CommandError):
        call_command("check_figures", unit="T01", year=2024, tree="past")
    err = capsys.readouterr().err
    assert (
        "Hội Khuyến học phường Mới có số liệu “Lớp học cộng đồng” của năm 2024 nhưng chỉ hoạt động từ 01/07/2025" in err
    )


def test_a_term_counts_the_flows_of_units_closed_during_it(tree):
    """A chapter that closed in 2023 raised money in 2022: the term 2021–2025 counts it, on both trees (the tree of
    2025 alone no longer has the chapter)."""
    closed = UnitFactory(parent=tree.commune, name="Chi hội tổ 9 (đã giải thể)", code="10001-09")
    tree_services.unit_close(closed, on=D(2023, 6, 30))
    put_rows(closed, 2022, rows={"funds.raised": 5_000_000})
    put_rows(tree.chapter, 2025, rows={"funds.raised": 1_000_000})
    past = period_figures(tree.commune, year=2025, period="term", tree="past", term_start=2021)
    today = period_figures(tree.commune, year=2025, period="term", tree="today", term_start=2021)
    assert past.get("funds.raised") == today.get("funds.raised") == 6_000_000


def test_todays_tree_of_a_half_year_and_of_its_year_are_cached_apart(reform):
    """The reform year: on 30 June the district still held its communes, on 31 December it held none. Today's tree
    reads baseline entries against the tree of the date asked for, so the year's figures read through the
    half-year's tree are not the ones read through the year's own tree (found by the reconciliation test)."""
    put_rows(reform["district"], 2025, rows={"baseline.population": 10_000})
    put_rows(reform["a"], 2025, rows={"baseline.population": 4_000})
    chapter_a = Unit.objects.get(code="A01-1")
    put_rows(chapter_a, 2025, rows={"baseline.population": 1_000})
    year_today = period_figures(reform["province"], year=2025, tree="today")  # cached first
    year_past = period_figures(reform["province"], year=2025, tree="past")
    assert year_today.get("baseline.population") == year_past.get("baseline.population") == 11_000
    half_past = period_figures(reform["province"], year=2025, period="H1", tree="past")
    half_today = period_figures(reform["province"], year=2025, period="H1", tree="today")
    assert half_today.get("baseline.population") == half_past.get("baseline.population") == 10_000
