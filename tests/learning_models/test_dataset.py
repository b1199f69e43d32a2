"""The synthetic dataset: a record per household per year, with history, and summaries equal to a rebuild."""

from django.utils import timezone

from chapters.dataset import DatasetContext
from chapters.models import Summary
from chapters.summaries import summaries_rebuild
from learning_models import dataset
from learning_models.models import LearningClass, TitleRecord
from learning_models.queries import title_figures
from members.models import Household


def test_dataset_writes_a_record_per_household_and_year(tree, families):
    for number in range(30):
        Household.objects.create(unit=tree.other_chapter, head_name=f"Trần Văn Hộ {number}")
    year = timezone.localdate().year
    ctx = DatasetContext(
        scale="ward",
        province_id=tree.province.pk,
        commune_ids=[tree.commune.pk],
        chapter_ids=[tree.chapter.pk, tree.other_chapter.pk],
        years=[year - 1, year],
    )
    dataset.generate(ctx)
    households = Household.objects.filter(unit__in=[tree.chapter, tree.other_chapter]).count()
    assert TitleRecord.objects.count() == 2 * households == ctx.counts["Hồ sơ danh hiệu (gia đình × năm)"]
    assert TitleRecord.history.count() == TitleRecord.objects.count()
    last = TitleRecord.objects.filter(year=year - 1)
    assert last.filter(status=TitleRecord.Status.RECOGNISED).exclude(decision_number="").exists()
    assert not TitleRecord.objects.filter(year=year, status=TitleRecord.Status.RECOGNISED).exists()
    assert LearningClass.objects.exists()
    row = next(f for f in title_figures(tree.commune, year - 1) if f.title_type.code == "gdht")
    assert row.registered == households and 0 < row.recognised < households

    before = sorted(Summary.objects.values_list("unit_id", "year", "period", "figure", "value"))
    Summary.objects.all().delete()
    summaries_rebuild()
    assert sorted(Summary.objects.values_list("unit_id", "year", "period", "figure", "value")) == before
    assert not TitleRecord.objects.filter(registered_on__gt=timezone.localdate()).exists()
