"""The figures catalogue (design.md §14): every figure a report, dashboard, return or the API prints, declared once.

Each app declares the figures of its own facts next to the code that computes them (its `providers.py`), and
`reports` declares the few it derives from them (ratios). A declaration says what a reader needs to know to use a
figure correctly without knowing its name:

- **kind**: a *stock* is a value at a date (members, households, titles in force, balances): a longer period
  reads it at its end (the opening balance at its start); a *flow* is an amount during the period (new members,
  money raised, classes held): a longer period sums it.
- **rollup** over the units of a subtree: a plain sum; own-or-children (a unit's own entry, else the sum of its
  children's: baseline figures such as population); a ratio of the rolled-up parts (numerator / denominator, both
  of the same date); or the latest (a year, never added up).
- **periods** it makes sense for: "Y" (a year), "H1" (the first half) and "term" (several years).

- **area** it belongs to (members, funds, titles…; declared with `declare_area`): a *context* area (the units
  counted, the baseline figures of the territory) describes the unit, an activity area what it did.
- **card**: the words on a dashboard card, where they differ from `short` and `label`.

Readers never test a figure's name ("starts with titles."): they ask the catalogue (`figure(key).is_stock`,
`in_area(key, "funds")`, `is_context(key)`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

STOCK = "stock"
FLOW = "flow"

SUM = "sum"
OWN_OR_CHILDREN = "own_or_children"
RATIO = "ratio"
LATEST = "latest"

ALL_PERIODS = ("Y", "H1", "term")


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    kind: str = FLOW
    unit: str = ""  # "người", "đồng", "đơn vị", "lớp", "%"…: the word printed after the number
    rollup: str = SUM
    periods: tuple[str, ...] = ALL_PERIODS
    at: str = "end"  # stocks: read at the period's "end" (most) or "start" (the opening balance)
    short: str = ""  # a column header, where the label is too long for one
    numerator: str = ""  # ratios: the figures whose rolled-up values are divided
    denominator: str = ""
    area: str = ""  # members, funds, titles…: set by `declare(..., area=…)`
    card: str = ""  # the words on a dashboard card

    def __post_init__(self):
        if self.kind not in (STOCK, FLOW):
            raise ValueError(f"{self.key}: kind must be stock or flow")
        if self.rollup not in (SUM, OWN_OR_CHILDREN, RATIO, LATEST):
            raise ValueError(f"{self.key}: unknown roll-up {self.rollup}")
        if self.rollup == RATIO and not (self.numerator and self.denominator):
            raise ValueError(f"{self.key}: a ratio names its numerator and denominator")

    @property
    def is_stock(self) -> bool:
        return self.kind == STOCK

    @property
    def header(self) -> str:
        return self.short or self.label

    @property
    def card_label(self) -> str:
        return self.card or self.short or self.label

    def makes_sense_for(self, period: str) -> bool:
        return period in self.periods

    def over_years(self, values: list[int]) -> int:
        """The value for a period made of consecutive parts (years of a term), from each part's value in order."""
        if not values:
            return 0
        if self.kind == FLOW:
            return sum(values)
        return values[0] if self.at == "start" else values[-1]

    def ratio_of(self, figures: dict[str, int]) -> Decimal | None:
        """A ratio figure's value from rolled-up parts of one date (None when the denominator is 0)."""
        whole = figures.get(self.denominator, 0)
        return Decimal(figures.get(self.numerator, 0)) / Decimal(whole) if whole else None


@dataclass(frozen=True)
class Area:
    name: str
    label: str
    context: bool = False  # describes the unit (its units, its territory) rather than what it did


CATALOGUE: dict[str, Figure] = {}
AREAS: dict[str, Area] = {}
# Figures whose keys depend on data (title types): (prefix, factory from the key to a Figure or None).
PATTERNS: list[tuple[str, Callable[[str], Figure | None]]] = []
# What the factories answered, per key (a province's page asks for the same few hundred keys thousands of times).
_FROM_PATTERNS: dict[str, Figure | None] = {}
_FROM_PATTERNS_MAX = 50_000


def declare_area(name: str, label: str, *, context: bool = False) -> str:
    AREAS[name] = Area(name, label, context)
    return name


def declare(*figures: Figure, area: str = "") -> dict[str, str]:
    """Add `figures` to the catalogue (in `area`, when given); returns {key: label} (what a provider lists)."""
    for item in figures:
        if area and item.area != area:
            item = replace(item, area=area)
        CATALOGUE[item.key] = item
    _FROM_PATTERNS.clear()
    return {item.key: item.label for item in figures}


def declare_pattern(prefix: str, factory: Callable[[str], Figure | None], *, area: str = "") -> None:
    if area:
        plain = factory

        def factory(key: str) -> Figure | None:
            found = plain(key)
            return replace(found, area=area) if found is not None and found.area != area else found

    PATTERNS[:] = [(p, f) for p, f in PATTERNS if p != prefix]
    PATTERNS.append((prefix, factory))
    _FROM_PATTERNS.clear()


def find(key: str) -> Figure | None:
    found = CATALOGUE.get(key)
    if found is not None:
        return found
    try:
        return _FROM_PATTERNS[key]
    except KeyError:
        pass
    for prefix, factory in PATTERNS:
        if key.startswith(prefix) and (found := factory(key)) is not None:
            break
    if len(_FROM_PATTERNS) < _FROM_PATTERNS_MAX:  # keys come from data: never an unbounded dictionary
        _FROM_PATTERNS[key] = found
    return found


def figure(key: str) -> Figure:
    """The declaration of `key`; an undeclared figure is a programming error, said plainly."""
    found = find(key)
    if found is None:
        raise KeyError(f"Chỉ tiêu “{key}” chưa được khai báo trong danh mục chỉ tiêu (chapters/figures.py).")
    return found


def is_stock(key: str) -> bool:
    found = find(key)
    return found is not None and found.is_stock


def area_of(key: str) -> str:
    """The area a figure belongs to ("" for a key that is no declared figure, such as "baseline.year")."""
    found = find(key)
    return found.area if found is not None else ""


def in_area(key: str, area: str) -> bool:
    # The declared figures first, without two calls: a province's dashboard asks this ~10,000 times.
    found = CATALOGUE.get(key)
    return found.area == area if found is not None else area_of(key) == area


def is_context(key: str) -> bool:
    """A figure that describes the unit (units counted, baseline of the territory), not what it did."""
    area = AREAS.get(area_of(key))
    return area is not None and area.context


def is_activity(key: str) -> bool:
    """A declared figure of what a unit did (members, dues, funds, titles, classes, awards…)."""
    area = AREAS.get(area_of(key))
    return area is not None and not area.context


def entered(figures: dict[str, int], area: str, *, nonzero: bool = True) -> bool:
    """Whether `figures` hold a figure of `area` (with a value other than 0, unless `nonzero` is False)."""
    return any(in_area(key, area) and (value or not nonzero) for key, value in figures.items())


def own_or_children_figures(keys: Iterable[str] | None = None) -> set[str]:
    """The figures rolled up as "a unit's own entry, else its children's" among `keys` (default: all declared)."""
    keys = CATALOGUE if keys is None else keys
    return {key for key in keys if (found := find(key)) is not None and found.rollup == OWN_OR_CHILDREN}


def over_years(values_by_year: dict[int, dict[str, int]], years: list[int]) -> dict[str, int]:
    """A period made of `years` from each year's figures: flows summed, stocks read at the period's end (the
    opening balance at its start). Figures a period cannot hold (ratios) are left out: they are recomputed."""
    if len(years) == 1:  # one year (every dashboard's rows): each figure is that year's value
        return {
            key: value
            for key, value in values_by_year.get(years[0], {}).items()
            if value and (found := find(key)) is not None and found.rollup != RATIO
        }
    keys = {key for year in years for key in values_by_year.get(year, {})}
    result = {}
    for key in keys:
        found = find(key)
        if found is None or found.rollup == RATIO:
            continue
        value = found.over_years([values_by_year.get(year, {}).get(key, 0) for year in years])
        if value:
            result[key] = value
    return result
