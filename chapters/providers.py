"""The chapters app's own summary figures: unit counts by kind and host, and baseline figures."""

import datetime

from chapters.figures import OWN_OR_CHILDREN, STOCK, Figure, declare, declare_area
from chapters.models import BaselineFigure, Unit
from chapters.summaries import SummaryProvider, register


def _count(key: str, label: str) -> Figure:
    """Units open at the period's end: a stock."""
    return Figure(key, label, kind=STOCK, unit="đơn vị", short=label)


_counts = [
    _count(f"units.association.{level}", f"Hội Khuyến học cấp {label}")
    for level, label in [(Unit.Level.PROVINCE, "tỉnh"), (Unit.Level.DISTRICT, "huyện"), (Unit.Level.COMMUNE, "xã")]
]
for _kind, _kind_label in [(Unit.Kind.CHAPTER, "Chi hội"), (Unit.Kind.BOARD, "Ban khuyến học")]:
    _counts.append(_count(f"units.{_kind}", _kind_label))
    _counts += [
        _count(f"units.{_kind}.{_host}", f"{_kind_label} – {_host_label.lower()}")
        for _host, _host_label in Unit.Host.choices
    ]
_counts.append(_count("units.cell", "Tổ hội"))
UNITS = declare_area("units", "Tổ chức hội", context=True)
BASELINE = declare_area("baseline", "Số liệu nền", context=True)
_COUNT_FIGURES = declare(*_counts, area=UNITS)


def _count_figures(unit: dict) -> list[str]:
    if unit["kind"] == Unit.Kind.ASSOCIATION:
        return [f"units.association.{unit['level']}"]
    if unit["kind"] == Unit.Kind.CELL:
        return ["units.cell"]
    return [f"units.{unit['kind']}", f"units.{unit['kind']}.{unit['host'] or Unit.Host.OTHER}"]


def compute_unit_counts(unit_ids, years):
    units = Unit.objects.all() if unit_ids is None else Unit.objects.filter(pk__in=unit_ids)
    for unit in units.values("pk", "kind", "level", "host", "active_from", "active_until"):
        figures = _count_figures(unit)
        for year in years:
            for period, end in (("Y", datetime.date(year, 12, 31)), ("H1", datetime.date(year, 6, 30))):
                opened = unit["active_from"] is None or unit["active_from"] <= end
                still_open = unit["active_until"] is None or unit["active_until"] >= end
                if opened and still_open:
                    for figure in figures:
                        yield unit["pk"], year, period, figure, 1


_BASELINE_UNITS = {"population": "người", "households": "hộ", "adults": "người", "party_members": "người"}
# Baseline figures describe the area at the year's end (stocks); a unit's own entry stands for its whole area.
BASELINE_FIGURES = declare(
    *[
        Figure(
            f"baseline.{name}",
            str(BaselineFigure._meta.get_field(name).verbose_name).capitalize(),
            kind=STOCK,
            unit=_BASELINE_UNITS.get(name, "đơn vị"),
            rollup=OWN_OR_CHILDREN,
        )
        for name in BaselineFigure.FIELDS
    ],
    area=BASELINE,
)


def compute_baseline(unit_ids, years):
    rows = BaselineFigure.objects.filter(year__in=years)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    for row in rows.values("unit_id", "year", *BaselineFigure.FIELDS):
        for name in BaselineFigure.FIELDS:
            if row[name] is not None:
                yield row["unit_id"], row["year"], "Y", f"baseline.{name}", row[name]


units_provider = SummaryProvider(name="units", figures=_COUNT_FIGURES, compute=compute_unit_counts)
baseline_provider = SummaryProvider(name="baseline", figures=BASELINE_FIGURES, compute=compute_baseline)


def register_all():
    register(units_provider)
    register(baseline_provider)
