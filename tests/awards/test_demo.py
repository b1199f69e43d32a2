"""The demo awards: written through the services, idempotent, and giving the sentence of a year-end report."""

import datetime

from awards import demo
from awards.models import Decision, Payout, Recipient, Scholarship
from awards.queries import award_figures, award_sentence
from chapters.demo import DemoContext

D = datetime.date


def test_demo_awards_are_complete_and_idempotent(tree, officer):
    ctx = DemoContext(
        province=tree.province,
        communes=[tree.commune],
        chapters=[tree.chapter, tree.other_chapter],
        users={},
        today=D(2026, 3, 1),
    )
    demo.seed(ctx)
    counts = (Decision.objects.count(), Recipient.objects.count(), Payout.objects.count(), Scholarship.objects.count())
    assert counts[0] == 4 and counts[3] == 8
    demo.seed(ctx)
    assert (
        Decision.objects.count(),
        Recipient.objects.count(),
        Payout.objects.count(),
        Scholarship.objects.count(),
    ) == counts

    year_end = Decision.objects.get(number=demo.YEAR_END_NUMBER)
    assert year_end.recipients.filter(kind=Recipient.Kind.COLLECTIVE).count() == 3
    assert not year_end.recipients.unpaid().exists()
    figures = award_figures(tree.commune, 2025)
    assert figures["awards.amount.paid"] < figures["awards.amount.decided"]
    assert figures["awards.scholarships.new"] == 2 and figures["awards.scholarships.renewed"] == 5
    assert award_figures(tree.commune, 2024)["awards.scholarships.new"] == 6
    sentence = award_sentence(tree.commune, 2025)
    assert sentence.startswith("biểu dương 4 tập thể, 4 cá nhân; khen thưởng 4 nhà giáo và 19 lượt học sinh")
    assert Scholarship.objects.filter(status=Scholarship.Status.STOPPED).count() == 1
