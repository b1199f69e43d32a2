"""Legacy Vietnamese text (TCVN3, VNI), Windows-1258 and decomposed Unicode are read as NFC Unicode."""

import unicodedata

import pytest

from core.spreadsheets.encodings import decode_text, detect_legacy, dominant_encoding, fix_legacy
from tests.imports.conftest import cp1258

# Cells as old .xls files hold them: the bytes of the legacy font read as Latin-1.
TCVN3_SAMPLES = {
    "NguyÔn V¨n §øc": "Nguyễn Văn Đức",
    "Chi héi khuyÕn häc th«n §«ng": "Chi hội khuyến học thôn Đông",
    "Tr\xadêng THCS B¹ch §»ng": "Trường THCS Bạch Đằng",
    "Ph¹m ThÞ H\xad¬ng": "Phạm Thị Hương",
    "tæ d©n phè sè 5": "tổ dân phố số 5",
}
VNI_SAMPLES = {
    "Nguyeãn Vaên Ñöùc": "Nguyễn Văn Đức",
    "Chi hoäi khuyeán hoïc thoân Ñoâng": "Chi hội khuyến học thôn Đông",
    "Tröôøng THCS Baïch Ñaèng": "Trường THCS Bạch Đằng",
    "Phaïm Thò Höông": "Phạm Thị Hương",
    "Leâ Quyù Ñoân": "Lê Quý Đôn",
}


@pytest.mark.parametrize(("legacy", "unicode"), TCVN3_SAMPLES.items())
def test_tcvn3_text_is_converted(legacy, unicode):
    assert fix_legacy(legacy) == (unicode, "TCVN3")


@pytest.mark.parametrize(("legacy", "unicode"), VNI_SAMPLES.items())
def test_vni_text_is_converted(legacy, unicode):
    assert fix_legacy(legacy) == (unicode, "VNI")


@pytest.mark.parametrize(
    "text",
    ["Tô Hà", "Café", "Lê Thị Hà", "Hà Nội", "Công ty ABC®", "São Paulo", "Số 1", "x²", "Nguyễn Văn Đức", "THCS"],
)
def test_unicode_and_foreign_text_is_left_alone(text):
    assert fix_legacy(text) == (text, None)


def test_decomposed_unicode_becomes_nfc():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hương")
    assert decomposed != "Nguyễn Thị Hương"
    assert fix_legacy(decomposed) == ("Nguyễn Thị Hương", None)


def test_a_file_wide_encoding_settles_cells_that_read_both_ways():
    cells = [*VNI_SAMPLES, "Quyù"]
    assert dominant_encoding(cells) == "VNI"
    assert detect_legacy("Quyù", "VNI") == "VNI"


@pytest.mark.parametrize(
    ("data", "label"),
    [
        ("Mã đơn vị,Năm\n".encode(), "UTF-8"),
        (b"\xef\xbb\xbf" + "Mã đơn vị,Năm\n".encode(), "UTF-8 (có BOM)"),
        ("Mã đơn vị,Năm\n".encode("utf-16"), "UTF-16"),
        (cp1258("Mã đơn vị,Năm,Nguyễn Văn Đức\n"), "Windows-1258"),
    ],
)
def test_csv_bytes_are_decoded_to_nfc(data, label):
    text, found = decode_text(data)
    assert found == label
    assert text.startswith("Mã đơn vị,Năm")
    assert unicodedata.is_normalized("NFC", text)
    if label == "Windows-1258":
        assert "Nguyễn Văn Đức" in text


def test_the_file_wide_encoding_counts_every_cell_and_looks_at_each_text_once(monkeypatch):
    """A repeated cell counts as many times as it appears (the 90 % agreement is over cells), but is detected once."""
    from core.spreadsheets import encodings

    seen = []
    real = encodings.detect_legacy
    monkeypatch.setattr(
        encodings, "detect_legacy", lambda text, prefer=None, **given: seen.append(text) or real(text, prefer, **given)
    )
    vni, tcvn3 = next(iter(VNI_SAMPLES)), next(iter(TCVN3_SAMPLES))
    assert encodings.dominant_encoding([vni] * 10 + [tcvn3]) == "VNI"  # 10 of 11 cells agree
    assert encodings.dominant_encoding([vni] * 8 + [tcvn3] * 2) is None  # 8 of 10 do not
    assert sorted(seen) == sorted([vni, tcvn3] * 2)
