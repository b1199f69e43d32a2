"""core/pdf.py: what is the same for every PDF (the shipped fonts, the parsed stylesheets) is prepared once per
process and thread and reused; every render still embeds only the shipped fonts and prints its own text."""

import subprocess
import threading

from core import pdf
from tests.pdf import assert_shipped_fonts


def _text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()


PAGE = "<html><body style='font-family: {family}'><p>{text}</p></body></html>"


def test_renders_reuse_the_fonts_and_stylesheets_and_stay_correct():
    first, _ = pdf.html_to_pdf(PAGE.format(family='"KH Serif"', text="Hội Khuyến học phường Bạch Đằng"))
    state = pdf._state()
    fonts, sheet = state["font_config"], pdf.stylesheet("pdf/report.css")
    second, _ = pdf.html_to_pdf(
        PAGE.format(family='"KH Sans"', text="Quỹ khuyến học: 512.350.000 đồng"), stylesheets=("pdf/report.css",)
    )
    third, _ = pdf.html_to_pdf(PAGE.format(family='"KH Serif"', text="Tổng kết năm 2025"))
    assert pdf._state()["font_config"] is fonts and pdf.stylesheet("pdf/report.css") is sheet
    assert "Bạch Đằng" in _text(first) and "512.350.000 đồng" in _text(second) and "Tổng kết" in _text(third)
    assert "Bạch Đằng" not in _text(second) + _text(third)
    assert_shipped_fonts(first, "Serif")
    assert_shipped_fonts(second, "Sans")
    assert_shipped_fonts(third, "Serif")


def test_a_stylesheet_edited_on_disk_is_parsed_again(tmp_path, monkeypatch):
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "fonts.css").write_text((pdf.STATIC_DIR / pdf.FONTS_STYLESHEET).read_text())
    (tmp_path / "fonts").symlink_to(pdf.FONT_DIR)
    sheet = tmp_path / "pdf" / "t.css"
    sheet.write_text("p { color: red; }")
    monkeypatch.setattr(pdf, "STATIC_DIR", tmp_path)
    before = pdf.stylesheet("pdf/t.css")
    assert pdf.stylesheet("pdf/t.css") is before
    sheet.write_text("p { color: blue; }")
    import os

    os.utime(sheet, ns=(1, 1))
    assert pdf.stylesheet("pdf/t.css") is not before


def test_each_thread_has_its_own_font_configuration():
    main = pdf._state()["font_config"]
    seen = []
    thread = threading.Thread(target=lambda: seen.append(pdf._state()["font_config"]))
    thread.start()
    thread.join()
    assert seen and seen[0] is not main


def test_a_document_cannot_fetch_anything_but_the_shipped_fonts(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    content, _ = pdf.html_to_pdf(f'<p>x<img src="{secret.as_uri()}"><img src="http://example.com/a.png"></p>')
    assert content.startswith(b"%PDF")
    assert b"/Subtype /Image" not in content and b"/Subtype/Image" not in content
