import datetime
import subprocess

import pytest
from django.urls import reverse

from funds import pdf, services
from funds.models import Transaction
from tests.pdf import assert_shipped_fonts

D = datetime.date


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


def test_receipt_voucher_pdf_carries_number_amount_and_words(tree, commune_fund, receive):
    voucher = receive(commune_fund, 1_500_000, reason="Ủng hộ quỹ khuyến học năm học mới")
    services.transaction_mark_printed(voucher)
    voucher.refresh_from_db()
    content = pdf.voucher_pdf(voucher)
    assert_shipped_fonts(content)
    text = pdf_text(content)
    assert "PHIẾU THU" in text
    assert "PT-2024-0001" in text
    assert "1.500.000" in text
    assert "Một triệu năm trăm nghìn đồng" in text
    assert "Ông Nguyễn Văn An" in text and "HỘI KHUYẾN HỌC PHƯỜNG BẠCH ĐẰNG" in text
    for signer in ("Người lập phiếu", "Thủ quỹ", "Kế toán", "Chủ tịch", "Người nộp tiền"):
        assert signer in text
    assert "BẢN XEM TRƯỚC" not in text


def test_unprinted_voucher_pdf_is_marked_as_a_preview(commune_fund, pay, receive):
    receive(commune_fund, 5_000_000)
    voucher = pay(commune_fund, 215_640_000 // 100)
    text = pdf_text(pdf.voucher_pdf(voucher))
    assert "PHIẾU CHI" in text and "PC-2024-0001" in text and "Người nhận tiền" in text
    assert "Hai triệu một trăm năm mươi sáu nghìn bốn trăm đồng" in text
    assert "BẢN XEM TRƯỚC" in text


def test_reversal_voucher_pdf_shows_a_negative_amount(commune_fund, receive):
    voucher = receive(commune_fund, 1_500_000)
    reversal = services.transaction_reverse(voucher, date=D(2024, 3, 2), reason="Nhập trùng")
    text = pdf_text(pdf.voucher_pdf(reversal))
    assert "PT-2024-0002" in text and "-1.500.000" in text and "Âm một triệu năm trăm nghìn đồng" in text
    assert "Ghi âm (hủy) phiếu PT-2024-0001" in text


@pytest.mark.usefixtures("books")
def test_public_disclosure_pdf(client_for, viewer, tree):
    response = client_for(viewer).get(reverse("funds:disclosure_pdf", args=[tree.commune.pk]), {"year": 2024})
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "CÔNG KHAI THU, CHI QUỸ KHUYẾN HỌC NĂM 2024" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Công ty TNHH An Phát" in text and "20.000.000" in text
    assert "25.000.000" in text and "23.500.000" in text


def test_voucher_pdf_prints_the_name_the_unit_bore_on_the_voucher_date(tree, commune_fund, receive):
    from chapters.services import tree as tree_services

    voucher = receive(commune_fund, 1_000)
    tree_services.unit_update(tree.commune, name="Phường Bạch Đằng Mới", on=D(2025, 1, 1))
    voucher = Transaction.objects.select_related("fund__unit").get(pk=voucher.pk)
    text = pdf_text(pdf.voucher_pdf(voucher))
    assert "HỘI KHUYẾN HỌC PHƯỜNG BẠCH ĐẰNG" in text and "MỚI" not in text
