"""Award figures for dashboards and reports: read from the summaries only, never from the award tables."""

from awards.providers import FIGURES
from chapters.models import Unit
from chapters.summaries import rollup
from core.formatting import number


def award_figures(unit: Unit, year: int, period: str = "Y", tree: str = "past") -> dict[str, int]:
    """Every "awards.*" figure of `unit`'s subtree for one period (zeros included)."""
    return rollup(unit, year=year, period=period, figures=list(FIGURES), tree=tree)


def award_sentence(
    unit: Unit, year: int, period: str = "Y", tree: str = "past", figures: dict[str, int] | None = None
) -> str:
    """ "biểu dương 19 tập thể, 51 cá nhân; khen thưởng 615 nhà giáo và 12.000 lượt học sinh với tổng số tiền
    495.000.000 đồng" for a unit and period.

    The individuals commended are those other than the teachers and students rewarded, so nobody is counted
    twice; the amount is everything decided in the period (rewards and scholarships). Parts that are zero are
    left out.
    """
    figures = figures if figures is not None else award_figures(unit, year, period, tree)
    collectives = figures.get("awards.collectives", 0)
    others = figures.get("awards.others", 0)
    teachers = figures.get("awards.teachers", 0)
    students = figures.get("awards.students", 0)
    amount = figures.get("awards.amount.decided", 0)

    commended = []
    if collectives:
        commended.append(f"{number(collectives)} tập thể")
    if others:
        commended.append(f"{number(others)} cá nhân")
    rewarded = []
    if teachers:
        rewarded.append(f"{number(teachers)} nhà giáo")
    if students:
        rewarded.append(f"{number(students)} lượt học sinh")

    parts = []
    if commended:
        parts.append("biểu dương " + ", ".join(commended))
    if rewarded or amount:
        text = "khen thưởng " + " và ".join(rewarded) if rewarded else "khen thưởng"
        if amount:
            text += f" với tổng số tiền {number(amount)} đồng"
        parts.append(text)
    return "; ".join(parts) if parts else "chưa có quyết định khen thưởng nào"
