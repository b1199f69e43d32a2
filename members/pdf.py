"""Printable membership cards: eight cards (85.6 × 54 mm, the size of a bank card) to an A4 sheet."""

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
CARDS_PER_SHEET = 8
MAX_CARDS = 400  # 50 sheets: a big chapter at once, rendered in a few seconds


def _fetcher():
    """WeasyPrint may read the shipped font files and nothing else (no network at render time)."""
    from weasyprint.urls import URLFetcher

    class FontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file://") and Path(url[7:]).resolve().is_relative_to(FONT_DIR.resolve()):
                return super().fetch(url, headers)
            raise ValueError(f"Không được tải tài nguyên ngoài: {url[:80]}")

    return FontsOnly(allowed_protocols=["file"])


def render_cards(members) -> bytes:
    """The PDF of the cards of `members` (with `unit` and `unit__parent` selected), in the given order."""
    from weasyprint import HTML

    members = list(members)
    sheets = [members[i : i + CARDS_PER_SHEET] for i in range(0, len(members), CARDS_PER_SHEET)]
    for sheet in sheets:
        # Rows of two cards; a short last row keeps the cards' size.
        sheet[:] = [sheet[i : i + 2] for i in range(0, len(sheet), 2)]
    html = render_to_string("pdf/members/cards.html", {"sheets": sheets, "font_dir": FONT_DIR.as_uri()})
    return HTML(string=html, base_url=FONT_DIR.as_uri() + "/", url_fetcher=_fetcher()).write_pdf()
