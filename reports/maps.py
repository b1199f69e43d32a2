"""The dashboard's map: the units below (communes of a province) as points at their coordinates, coloured by a
ratio of the table beside it, drawn server-side as SVG with no tile server (works offline, strict CSP). Each point
links to that unit's dashboard."""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape

from core.formatting import percent

# What the map can be coloured by: the same ratios as the table's columns.
MEASURES = {
    "share": "Tỷ lệ hội viên trên dân số",
    "families": "Gia đình học tập so với số hộ",
}
# Light to dark: the darker, the better. No data is grey; the lowest fifth is also marked by the table's "thấp".
SCALE = ["#f6d5cf", "#eea596", "#d9705d", "#b83f2f", "#7a1414"]
NO_DATA = "#c7ccd6"


@dataclass
class MapPoint:
    pk: int
    name: str
    latitude: float
    longitude: float
    value: Decimal | None
    current: bool = False


def map_points(rows: list[dict], measure: str, *, current_pk: int | None = None) -> list[MapPoint]:
    """The table's rows that have coordinates, with the chosen measure's value (the same figure as the table)."""
    return [
        MapPoint(
            pk=row["unit"].pk,
            name=row["unit"].display_name,
            latitude=row["unit"].latitude,
            longitude=row["unit"].longitude,
            value=row.get(measure),
            current=row["unit"].pk == current_pk,
        )
        for row in rows
        if row["unit"].latitude is not None and row["unit"].longitude is not None
    ]


def _breaks(values: list[Decimal]) -> list[Decimal]:
    """Upper bounds of the five colour classes (quintiles of the units shown)."""
    ordered = sorted(values)
    if not ordered:
        return []
    bounds = [ordered[min(len(ordered) - 1, math.ceil(len(ordered) * k / 5) - 1)] for k in range(1, 5)]
    return sorted(set(bounds))  # few units: fewer classes, never two with the same bound


def _colour(value: Decimal | None, breaks: list[Decimal]) -> str:
    if value is None:
        return NO_DATA
    for index, bound in enumerate(breaks):
        if value <= bound:
            return SCALE[index]
    return SCALE[-1]


def points_svg(points: list[MapPoint], *, title: str, url_prefix: str, query: str, width: int = 560) -> str:
    """An SVG map of `points` (an equirectangular projection, corrected for latitude), with a legend."""
    if not points:
        return ""
    lats = [p.latitude for p in points]
    lons = [p.longitude for p in points]
    mid = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lons) - min(lons)) * mid, 0.01)
    span_y = max(max(lats) - min(lats), 0.01)
    pad = 28
    plot_w = width - 2 * pad
    plot_h = max(160, min(640, plot_w * span_y / span_x))
    scale = min(plot_w / span_x, plot_h / span_y)
    height = int(plot_h + 2 * pad + 28)
    breaks = _breaks([p.value for p in points if p.value is not None])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="unit-map" role="group" '
        f'aria-label="{escape(title)}" font-size="11">',
        f'<rect x="0" y="0" width="{width}" height="{height - 28}" fill="#eef3f8" rx="6"/>',
    ]
    radius = 7 if len(points) < 60 else 5
    for p in sorted(points, key=lambda point: point.current):
        x = pad + (p.longitude - min(lons)) * mid * scale
        y = pad + (max(lats) - p.latitude) * scale
        shown = percent(p.value) if p.value is not None else "chưa có số liệu"
        label = f"{p.name}: {shown}"
        ring = ' stroke="#1d2430" stroke-width="3"' if p.current else ' stroke="#fff" stroke-width="1.5"'
        parts.append(
            f'<a href="{escape(url_prefix)}{p.pk}/?{escape(query)}" aria-label="{escape(label)}">'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius + (3 if p.current else 0)}" '
            f'fill="{_colour(p.value, breaks)}"{ring}><title>{escape(label)}</title></circle></a>'
        )
    # Legend: the five classes and "no data".
    y = height - 20
    x = pad
    bounds = [None, *breaks]
    for index, colour in enumerate(SCALE[: len(breaks) + 1] if breaks else []):
        low = bounds[index]
        text = f"≤ {percent(breaks[index])}" if index < len(breaks) else f"> {percent(breaks[-1])}"
        if low is None and index < len(breaks):
            text = f"≤ {percent(breaks[0])}"
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 10}">{escape(text)}</text>')
        x += 78
    parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{NO_DATA}"/>')
    parts.append(f'<text x="{x + 16}" y="{y + 10}">chưa có số liệu</text>')
    parts.append("</svg>")
    return "".join(parts)
