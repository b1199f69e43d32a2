"""The awards app's summary figures (design.md §3): counts and amounts per (unit, year, period).

Everything decided is dated by its decision and counted at the recipient's unit; money paid is dated by the
payment. All figures are flows: a fact changes only its own year (and its half-year).
"""

from collections import defaultdict

from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from awards.models import Decision, Payout, Recipient
from chapters.figures import Figure, declare, declare_area
from chapters.summaries import SummaryProvider, register

NAME = "awards"

AREA = declare_area("awards", "Khen thưởng, học bổng")
# Everything here is a flow: decided (or paid) in the period.
FIGURES = declare(
    Figure("awards.decisions", "Quyết định khen thưởng", unit="quyết định"),
    Figure("awards.collectives", "Tập thể được khen thưởng", unit="tập thể"),
    Figure(
        "awards.individuals",
        "Cá nhân được khen thưởng (cả nhà giáo, học sinh)",
        unit="người",
        short="Cá nhân được khen",
    ),
    Figure("awards.teachers", "Nhà giáo được khen thưởng", unit="người"),
    Figure("awards.students", "Lượt học sinh, sinh viên được khen thưởng", unit="lượt"),
    Figure("awards.others", "Cá nhân khác (không phải nhà giáo, học sinh)", unit="người"),
    Figure("awards.scholarships.new", "Suất học bổng cấp mới", unit="suất"),
    Figure("awards.scholarships.renewed", "Suất học bổng cấp tiếp", unit="suất"),
    Figure(
        "awards.amount.decided",
        "Số tiền khen thưởng, học bổng theo quyết định (đồng)",
        unit="đồng",
        short="Tiền thưởng (đồng)",
    ),
    Figure("awards.amount.scholarships", "Số tiền học bổng theo quyết định (đồng)", unit="đồng"),
    Figure("awards.amount.paid", "Số tiền khen thưởng, học bổng đã chi (đồng)", unit="đồng"),
    *[
        Figure(f"awards.form.{value}", f"Lượt khen thưởng – {label}", unit="lượt")
        for value, label in Decision.Form.choices
    ],
    area=AREA,
)
FORM_FIGURES = {key: label for key, label in FIGURES.items() if key.startswith("awards.form.")}

KIND_FIGURES = {
    Recipient.Kind.COLLECTIVE: ["awards.collectives"],
    Recipient.Kind.TEACHER: ["awards.individuals", "awards.teachers"],
    Recipient.Kind.STUDENT: ["awards.individuals", "awards.students"],
    Recipient.Kind.INDIVIDUAL: ["awards.individuals", "awards.others"],
}
STAGE_FIGURES = {Recipient.Stage.NEW: "awards.scholarships.new", Recipient.Stage.RENEWAL: "awards.scholarships.renewed"}


def _periods(month: int) -> tuple[str, str]:
    return ("Y", "H1" if month <= 6 else "H2")


def _recipient_figures(kind: str, stage: str, form: str, count: int, amount: int) -> list[tuple[str, int]]:
    """What `count` recipients of one kind, stage and form of decision, given `amount` in all, add to."""
    result = [(figure, count) for figure in KIND_FIGURES.get(kind, ())]
    if stage in STAGE_FIGURES:
        result.append((STAGE_FIGURES[stage], count))
    result += [(f"awards.form.{form}", count), ("awards.amount.decided", amount)]
    if form == Decision.Form.SCHOLARSHIP:
        result.append(("awards.amount.scholarships", amount))
    return result


def added(facts, years):
    """What new decisions and new recipients (with their decisions) add: the rows `compute` gives for them once
    they are written (chapters.summaries.summaries_add; a file of award lists only adds)."""
    kept = set(years)
    for fact in facts:
        if isinstance(fact, Decision):
            day, unit_id, values = fact.date, fact.unit_id, [("awards.decisions", 1)]
        else:
            decision = fact.decision
            day, unit_id = decision.date, fact.unit_id
            values = _recipient_figures(fact.kind, fact.stage, decision.form, 1, fact.amount or 0)
        if day.year in kept:
            for period in _periods(day.month):
                for figure, value in values:
                    if value:
                        yield unit_id, day.year, period, figure, value


def compute(unit_ids, years):
    totals: dict[tuple[int, int, str, str], int] = defaultdict(int)

    def add(unit_id, year, month, figure, value):
        if value:
            for period in _periods(month):
                totals[(unit_id, year, period, figure)] += value

    decisions = Decision.objects.filter(date__year__in=years)
    recipients = Recipient.objects.filter(decision__date__year__in=years)
    payouts = Payout.objects.filter(paid_on__year__in=years)
    if unit_ids is not None:
        decisions = decisions.filter(unit_id__in=unit_ids)
        recipients = recipients.filter(unit_id__in=unit_ids)
        payouts = payouts.filter(recipient__unit_id__in=unit_ids)

    for row in (
        decisions.annotate(y=ExtractYear("date"), m=ExtractMonth("date"))
        .values("unit_id", "y", "m")
        .annotate(n=Count("pk"))
    ):
        add(row["unit_id"], row["y"], row["m"], "awards.decisions", row["n"])

    for row in (
        recipients.annotate(y=ExtractYear("decision__date"), m=ExtractMonth("decision__date"))
        .values("unit_id", "y", "m", "kind", "stage", "decision__form")
        .annotate(n=Count("pk"), total=Sum("amount"))
    ):
        for figure, value in _recipient_figures(
            row["kind"], row["stage"], row["decision__form"], row["n"], row["total"] or 0
        ):
            add(row["unit_id"], row["y"], row["m"], figure, value)

    for row in (
        payouts.annotate(y=ExtractYear("paid_on"), m=ExtractMonth("paid_on"))
        .values("recipient__unit_id", "y", "m")
        .annotate(total=Sum("amount"))
    ):
        add(row["recipient__unit_id"], row["y"], row["m"], "awards.amount.paid", row["total"] or 0)

    for (unit_id, year, period, figure), value in totals.items():
        yield unit_id, year, period, figure, value


provider = SummaryProvider(name=NAME, figures=FIGURES, compute=compute, added=added)


def register_all():
    register(provider)
