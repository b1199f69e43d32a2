"""Award figures through the shared summaries: the sentence of the year-end report, incremental == rebuilt,
and readers that never touch the award tables."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from awards.models import Decision, Recipient, Scholarship
from awards.queries import award_figures, award_sentence
from awards.services import (
    decision_delete,
    decision_pay_all,
    decision_save,
    payout_cancel,
    recipient_delete,
    recipient_save,
    scholarship_award,
    scholarship_save,
)
from chapters.models import Summary
from chapters.summaries import PROVIDERS, summaries_refresh
from funds import services as fund_services
from tests.awards.conftest import add_recipient, make_decision

D = datetime.date


@pytest.fixture
def awarded(tree):
    """The commune's year-end 2025 decision (2 collectives, 1 member, 2 teachers, 3 students) and the other
    commune's 2025 decision (1 collective), a June 2025 commendation and a 2024 decision."""
    year_end = make_decision(tree.commune)
    add_recipient(year_end, name="", kind=Recipient.Kind.COLLECTIVE, collective_unit=tree.chapter, amount=2_000_000)
    add_recipient(year_end, name="Dòng họ Nguyễn Đình", kind=Recipient.Kind.COLLECTIVE, amount=1_000_000)
    add_recipient(year_end, name="Bà Hoàng Thị Lan", kind=Recipient.Kind.INDIVIDUAL, amount=500_000)
    for name in ("Cô Lê Thị Hoa", "Thầy Phạm Văn Nam"):
        add_recipient(year_end, name=name, kind=Recipient.Kind.TEACHER, unit=tree.other_chapter, amount=1_000_000)
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Đỗ Minh Châu"):
        add_recipient(year_end, name=name, unit=tree.chapter, amount=500_000)
    june = make_decision(tree.commune, number="30/QĐ-HKH", date=D(2025, 6, 2), form=Decision.Form.COMMENDATION)
    add_recipient(june, name="Ông Vũ Văn Tâm", kind=Recipient.Kind.INDIVIDUAL, unit=tree.chapter)
    other = make_decision(tree.other_commune)
    add_recipient(other, name="", kind=Recipient.Kind.COLLECTIVE, collective_unit=tree.outside_chapter, amount=1)
    old = make_decision(tree.commune, number="90/QĐ-HKH", date=D(2024, 12, 15))
    add_recipient(old, name="Nguyễn Văn An", unit=tree.chapter, amount=400_000)
    return year_end


def test_sentence_for_the_commune_and_the_year(tree, awarded):
    assert award_sentence(tree.commune, 2025) == (
        "biểu dương 2 tập thể, 2 cá nhân; khen thưởng 2 nhà giáo và 3 lượt học sinh với tổng số tiền 7.000.000 đồng"
    )


def test_sentence_for_a_half_year_and_a_chapter(tree, awarded):
    assert award_sentence(tree.commune, 2025, period="H1") == "biểu dương 1 cá nhân"
    assert award_sentence(tree.chapter, 2025, period="H2") == (
        "biểu dương 1 tập thể; khen thưởng 3 lượt học sinh với tổng số tiền 3.500.000 đồng"
    )
    assert award_sentence(tree.chapter, 2024) == "khen thưởng 1 lượt học sinh với tổng số tiền 400.000 đồng"
    assert award_sentence(tree.other_chapter, 2023) == "chưa có quyết định khen thưởng nào"


def test_figures_sum_over_the_province(tree, awarded):
    figures = award_figures(tree.province, 2025)
    assert figures["awards.collectives"] == 3
    assert figures["awards.individuals"] == 7
    assert figures["awards.teachers"] == 2 and figures["awards.students"] == 3 and figures["awards.others"] == 2
    assert figures["awards.decisions"] == 3
    assert figures["awards.form.cash"] == 9 and figures["awards.form.commendation"] == 1
    assert figures["awards.amount.decided"] == 7_000_001


def test_scholarship_figures_new_and_renewed(tree):
    scholarship = scholarship_save(
        Scholarship(student_name="Phạm Thị Mai", programme="Vì em hiếu học", unit=tree.chapter, start_year=2024)
    )
    newcomer = scholarship_save(
        Scholarship(student_name="Lò Văn Páo", programme="Vì em hiếu học", unit=tree.chapter, start_year=2025)
    )
    first = make_decision(tree.commune, number="1/QĐ-HB", date=D(2024, 9, 5), form=Decision.Form.SCHOLARSHIP)
    second = make_decision(tree.commune, number="2/QĐ-HB", date=D(2025, 9, 5), form=Decision.Form.SCHOLARSHIP)
    scholarship_award(scholarship, decision=first, amount=1_000_000)
    scholarship_award(scholarship, decision=second, amount=1_200_000)
    scholarship_award(newcomer, decision=second, amount=1_000_000)
    assert award_figures(tree.commune, 2024)["awards.scholarships.new"] == 1
    figures = award_figures(tree.commune, 2025)
    assert (figures["awards.scholarships.new"], figures["awards.scholarships.renewed"]) == (1, 1)
    assert figures["awards.amount.scholarships"] == 2_200_000


def snapshot():
    return sorted(
        Summary.objects.filter(figure__startswith="awards.").values_list("unit_id", "year", "period", "figure", "value")
    )


def test_incremental_equals_rebuilt(tree, awarded):
    fund = fund_services.fund_create(unit=tree.commune, opening_year=2025, opening_amount=90_000_000)
    vouchers = decision_pay_all(awarded, fund=fund, paid_on=D(2026, 1, 5))
    payout_cancel(vouchers[0].award_payouts.first(), date=D(2026, 2, 1))
    # Edits that move facts between units, years and kinds.
    june = Decision.objects.get(number="30/QĐ-HKH")
    june.date = D(2025, 7, 15)
    decision_save(june)
    moved = Recipient.objects.get(name="Ông Vũ Văn Tâm")
    moved.unit = tree.other_chapter
    recipient_save(moved)
    recipient_delete(Recipient.objects.get(name="Nguyễn Văn An", decision__number="90/QĐ-HKH"))
    decision_delete(Decision.objects.get(number="90/QĐ-HKH"))
    incremental = snapshot()
    assert incremental

    Summary.objects.filter(figure__startswith="awards.").delete()
    # Only this app's provider: the others are tested by their own apps.
    summaries_refresh(unit_ids=None, years=None, providers=["awards"])
    assert snapshot() == incremental


def test_readers_never_touch_award_tables(tree, awarded):
    with CaptureQueriesContext(connection) as queries:
        award_sentence(tree.province, 2025)
        award_figures(tree.commune, 2025, period="H2", tree="today")
    tables = set()
    for query in queries.captured_queries:
        tables |= set(re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', query["sql"], flags=re.IGNORECASE))
    assert tables
    assert not {t for t in tables if t.startswith("awards_")}, tables


def test_provider_is_registered():
    assert "awards" in PROVIDERS
