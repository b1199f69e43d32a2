"""Reading back the PDFs the application writes (poppler-utils)."""

import subprocess


def embedded_fonts(content: bytes) -> list[str]:
    """The names of the fonts a PDF embeds (`pdffonts`), without the subset prefix ("ABCDEF+")."""
    out = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True).stdout.decode()
    return [line.split()[0].split("+")[-1] for line in out.splitlines()[2:] if line.strip()]


def assert_shipped_fonts(content: bytes, family: str = "Serif") -> None:
    """Every font of the PDF is one shipped in static/fonts (static/pdf/fonts.css names them "KH Serif" and
    "KH Sans"; no system font is installed under those names), never a system fallback such as DejaVu."""
    fonts = embedded_fonts(content)
    assert fonts, "the PDF should embed its fonts"
    assert all(name.startswith(("KH-", "Liberation")) for name in fonts), fonts
    assert any(family in name for name in fonts), fonts
