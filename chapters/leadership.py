"""Who signs for an association on a date: the signature block of reports (Decree 30/2020, domain.md §7)."""

import datetime
from dataclasses import dataclass

from django.db.models import Q

from chapters.models import LeadershipPosition, Unit

Position = LeadershipPosition.Position


@dataclass(frozen=True)
class Signatory:
    """A signature block: the authority lines in capitals, then the signer's name.

    A chair signs "CHỦ TỊCH"; a vice-chair signs on the chair's behalf: "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH".
    """

    full_name: str
    lines: tuple[str, ...]
    position: LeadershipPosition

    @property
    def on_behalf(self) -> bool:
        return self.lines[0].startswith("KT.")


def _titles(unit: Unit) -> tuple[tuple[str, str], tuple[str, str]]:
    """(head position, its title), (deputy position, its title) for this kind of unit."""
    if unit.kind == Unit.Kind.CHAPTER:
        return (Position.HEAD, "CHI HỘI TRƯỞNG"), (Position.DEPUTY_HEAD, "CHI HỘI PHÓ")
    if unit.kind in (Unit.Kind.BOARD, Unit.Kind.CELL):
        return (Position.HEAD, "TRƯỞNG BAN"), (Position.DEPUTY_HEAD, "PHÓ TRƯỞNG BAN")
    return (Position.CHAIR, "CHỦ TỊCH"), (Position.VICE_CHAIR, "PHÓ CHỦ TỊCH")


def holders_on(unit: Unit, on_date: datetime.date):
    """Leadership positions of `unit` held on `on_date` (both ends inclusive), highest first."""
    return (
        LeadershipPosition.objects.filter(unit=unit, since__lte=on_date)
        .filter(Q(until__isnull=True) | Q(until__gte=on_date))
        .select_related("term")
        .order_by("rank", "since", "pk")
    )


def signatories(unit: Unit, on_date: datetime.date) -> list[Signatory]:
    """Who may sign for `unit` on `on_date`, best first: the chair; without one, the vice-chairs, each signing
    "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH". Chapters and boards use their head and deputies. Empty when nobody is
    recorded: the report then leaves the block for a hand-written name."""
    (head, head_title), (deputy, deputy_title) = _titles(unit)
    holders = list(holders_on(unit, on_date).filter(position__in=[head, deputy]))
    heads = [p for p in holders if p.position == head]
    if heads:
        # The most recently appointed chair wins when two overlap (a hand-over recorded late).
        chosen = sorted(heads, key=lambda p: p.since, reverse=True)
        return [Signatory(p.full_name, (head_title,), p) for p in chosen]
    return [Signatory(p.full_name, (f"KT. {head_title}", deputy_title), p) for p in holders if p.position == deputy]


def signatory(unit: Unit, on_date: datetime.date) -> Signatory | None:
    """The first of `signatories()`, or None."""
    found = signatories(unit, on_date)
    return found[0] if found else None
