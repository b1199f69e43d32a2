"""What a voucher was written for, told by the apps that write vouchers (awards pays rewards through funds).

funds never imports those apps (design.md §13): each registers a function in its AppConfig.ready() that
returns, for a voucher, the (label, url) links of the records it pays. The voucher page lists them.
"""

from collections.abc import Callable

SourceLinks = Callable[[object], list[tuple[str, str]]]
_SOURCES: list[SourceLinks] = []


def register(source: SourceLinks) -> SourceLinks:
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def links_for(voucher) -> list[tuple[str, str]]:
    return [link for source in _SOURCES for link in source(voucher)]
