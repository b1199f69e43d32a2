"""The synthetic awards of generate_dataset: loaded in bulk (COPY on PostgreSQL) with history and summaries."""

from awards import dataset
from awards.models import Decision, Recipient
from awards.queries import award_figures
from chapters.dataset import DatasetContext
from tests.awards.conftest import add_recipient


def test_dataset_writes_recipients_with_history_and_summaries(tree):
    ctx = DatasetContext(
        scale="ward",
        province_id=tree.province.pk,
        commune_ids=[tree.commune.pk],
        chapter_ids=[tree.chapter.pk, tree.other_chapter.pk],
        years=[2024, 2025],
    )
    dataset.generate(ctx)
    per_year = dataset.PER_YEAR["ward"] // 3 * 3
    assert Decision.objects.count() == 6
    assert Recipient.objects.count() == 2 * per_year
    assert Recipient.history.filter(history_type="+").count() == 2 * per_year
    assert set(Recipient.objects.values_list("unit_id", flat=True)) == {tree.chapter.pk, tree.other_chapter.pk}
    recipient = Recipient.objects.order_by("?").first()
    assert recipient.search_key and recipient.sort_key
    # The sequence moved past the loaded ids: the next recipient gets a fresh one.
    cash_2025 = Decision.objects.get(form=Decision.Form.CASH, year=2025)
    extra = add_recipient(cash_2025, name="Nguyễn Văn Mới", amount=1)
    assert extra.pk > max(Recipient.objects.exclude(pk=extra.pk).values_list("pk", flat=True))
    figures = award_figures(tree.commune, 2024)
    assert figures["awards.individuals"] + figures["awards.collectives"] == per_year
    amounts = Recipient.objects.filter(decision__year=2024, amount__isnull=False).values_list("amount", flat=True)
    assert figures["awards.amount.decided"] == sum(amounts)
    assert figures["awards.scholarships.new"] == per_year // 3
    assert ctx.counts["Người nhận khen thưởng"] == 2 * per_year
