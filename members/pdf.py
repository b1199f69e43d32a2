"""Printable membership cards: eight cards (85.6 × 54 mm, the size of a bank card) to an A4 sheet."""

from core.pdf import render_pdf

CARDS_PER_SHEET = 8
MAX_CARDS = 400  # 50 sheets: a big chapter at once, rendered in a few seconds


def render_cards(members) -> bytes:
    """The PDF of the cards of `members` (with `unit` and `unit__parent` selected), in the given order."""
    members = list(members)
    sheets = [members[i : i + CARDS_PER_SHEET] for i in range(0, len(members), CARDS_PER_SHEET)]
    for sheet in sheets:
        # Rows of two cards; a short last row keeps the cards' size.
        sheet[:] = [sheet[i : i + 2] for i in range(0, len(sheet), 2)]
    return render_pdf("pdf/members/cards.html", {"sheets": sheets})
