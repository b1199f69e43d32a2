"""Turning an HTML template into a PDF with WeasyPrint, the same way for every app (design.md §6).

Fonts ship in static/fonts (Liberation Serif and Sans: Times New Roman and Arial metrics, full Vietnamese), so
nothing is fetched at render time: the URL fetcher may read those font files and nothing else, whatever a
template or a text typed by a user points at.

What is the same for every PDF is prepared once per process (per thread: gunicorn's threads render too) and
reused by every render: the font configuration with the shipped fonts (static/pdf/fonts.css, given to every
document, so templates declare no @font-face), and the parsed stylesheets a document kind names (the report's
static/pdf/report.css). Parsing them and loading the fonts cost a worker ~0.3–0.5 s per report otherwise. A
stylesheet file that changes on disk is parsed again (its modification time is part of the key), so an edited
stylesheet never prints with the old rules.
"""

import atexit
import threading
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

STATIC_DIR = Path(settings.BASE_DIR) / "static"
FONT_DIR = STATIC_DIR / "fonts"
FONTS_STYLESHEET = "pdf/fonts.css"

_prepared = threading.local()
_states: list[dict] = []


@atexit.register
def _release() -> None:
    """Drop the font configurations while the interpreter still works: each removes its temporary folder of
    fonts when it goes (at interpreter teardown it could not, and left the folder behind)."""
    for state in _states:
        state.clear()
    _states.clear()


def _fonts_only():
    from weasyprint.urls import URLFetcher

    class FontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file://") and Path(url[7:]).resolve().is_relative_to(FONT_DIR.resolve()):
                return super().fetch(url, headers)
            raise ValueError(f"Không được tải tài nguyên ngoài khi in: {url[:80]}")

    return FontsOnly(allowed_protocols=["file"])


def _state() -> dict:
    """This thread's font configuration, fetcher and parsed stylesheets (built on first use)."""
    state = getattr(_prepared, "state", None)
    if not state:
        from weasyprint.text.fonts import FontConfiguration

        state = {"font_config": FontConfiguration(), "fetcher": _fonts_only(), "sheets": {}}
        _prepared.state = state
        _states.append(state)
    return state


def stylesheet(name: str):
    """The parsed stylesheet static/<name>, parsed once per process and thread (again if the file changed)."""
    from weasyprint import CSS

    state = _state()
    path = STATIC_DIR / name
    key = (name, path.stat().st_mtime_ns)
    sheet = state["sheets"].get(key)
    if sheet is None:
        sheet = CSS(
            filename=str(path), font_config=state["font_config"], url_fetcher=state["fetcher"], media_type="print"
        )
        state["sheets"] = {k: v for k, v in state["sheets"].items() if k[0] != name} | {key: sheet}
    return sheet


def html_to_pdf(html: str, stylesheets: tuple[str, ...] = ()) -> tuple[bytes, int]:
    """(the PDF, its number of pages). `stylesheets`: files under static/ applied after the shipped fonts and
    before the document's own <style>."""
    from weasyprint import HTML

    state = _state()
    sheets = [stylesheet(FONTS_STYLESHEET), *(stylesheet(name) for name in stylesheets)]
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=state["fetcher"]).render(
        stylesheets=sheets, font_config=state["font_config"]
    )
    return document.write_pdf(), len(document.pages)


def render_pdf(template_name: str, context: dict, stylesheets: tuple[str, ...] = ()) -> bytes:
    html = render_to_string(template_name, context)
    return html_to_pdf(html, stylesheets)[0]
