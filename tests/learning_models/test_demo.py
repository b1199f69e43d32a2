"""The demo data: two yearly cycles with scores and decisions, classes; a second run changes nothing."""

import datetime
import random

from chapters.demo import DemoContext
from learning_models import demo
from learning_models.models import LearningClass, TitleRecord
from learning_models.queries import class_figures, title_figures
from members.models import Household


def context(tree, families, today):
    return DemoContext(
        province=tree.province,
        communes=[tree.commune],
        chapters=[tree.chapter, tree.other_chapter, families.school],
        users={},
        today=today,
        rng=random.Random(5),
    )


def test_demo_runs_two_cycles_and_is_idempotent(tree, families):
    for number in range(40):
        Household.objects.create(unit=tree.chapter, head_name=f"Nguyễn Văn Hộ {number}", code=f"D{number:03d}")
    ctx = context(tree, families, datetime.date(2026, 3, 1))
    demo.seed(ctx)
    recognised = TitleRecord.objects.filter(year=2024, status=TitleRecord.Status.RECOGNISED)
    assert recognised.filter(title_type__code="gdht").count() > 20
    assert recognised.filter(title_type__code="dvht-xa", valid_until_year=2026).exists()
    assert TitleRecord.objects.filter(status=TitleRecord.Status.REFUSED).exclude(refusal_reason="").exists()
    assert TitleRecord.objects.filter(year=2026, status=TitleRecord.Status.REGISTERED).exists()
    family = next(f for f in title_figures(tree.commune, 2025) if f.title_type.code == "gdht")
    assert family.registered > family.recognised > 0
    units = next(f for f in title_figures(tree.commune, 2025) if f.title_type.code == "dvht-xa")
    assert units.registered == 0 and units.holding == 2  # recognised in 2024 for three years
    assert class_figures(tree.commune, 2025)["classes.count"] == 5
    assert ctx.log and "Danh hiệu học tập" in ctx.log[0]

    counts = (TitleRecord.objects.count(), TitleRecord.history.count(), LearningClass.objects.count())
    demo.seed(context(tree, families, datetime.date(2026, 3, 1)))
    assert (TitleRecord.objects.count(), TitleRecord.history.count(), LearningClass.objects.count()) == counts
