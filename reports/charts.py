"""Server-side SVG charts, drawn once and used both on dashboards and in PDFs (design.md §8)."""

from django.utils.html import escape

from core.formatting import number


def _short(value: int) -> str:
    """Axis labels in words an older reader knows: 1.234.567.890 → "1,2 tỷ", 4.500.000 → "4,5 triệu",
    2.000 → "2 nghìn" (never "2 N")."""
    for size, word in ((1_000_000_000, " tỷ"), (1_000_000, " triệu"), (1_000, " nghìn")):
        if abs(value) >= size:
            text = f"{value / size:.1f}".rstrip("0").rstrip(".").replace(".", ",")
            return text + word
    return number(value)


def bar_chart(
    title: str,
    points: list[tuple[str, int]],
    *,
    unit: str = "",
    width: int = 520,
    height: int = 220,
    colour: str = "#9c1c1c",
) -> str:
    """A labelled bar chart as an inline SVG string (no scripts, no external references)."""
    left, right, top, bottom = 56, 12, 30, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([value for _label, value in points] + [1])
    step = plot_w / max(len(points), 1)
    bar_w = step * 0.6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" font-family="Liberation Serif, DejaVu Serif, serif" font-size="11">',
        f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#444"/>',
    ]
    for fraction in (0.5, 1.0):
        y = top + plot_h - plot_h * fraction
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_short(int(peak * fraction))}</text>')
    for index, (label, value) in enumerate(points):
        x = left + index * step + (step - bar_w) / 2
        bar_h = plot_h * value / peak if peak else 0
        y = top + plot_h - bar_h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" fill="{colour}">'
            f"<title>{escape(label)}: {number(value)} {escape(unit)}</title></rect>"
        )
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{_short(value)}</text>')
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
