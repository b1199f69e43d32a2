"""Printable documents are real PDFs with the Vietnamese text in them (read back with pdftotext)."""

import datetime
import shutil
import subprocess

import pytest
from django.urls import reverse

from learning_models.models import TitleRecord
from learning_models.services.records import (
    record_review,
    record_score,
    records_propose,
    records_recognise,
    registration_create,
)
from tests.pdf import assert_shipped_fonts

from .conftest import DECISION, FULL, YEAR

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is needed")


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(content)
    import os

    if os.environ.get("KEEP_PDF"):
        shutil.copy(path, os.environ["KEEP_PDF"] + str(len(content)) + ".pdf")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


@pytest.fixture
def recognised(families, gdht, officer):
    record = registration_create(title_type=gdht, year=YEAR, household=families.an)
    record_score(record, scores=FULL)
    record_review(record, review_date=datetime.date(YEAR, 12, 5))
    records_propose([TitleRecord.objects.get(pk=record.pk)], actor=officer)
    records_recognise([TitleRecord.objects.select_related("title_type").get(pk=record.pk)], actor=officer, **DECISION)
    return TitleRecord.objects.get(pk=record.pk)


def test_certificate_names_the_household_head_and_the_title(client_for, secretary, recognised, tmp_path):
    response = client_for(secretary).get(reverse("learning_models:record_certificate", args=[recognised.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert_shipped_fonts(response.content)
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "GIẤY CHỨNG NHẬN" in text
    assert "Gia đình học tập năm 2025" in text
    assert "Nguyễn Văn An" in text
    assert "125/QĐ-UBND" in text


def test_certificate_of_a_record_not_recognised_is_404(client_for, secretary, families, gdht):
    record = registration_create(title_type=gdht, year=YEAR, household=families.binh)
    assert client_for(secretary).get(reverse("learning_models:record_certificate", args=[record.pk])).status_code == 404


def test_outsider_cannot_print_our_certificate(client_for, outsider, recognised):
    url = reverse("learning_models:record_certificate", args=[recognised.pk])
    assert client_for(outsider).get(url).status_code == 404


def test_decision_list_has_every_recognised_household(client_for, officer, tree, recognised, tmp_path):
    url = reverse("learning_models:decision_list_pdf", args=[tree.commune.pk, YEAR]) + "?number=125/QĐ-UBND"
    response = client_for(officer).get(url)
    assert response.status_code == 200
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "DANH SÁCH ĐƯỢC CÔNG NHẬN DANH HIỆU NĂM 2025" in text
    assert "Kèm theo Quyết định số 125/QĐ-UBND ngày 20/12/2025" in text
    assert "Nguyễn Văn An" in text and "Chi hội tổ dân phố số 1" in text
    assert client_for(officer).get(url.replace("125", "999")).status_code == 404
