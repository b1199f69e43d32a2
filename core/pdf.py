"""Turning an HTML template into a PDF with WeasyPrint, the same way for every app (design.md §6).

Fonts ship in static/fonts (Liberation Serif and Sans: Times New Roman and Arial metrics, full Vietnamese), so
nothing is fetched at render time: the URL fetcher may read those font files and nothing else, whatever a
template or a text typed by a user points at. Every PDF template includes templates/pdf/_fonts.html, which names
them relative to static/ ("fonts/…").
"""

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

STATIC_DIR = Path(settings.BASE_DIR) / "static"
FONT_DIR = STATIC_DIR / "fonts"


def _fonts_only():
    from weasyprint.urls import URLFetcher

    class FontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file://") and Path(url[7:]).resolve().is_relative_to(FONT_DIR.resolve()):
                return super().fetch(url, headers)
            raise ValueError(f"Không được tải tài nguyên ngoài khi in: {url[:80]}")

    return FontsOnly(allowed_protocols=["file"])


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """(the PDF, its number of pages)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=_fonts_only()).render()
    return document.write_pdf(), len(document.pages)


def render_pdf(template_name: str, context: dict) -> bytes:
    html = render_to_string(template_name, context)
    return html_to_pdf(html)[0]
