import datetime

from chapters.models import Summary
from chapters.summaries import own_figures, rollup, rollup_children, summaries_rebuild
from funds.providers import figures_between

D = datetime.date


def fund_rows():
    return sorted(
        Summary.objects.filter(figure__startswith="funds.").values_list("unit_id", "year", "period", "figure", "value")
    )


def test_incremental_summaries_equal_a_rebuild_from_facts(books):
    incremental = fund_rows()
    Summary.objects.filter(figure__startswith="funds.").delete()
    summaries_rebuild()
    assert fund_rows() == incremental
    assert incremental


def test_own_figures_of_a_commune(tree, books):
    figures = own_figures(tree.commune, year=2024)
    assert figures["funds.opening"] == 10_000_000
    assert figures["funds.raised"] == 21_000_000  # 20 + 3 − 3 (reversed) + 1
    assert figures["funds.raised.organisation"] == 20_000_000
    assert figures["funds.raised.anonymous"] == 1_000_000
    assert figures["funds.spent"] == 8_000_000
    assert figures["funds.spent.scholarship"] == 6_000_000
    assert figures["funds.spent.teacher_reward"] == 2_000_000
    assert figures["funds.transfer_out"] == 5_000_000
    assert figures["funds.balance"] == 10_000_000 + 21_000_000 - 8_000_000 - 5_000_000
    assert figures["funds.donations"] == 2  # the company and the anonymous gift; the reversed one cancelled
    assert figures["funds.donors"] == 1  # only named givers


def test_halves_add_up_to_the_year_and_chain_their_balances(tree, books):
    year = own_figures(tree.commune, year=2024)
    h1 = own_figures(tree.commune, year=2024, period="H1")
    h2 = own_figures(tree.commune, year=2024, period="H2")
    for figure in ("funds.raised", "funds.spent", "funds.transfer_out"):
        assert h1.get(figure, 0) + h2.get(figure, 0) == year.get(figure, 0)
    assert h1["funds.opening"] == year["funds.opening"]
    assert h2["funds.opening"] == h1["funds.balance"]
    assert h2["funds.balance"] == year["funds.balance"]


def test_next_year_opens_with_last_years_closing_balance(tree, books):
    assert (
        own_figures(tree.commune, year=2025)["funds.opening"] == own_figures(tree.commune, year=2024)["funds.balance"]
    )
    assert own_figures(tree.chapter, year=2025)["funds.opening"] == 5_500_000


def test_in_kind_gifts_count_in_raised_and_spent(tree, books):
    figures = own_figures(tree.other_chapter, year=2024)
    assert figures["funds.in_kind"] == 4_000_000 and figures["funds.in_kind_spent"] == 4_000_000
    assert figures["funds.raised.clan"] == 4_000_000 and figures["funds.spent.aid"] == 4_000_000
    assert figures.get("funds.balance", 0) == 0


def test_totals_reconcile_to_the_dong_across_levels(tree, books):
    keys = ["funds.opening", "funds.raised", "funds.spent", "funds.transfer_in", "funds.transfer_out", "funds.balance"]
    for year in (2024, 2025):
        commune = rollup(tree.commune, year=year, figures=keys)
        own = own_figures(tree.commune, year=year, figures=keys)
        children = rollup_children(tree.commune, year=year, figures=keys)
        for key in keys:
            assert commune[key] == own.get(key, 0) + sum(c.get(key, 0) for c in children.values())
        assert commune["funds.balance"] == (
            commune["funds.opening"]
            + commune["funds.raised"]
            - commune["funds.spent"]
            + commune["funds.transfer_in"]
            - commune["funds.transfer_out"]
        )
        # Inside the commune the transfer cancels out: what remains is external money only.
        assert commune["funds.transfer_in"] == commune["funds.transfer_out"]
        province = rollup(tree.province, year=year, figures=keys)
        assert province == commune
    commune_2024 = rollup(tree.commune, year=2024, figures=keys)
    assert commune_2024["funds.raised"] == 21_000_000 + 4_000_000
    assert commune_2024["funds.balance"] == 10_000_000 + 500_000 + 25_000_000 - 12_000_000


def test_figures_for_any_span_of_dates_match_the_summaries_for_a_year(tree, books):
    from chapters.models import Unit

    ids = Unit.objects.subtree(tree.commune).values("pk")
    span = figures_between(ids, D(2024, 1, 1), D(2024, 12, 31))
    for unit_id, figures in span.items():
        stored = own_figures(Unit.objects.get(pk=unit_id), year=2024)
        stored = {k: v for k, v in stored.items() if k.startswith("funds.") and k != "funds.donors"}
        assert {k: v for k, v in figures.items() if k != "funds.donors"} == stored


def test_closing_balance_of_a_custom_span(tree, books):
    span = figures_between([tree.commune.pk], D(2024, 3, 1), D(2024, 9, 30))[tree.commune.pk]
    assert span["funds.opening"] == 10_000_000 + 20_000_000
    assert span["funds.balance"] == span["funds.opening"] + 1_000_000 - 6_000_000


def test_a_gift_cancelled_the_next_year_leaves_its_givers_when_only_its_year_is_computed(tree, commune_fund, receive):
    """The reversal of a 2024 gift is dated 2025: recomputing 2024 alone must still see it (the reversals of any
    year leave their gifts out of the givers)."""
    from chapters.summaries import summaries_refresh
    from funds import services

    gift = receive(commune_fund, 2_000_000, D(2024, 3, 1), counterparty_name="Ông Hoàng Văn Nam")
    assert own_figures(tree.commune, year=2024)["funds.donors"] == 1
    services.transaction_reverse(voucher=gift, date=D(2025, 1, 10), reason="Nhập nhầm")
    summaries_refresh(unit_ids=[tree.commune.pk], years=[2024], providers=["funds"])
    assert own_figures(tree.commune, year=2024).get("funds.donors", 0) == 0


def test_givers_are_counted_once_in_the_year_and_once_in_each_half_they_gave_in(tree, chapter_fund, receive):
    """`funds.donors` of the year and of each half, by a rebuild (one pass with two groupings on PostgreSQL) and
    by the refresh after each voucher: a giver of both halves counts once in the year; the anonymous do not."""
    receive(chapter_fund, 100_000, D(2024, 2, 1), counterparty_name="Ông Trần Văn Bình")
    receive(chapter_fund, 100_000, D(2024, 3, 1), counterparty_name="Ông Trần Văn Bình")
    receive(chapter_fund, 100_000, D(2024, 9, 1), counterparty_name="Ông Trần Văn Bình")
    receive(chapter_fund, 100_000, D(2024, 10, 1), counterparty_name="Bà Lê Thị Hoa")
    receive(chapter_fund, 100_000, D(2024, 11, 1), counterparty_type="anonymous", counterparty_name="")
    receive(chapter_fund, 100_000, D(2025, 1, 5), counterparty_name="Bà Lê Thị Hoa")

    def donors():
        return {
            (year, period): value
            for year, period, value in Summary.objects.filter(unit=tree.chapter, figure="funds.donors").values_list(
                "year", "period", "value"
            )
        }

    expected = {(2024, "Y"): 2, (2024, "H1"): 1, (2024, "H2"): 2, (2025, "Y"): 1, (2025, "H1"): 1}
    assert donors() == expected
    Summary.objects.filter(figure__startswith="funds.").delete()
    summaries_rebuild()
    assert donors() == expected
