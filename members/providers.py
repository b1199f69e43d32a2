"""The "members" summary provider (design.md §3): members at each period's end, joined, left, moved, Party
members, women, and dues collected, per unit, from memberships and dues.

Counts at the end of a period come from the memberships' dates, not from a status. Each membership is bucketed
into half-years by its start and by its end; three GROUP BY queries return those buckets per unit (a few hundred
thousand rows for a province's 3,000,000 members), and a running sum over the half-years gives the stock at each
period end. Nothing loops over members in Python.
"""

import datetime
from collections import defaultdict

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import ExtractYear

from chapters.figures import STOCK, Figure, declare, declare_area
from chapters.summaries import SummaryProvider, register

from .models import Due, Member, Membership

AREA = declare_area("members", "Hội viên, hội phí")
FIGURES = declare(
    Figure("members.end", "Hội viên (cuối kỳ)", kind=STOCK, unit="người", short="Hội viên cuối kỳ", card="Hội viên"),
    Figure("members.female", "Hội viên nữ (cuối kỳ)", kind=STOCK, unit="người"),
    Figure("members.party", "Hội viên là đảng viên (cuối kỳ)", kind=STOCK, unit="người"),
    Figure("members.joined", "Hội viên mới kết nạp", unit="người", short="Kết nạp mới"),
    Figure("members.left", "Hội viên ra hội (chuyển đi nơi khác, thôi sinh hoạt, từ trần)", unit="người"),
    Figure("members.moved_in", "Hội viên chuyển đến từ chi hội khác", unit="người"),
    Figure("members.moved_out", "Hội viên chuyển sang chi hội khác", unit="người"),
    Figure("dues.amount", "Hội phí đã thu (đồng)", unit="đồng"),
    # A member paying in two years of a term counts in each: summed over a term it reads "lượt".
    Figure("dues.payers", "Hội viên đã nộp hội phí", unit="người", periods=("Y", "H1")),
    area=AREA,
)
STOCKS = ("members.end", "members.female", "members.party")


def _half(field: str, floor: int):
    """year × 2 + (0 for January–June, 1 for July–December); anything before `floor` collapses into floor - 1."""
    first_day = datetime.date(floor // 2, 1, 1)
    return Case(
        When(**{f"{field}__lt": first_day}, then=Value(floor - 1)),
        When(**{f"{field}__month__gte": 7}, then=ExtractYear(field) * 2 + 1),
        default=ExtractYear(field) * 2,
        output_field=IntegerField(),
    )


def _people(prefix: str = "member__"):
    return {
        "n": Count("id"),
        "female": Count("id", filter=Q(**{f"{prefix}gender": Member.Gender.FEMALE})),
        "party": Count("id", filter=Q(**{f"{prefix}party_member": True})),
    }


def compute(unit_ids, years):
    years = sorted(set(years))
    if not years:
        return
    floor, top = years[0] * 2, years[-1] * 2 + 1
    memberships = Membership.objects.all()
    dues = Due.objects.filter(year__in=years)
    if unit_ids is not None:
        memberships = memberships.filter(unit_id__any=unit_ids)
        dues = dues.filter(unit_id__any=unit_ids)

    # change[unit][half] = [Δmembers, Δfemale, Δparty]; flows[unit][half][figure] = count.
    change: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    flows: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    starts = (
        memberships.annotate(h=_half("since", floor))
        .filter(h__lte=top)
        .values("unit_id", "h")
        .annotate(
            **_people(),
            joined=Count("id", filter=Q(start=Membership.Start.JOINED)),
            moved_in=Count("id", filter=Q(start=Membership.Start.MOVED_IN)),
        )
    )
    for row in starts:
        delta = change[row["unit_id"]][row["h"]]
        delta[0] += row["n"]
        delta[1] += row["female"]
        delta[2] += row["party"]
        flows[row["unit_id"]][row["h"]].update({"members.joined": row["joined"], "members.moved_in": row["moved_in"]})
    ends = (
        memberships.filter(until__isnull=False)
        .annotate(h=_half("until", floor))
        .filter(h__lte=top)
        .values("unit_id", "h")
        .annotate(
            **_people(),
            left=Count("id", filter=Q(end=Membership.End.LEFT)),
            moved_out=Count("id", filter=Q(end=Membership.End.MOVED_OUT)),
        )
    )
    for row in ends:
        delta = change[row["unit_id"]][row["h"]]
        delta[0] -= row["n"]
        delta[1] -= row["female"]
        delta[2] -= row["party"]
        flows[row["unit_id"]][row["h"]].update({"members.left": row["left"], "members.moved_out": row["moved_out"]})

    wanted = set(years)
    for unit_id, deltas in change.items():
        running = [0, 0, 0]
        stock_at: dict[int, list[int]] = {}
        for half in range(floor - 1, top + 1):
            delta = deltas.get(half)
            if delta:
                running = [a + b for a, b in zip(running, delta, strict=True)]
            stock_at[half] = running
        # Zero rows are not kept (summaries_refresh drops them), so they are not produced either.
        for year in wanted:
            for period, half in (("H1", year * 2), ("Y", year * 2 + 1)):
                for figure, value in zip(STOCKS, stock_at[half], strict=True):
                    if value:
                        yield unit_id, year, period, figure, value
            first, second = flows[unit_id].get(year * 2, {}), flows[unit_id].get(year * 2 + 1, {})
            for figure in ("members.joined", "members.left", "members.moved_in", "members.moved_out"):
                a, b = first.get(figure, 0), second.get(figure, 0)
                if a:
                    yield unit_id, year, "H1", figure, a
                if b:
                    yield unit_id, year, "H2", figure, b
                if a or b:
                    yield unit_id, year, "Y", figure, a + b

    # Dues of year Y: those paid by 30 June of Y count in H1, the rest in H2.
    paid = (
        dues.annotate(h=_half("paid_on", floor))
        .values("unit_id", "year", "h")
        .annotate(amount=Sum("amount"), payers=Count("id"))
    )
    totals: dict[tuple[int, int, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in paid:
        half = "H1" if row["h"] <= row["year"] * 2 else "H2"
        for period in (half, "Y"):
            total = totals[(row["unit_id"], row["year"], period)]
            total[0] += row["amount"]
            total[1] += row["payers"]
    for (unit_id, year, period), (amount, payers) in totals.items():
        yield unit_id, year, period, "dues.amount", amount
        yield unit_id, year, period, "dues.payers", payers


def _half_of(day: datetime.date) -> int:
    """The half-year index `_half` gives a date (year × 2, + 1 from July)."""
    return day.year * 2 + (1 if day.month >= 7 else 0)


def added(members, years):
    """What new members with their first memberships (`services.first_membership`: in their unit from the joining
    date, to the leaving date if they left) add to the summaries (chapters.summaries.summaries_add): one more at
    every period end they are members on, and one joined (and one left) in the periods of those dates. The same
    rows `compute` gives once they are in the books: one member is counted at a period's end when she joined in a
    half-year up to it and did not leave in one up to it. Only for members that are new: their dues and later
    memberships are facts `summaries_refresh` counts.

    As `compute` does, stocks are a running sum: each member adds one to her unit's figures in the half-year she
    joined and takes it back in the one she left, and the sums are read at the kept period ends (a file of 50,000
    members made 2 million rows one by one)."""
    kept = set(years)
    # The period ends of the kept years, in order: (half-year index, year, period).
    ends = sorted((year * 2 + offset, year, period) for year in kept for offset, period in ((0, "H1"), (1, "Y")))
    changes: dict[tuple[int, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    flows: dict[tuple, int] = defaultdict(int)
    for member in members:
        since, until = _half_of(member.joined_on), _half_of(member.left_on) if member.left_on else None
        stocks = ["members.end"]
        if member.gender == Member.Gender.FEMALE:
            stocks.append("members.female")
        if member.party_member:
            stocks.append("members.party")
        for figure in stocks:
            change = changes[(member.unit_id, figure)]
            change[since] += 1
            if until is not None:
                change[until] -= 1
        for figure, day in (("members.joined", member.joined_on), ("members.left", member.left_on)):
            if day is not None and day.year in kept:
                flows[(member.unit_id, day.year, "H1" if day.month <= 6 else "H2", figure)] += 1
                flows[(member.unit_id, day.year, "Y", figure)] += 1
    for (unit_id, figure), change in changes.items():
        halves, count, position = sorted(change), 0, 0
        for half, year, period in ends:
            while position < len(halves) and halves[position] <= half:
                count += change[halves[position]]
                position += 1
            if count:
                yield unit_id, year, period, figure, count
    for (unit_id, year, period, figure), count in flows.items():
        yield unit_id, year, period, figure, count


members_provider = SummaryProvider(name="members", figures=FIGURES, compute=compute, added=added)


def register_all() -> None:
    register(members_provider)


def members_on(unit, day: datetime.date) -> int:
    """Members of `unit`'s subtree (as the tree stood on `day`) on `day`, straight from the memberships.

    Allowed for one unit at a time (design.md §3); dashboards and reports read the summaries instead.
    """
    from chapters.services.tree import subtree_ids_on

    ids = subtree_ids_on(unit, day)
    return (
        Membership.objects.filter(unit_id__any=ids, since__lte=day)
        .filter(Q(until__isnull=True) | Q(until__gt=day))
        .count()
    )
