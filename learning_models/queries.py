"""The read side of the titles: figures for a unit and its subtree, from the summaries only (design.md §3).

    >>> rows = title_figures(commune, 2025)
    >>> rows[0].holding_text
    '61.532/98.240 (62,6%)'

Reads the summary table through `chapters.summaries.rollup` and the (small) configuration tables of title
types and targets, never the title records themselves.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from chapters.models import Unit
from chapters.summaries import TreeSnapshot, rollup, rollup_levels, tree_snapshot
from core.formatting import percent, ratio
from learning_models.models import Target, TitleType
from learning_models.providers import CLASS_FIGURES


@dataclass
class TitleFigure:
    title_type: TitleType
    registered: int
    recognised: int
    holding: int
    total: int | None  # the denominator (households, clans, ...) from the baseline figures; None when unknown
    target: Decimal | None  # percent
    target_basis: str = ""
    registered_h1: int = 0

    @property
    def recognised_of_registered(self) -> Decimal | None:
        return Decimal(self.recognised) / Decimal(self.registered) if self.registered else None

    @property
    def holding_of_total(self) -> Decimal | None:
        return Decimal(self.holding) / Decimal(self.total) if self.total else None

    @property
    def registered_of_total(self) -> Decimal | None:
        return Decimal(self.registered) / Decimal(self.total) if self.total else None

    @property
    def recognised_text(self) -> str:
        """ "61.532/64.010 (96,1%)": recognised out of registered."""
        return ratio(self.recognised, self.registered)

    @property
    def holding_text(self) -> str:
        """ "61.532/98.240 (62,6%)": holding the title out of the total (all households, clans, ...)."""
        return ratio(self.holding, self.total) if self.total else ""

    @property
    def target_met(self) -> bool | None:
        share = self.holding_of_total
        if share is None or self.target is None:
            return None
        return share * 100 >= self.target

    @property
    def target_text(self) -> str:
        return "" if self.target is None else percent(self.target / 100)

    @property
    def sentence(self) -> str:
        """ "61.532/98.240 gia đình được công nhận (62,6%)" as a report writes it."""
        noun = {
            TitleType.Subject.HOUSEHOLD: "gia đình",
            TitleType.Subject.CLAN: "dòng họ",
            TitleType.Subject.UNIT: "đơn vị",
            TitleType.Subject.PERSON: "người",
        }[self.title_type.subject_kind]
        if not self.total:
            return f"{self.holding} {noun} được công nhận «{self.title_type.name}»"
        text = ratio(self.holding, self.total)
        whole, _, share = text.partition(" ")
        return f"{whole} {noun} được công nhận {share}".strip()


def _figure_names(types: list[TitleType]) -> list[str]:
    names = [t.figure(m) for t in types for m in ("registered", "recognised", "holding")]
    names += sorted({t.denominator for t in types if t.denominator})
    return names


def targets_in_force(unit: Unit, types: list[TitleType], year: int) -> dict[int, tuple[Decimal | None, str]]:
    """(percent, the decision it comes from) of each title for `unit` in `year`: the target in force that year,
    its province's own (the latest that started by then and has not ended) else the national one within the years
    of its decision; (None, "") when none was set for that year."""
    rows = (
        Target.objects.filter(unit_id__in=unit.ancestor_ids, year__lte=year, title_type__in=types)
        .filter(Q(year_until__isnull=True) | Q(year_until__gte=year))
        .select_related("unit")
        .order_by("title_type_id", "-year", "-unit__depth")
    )
    found: dict[int, tuple[Decimal | None, str]] = {}
    for row in rows:
        found.setdefault(row.title_type_id, (row.percent, row.basis or f"Chỉ tiêu của {row.unit.display_name}"))
    result = {}
    for title_type in types:
        national = title_type.national_target_in(year)
        result[title_type.pk] = found.get(
            title_type.pk, (national, title_type.target_basis if national is not None else "")
        )
    return result


def _build(types, values: dict[str, int], targets, h1: dict[str, int] | None = None) -> list[TitleFigure]:
    result = []
    for title_type in types:
        target, basis = targets[title_type.pk]
        total = values.get(title_type.denominator) if title_type.denominator else None
        result.append(
            TitleFigure(
                title_type=title_type,
                registered=values.get(title_type.figure("registered"), 0),
                recognised=values.get(title_type.figure("recognised"), 0),
                holding=values.get(title_type.figure("holding"), 0),
                total=total or None,
                target=target,
                target_basis=basis,
                registered_h1=(h1 or {}).get(title_type.figure("registered"), 0),
            )
        )
    return result


def title_types_shown() -> list[TitleType]:
    return list(TitleType.objects.filter(active=True).order_by("order", "name"))


def snapshots(unit: Unit, year: int, *, tree: str = "past") -> dict[str, TreeSnapshot]:
    """The trees a year's figures are summed over (the year's end, and 30 June for the first half), built once
    for a page that shows several sets of figures."""
    return {period: tree_snapshot(unit, year=year, period=period, tree=tree) for period in ("Y", "H1")}


def title_figures(
    unit: Unit, year: int, *, tree: str = "past", title_types=None, trees: dict | None = None
) -> list[TitleFigure]:
    """Per title type, for `unit`'s whole subtree in `year`: registered, recognised, holding, the total they are
    a share of, and the target."""
    types = list(title_types) if title_types is not None else title_types_shown()
    trees = trees or {}
    values = rollup(unit, year=year, figures=_figure_names(types), tree=tree, snapshot=trees.get("Y"))
    h1 = rollup(
        unit,
        year=year,
        period="H1",
        figures=[t.figure("registered") for t in types],
        tree=tree,
        snapshot=trees.get("H1"),
    )
    return _build(types, values, targets_in_force(unit, types, year), h1)


def title_figures_children(
    unit: Unit, year: int, *, title_type: TitleType, tree: str = "past", snapshot: TreeSnapshot | None = None
) -> list[tuple[Unit, TitleFigure]]:
    """The same figures for each unit directly below `unit` (one roll-up over the subtree)."""
    snapshot = snapshot or tree_snapshot(unit, year=year, tree=tree)
    totals = rollup_levels(unit, years=[year], snapshot=snapshot)[year].children
    child_ids = snapshot.children().get(unit.pk, [])
    children = Unit.objects.filter(pk__in=child_ids).ordered()
    targets = targets_in_force(unit, [title_type], year)
    return [(child, _build([title_type], totals.get(child.pk, {}), targets)[0]) for child in children]


def class_figures(
    unit: Unit, year: int, *, period: str = "Y", tree: str = "past", snapshot: TreeSnapshot | None = None
) -> dict[str, int]:
    """ "112 lớp với 5.846 lượt người": classes.count, classes.sessions, classes.attendances."""
    return rollup(unit, year=year, period=period, figures=list(CLASS_FIGURES), tree=tree, snapshot=snapshot)
