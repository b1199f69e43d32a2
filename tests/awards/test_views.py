"""The awards screens with every persona: anonymous, outsider (404), read-only (403), the secretaries who enter
decisions, recipients and payments, and the officer and administrator who only read them.

Who may do what (documented in docs/huong-dan.md): entering decisions, recipients and scholarships and paying
them needs CHANGE (a secretary of the decision's unit or above), because paying writes fund vouchers, which is a
secretary's work too. Officers (APPROVE) and administrators (MANAGE) read.
"""

import datetime

import pytest
from django.urls import reverse

from awards.models import Decision, Payout, Recipient, Scholarship
from funds import services as fund_services
from funds.models import Transaction
from tests.awards.conftest import add_recipient, make_decision
from tests.pdf import assert_shipped_fonts

D = datetime.date


@pytest.fixture
def listed(tree, decision):
    add_recipient(decision, name="Nguyễn Văn Đức", unit=tree.chapter, amount=500_000, school="THCS Bạch Đằng")
    add_recipient(decision, name="Lê Thị Hoa", kind=Recipient.Kind.TEACHER, unit=tree.other_chapter, amount=1_000_000)
    return decision


def decision_post(unit, **extra):
    data = {
        "number": "200/QĐ-HKH",
        "date": "20/12/2025",
        "issuer_kind": Decision.IssuerKind.ASSOCIATION,
        "issuer_unit": unit.pk,
        "occasion": Decision.Occasion.YEAR_END,
        "form": Decision.Form.CASH,
        "subject": "Về việc khen thưởng học sinh giỏi năm học 2024-2025",
        "unit": unit.pk,
    }
    data.update(extra)
    return data


# Who sees what ----------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, listed):
    for url in (reverse("awards:decision_list"), reverse("awards:decision_detail", args=[listed.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/dang-nhap/" in response.url


def test_outsider_gets_404_everywhere(client_for, outsider, listed):
    client = client_for(outsider)
    recipient = listed.recipients.first()
    for name, pk in [
        ("awards:decision_detail", listed.pk),
        ("awards:decision_update", listed.pk),
        ("awards:decision_pdf", listed.pk),
        ("awards:decision_scan", listed.pk),
        ("awards:recipient_create", listed.pk),
        ("awards:recipient_paste", listed.pk),
        ("awards:recipient_detail", recipient.pk),
        ("awards:recipient_update", recipient.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    assert client.post(reverse("awards:decision_delete", args=[listed.pk])).status_code == 404
    assert client.post(reverse("awards:recipient_pay", args=[recipient.pk])).status_code == 404
    assert Decision.objects.filter(pk=listed.pk).exists()
    response = client.get(reverse("awards:decision_list"))
    assert listed.number not in response.content.decode()


@pytest.mark.parametrize("persona", ["viewer", "officer", "administrator"])
def test_readers_see_but_cannot_change(request, client_for, persona, listed, tree):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("awards:decision_detail", args=[listed.pk])).status_code == 200
    assert client.get(reverse("awards:decision_create")).status_code == 403
    assert client.get(reverse("awards:decision_update", args=[listed.pk])).status_code == 403
    response = client.post(
        reverse("awards:recipient_paste", args=[listed.pk]),
        {"text": "Trần Văn Bảo\tHọc sinh\t\t\t300.000", "unit": tree.commune.pk, "default_kind": "student"},
    )
    assert response.status_code == 403
    assert client.post(reverse("awards:decision_delete", args=[listed.pk])).status_code == 403
    assert listed.recipients.count() == 2


def test_chapter_secretary_finds_own_recipients_but_not_the_commune_decision(client_for, secretary, listed):
    client = client_for(secretary)
    assert client.get(reverse("awards:decision_detail", args=[listed.pk])).status_code == 404
    response = client.get(reverse("awards:recipient_list"), {"q": "nguyen van duc"})
    assert "Nguyễn Văn Đức" in response.content.decode()
    response = client.get(reverse("awards:recipient_list"), {"q": "le thi hoa"})
    assert "Lê Thị Hoa" not in response.content.decode()  # another chapter's teacher


# Decisions --------------------------------------------------------------------------------------------------


def test_secretary_adds_a_decision(client_for, commune_secretary, tree):
    client = client_for(commune_secretary)
    response = client.post(reverse("awards:decision_create"), decision_post(tree.commune))
    decision = Decision.objects.get(number="200/QĐ-HKH")
    assert response.status_code == 302 and response.url == reverse("awards:decision_detail", args=[decision.pk])
    assert decision.date == D(2025, 12, 20) and decision.unit == tree.commune
    assert decision.history.first().history_user == commune_secretary


def test_reused_decision_number_is_refused_on_the_form(client_for, commune_secretary, tree, decision):
    client = client_for(commune_secretary)
    response = client.post(reverse("awards:decision_create"), decision_post(tree.commune, number="125/QĐ-HKH"))
    assert response.status_code == 200
    assert "Số quyết định này đã được cùng nơi ban hành dùng trong cùng năm" in response.content.decode()
    assert Decision.objects.count() == 1


def test_decision_list_filters_and_query_count(client_for, officer, tree, django_assert_max_num_queries):
    for number in range(5):
        make_decision(tree.commune, number=f"{number}/QĐ-HKH", form=Decision.Form.CERTIFICATE)
    make_decision(tree.commune, number="9/QĐ-HKH", date=D(2024, 10, 2), occasion=Decision.Occasion.STUDY_DAY)
    client = client_for(officer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("awards:decision_list"))
    assert response.status_code == 200 and response.content.decode().count("/QĐ-HKH</a>") == 6
    response = client.get(reverse("awards:decision_list"), {"year": 2024, "occasion": "study_day"})
    page = response.content.decode()
    assert "9/QĐ-HKH" in page and "0/QĐ-HKH" not in page
    response = client.get(reverse("awards:decision_list"), {"form": "certificate", "q": "3/qđ"})
    page = response.content.decode()
    assert "3/QĐ-HKH" in page and "4/QĐ-HKH" not in page


def test_decision_page_shows_recipients_and_totals(client_for, officer, listed, django_assert_max_num_queries):
    client = client_for(officer)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("awards:decision_detail", args=[listed.pk]))
    page = response.content.decode()
    assert "Nguyễn Văn Đức" in page and "Lê Thị Hoa" in page
    assert "1.500.000 đồng" in page


# Recipients ------------------------------------------------------------------------------------------------


def test_secretary_adds_a_recipient_by_form(client_for, commune_secretary, tree, decision):
    client = client_for(commune_secretary)
    url = reverse("awards:recipient_create", args=[decision.pk])
    response = client.post(
        url,
        {"kind": "student", "name": "Hoàng  Minh Châu", "unit": tree.chapter.pk, "amount": "700.000", "another": "1"},
    )
    assert response.status_code == 302 and response.url == url
    recipient = decision.recipients.get()
    assert (recipient.name, recipient.amount, recipient.unit) == ("Hoàng Minh Châu", 700_000, tree.chapter)


@pytest.mark.parametrize(
    ("form", "data", "message"),
    [
        ("cash", {"kind": "student", "name": "", "amount": "500.000"}, "Hãy nhập họ tên người nhận"),
        ("cash", {"kind": "student", "name": "Nguyễn An", "amount": "-500.000"}, "Số tiền không được âm."),
        ("cash", {"kind": "student", "name": "Nguyễn An", "amount": "5,5"}, "phải là số nguyên"),
        ("cash", {"kind": "student", "name": "Nguyễn An"}, "Hãy nhập số tiền."),
    ],
)
def test_bad_recipient_input_is_refused(client_for, commune_secretary, tree, form, data, message):
    decision = make_decision(tree.commune, form=form)
    client = client_for(commune_secretary)
    response = client.post(reverse("awards:recipient_create", args=[decision.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Recipient.objects.exists()


def test_amount_on_certificate_is_not_even_asked(client_for, commune_secretary, tree):
    decision = make_decision(tree.commune, form=Decision.Form.CERTIFICATE)
    client = client_for(commune_secretary)
    url = reverse("awards:recipient_create", args=[decision.pk])
    assert 'name="amount"' not in client.get(url).content.decode()
    client.post(url, {"kind": "collective", "name": "Dòng họ Nguyễn", "amount": "500000"})
    assert Recipient.objects.get().amount is None


PASTED = (
    "STT\tHọ và tên\tĐối tượng\tTrường, lớp\tThành tích\tSố tiền\n"
    "1\tNguyễn Văn An\tHọc sinh\tTHCS Bạch Đằng, 8A\tHọc sinh giỏi cấp tỉnh\t500.000\n"
    "2\tTrần Thị Bình\t\tTHCS Bạch Đằng, 9B\tGiải Nhì Olympic\t1.000.000\n"
    "3\tCô Lê Thị Hoa\tgiáo viên\tTHCS Bạch Đằng\tGiáo viên dạy giỏi\t1.500.000\n"
)


def test_paste_a_list_preview_then_save(client_for, commune_secretary, tree, decision):
    client = client_for(commune_secretary)
    url = reverse("awards:recipient_paste", args=[decision.pk])
    data = {"text": PASTED, "unit": tree.chapter.pk, "default_kind": "student"}
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200 and "Xem trước: 3 người nhận" in page and "3.000.000 đồng" in page
    assert not Recipient.objects.exists()
    # "Check again" never saves, even with the confirmation flag.
    client.post(url, {**data, "confirm": "True", "check": "1"})
    assert not Recipient.objects.exists()
    response = client.post(url, {**data, "confirm": "True"})
    assert response.status_code == 302
    saved = list(decision.recipients.order_by("position").values_list("name", "kind", "school", "amount"))
    assert saved == [
        ("Nguyễn Văn An", "student", "THCS Bạch Đằng, 8A", 500_000),
        ("Trần Thị Bình", "student", "THCS Bạch Đằng, 9B", 1_000_000),
        ("Cô Lê Thị Hoa", "teacher", "THCS Bạch Đằng", 1_500_000),
    ]


def test_paste_errors_are_numbered_and_nothing_is_saved(client_for, commune_secretary, tree, decision):
    client = client_for(commune_secretary)
    text = (
        "Nguyễn Văn An\tHọc sinh\t\t\t500.000\n"
        "\tHọc sinh\t\t\t500.000\n"
        "Trần Thị Bình\tphụ huynh\t\t\t500.000\n"
        "Lê Văn Cường\tHọc sinh\t\t\t-200.000\n"
        "Phạm Thị Dung\tHọc sinh\t\t\tnăm trăm\n"
    )
    response = client.post(
        reverse("awards:recipient_paste", args=[decision.pk]),
        {"text": text, "unit": tree.commune.pk, "default_kind": "student", "confirm": "True"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Danh sách có 4 lỗi; chưa lưu dòng nào." in page
    assert "Dòng 2: Họ tên hoặc tên tập thể: Hãy nhập họ tên người nhận" in page
    assert "Dòng 3: cột Đối tượng: «phụ huynh» không phải là giá trị hợp lệ" in page
    assert "Dòng 4: Số tiền (đồng): Số tiền không được âm." in page
    assert "Dòng 5: cột Số tiền: «năm trăm» không phải là số." in page
    assert not Recipient.objects.exists()


def test_paste_on_certificate_refuses_amounts(client_for, commune_secretary, tree):
    decision = make_decision(tree.commune, form=Decision.Form.COMMENDATION)
    client = client_for(commune_secretary)
    response = client.post(
        reverse("awards:recipient_paste", args=[decision.pk]),
        {"text": "Chi hội tổ 5\tTập thể\t\tXuất sắc\t2.000.000", "unit": tree.commune.pk, "default_kind": "student"},
    )
    assert response.status_code == 400 and "không được ghi số tiền" in response.content.decode()


def test_recipient_search_is_accent_insensitive_and_counted(
    client_for, officer, tree, listed, django_assert_max_num_queries
):
    for index in range(10):
        add_recipient(listed, name=f"Đỗ Thị Mai {index}", unit=tree.chapter, amount=100_000)
    client = client_for(officer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("awards:recipient_list"), {"q": "do thi mai"})
    page = response.content.decode()
    assert page.count("Đỗ Thị Mai") == 10 and "Nguyễn Văn Đức" not in page
    response = client.get(reverse("awards:recipient_list"), {"kind": "teacher"})
    assert "Lê Thị Hoa" in response.content.decode() and "Nguyễn Văn Đức" not in response.content.decode()


# Money -----------------------------------------------------------------------------------------------------


@pytest.fixture
def fund(tree):
    return fund_services.fund_create(unit=tree.commune, opening_year=2025, opening_amount=20_000_000)


def test_secretary_pays_the_whole_list(client_for, commune_secretary, listed, fund):
    client = client_for(commune_secretary)
    response = client.post(reverse("awards:decision_pay", args=[listed.pk]), {"fund": fund.pk, "paid_on": "05/01/2026"})
    assert response.status_code == 302
    assert Payout.objects.count() == 2 and Transaction.objects.count() == 2
    page = client.get(reverse("awards:decision_detail", args=[listed.pk])).content.decode()
    assert "PC-2026-0001" in page and "PC-2026-0002" in page
    assert "Đã chi tiền và lập phiếu chi" in page


def test_viewer_cannot_pay(client_for, viewer, listed, fund):
    client = client_for(viewer)
    response = client.post(reverse("awards:decision_pay", args=[listed.pk]), {"fund": fund.pk, "paid_on": "05/01/2026"})
    assert response.status_code == 403
    assert not Transaction.objects.exists()


def test_payment_in_closed_year_is_refused_with_a_message(client_for, commune_secretary, listed, fund, tree):
    from chapters.services.periods import period_close

    period_close(unit=tree.commune, year=2025, actor=None)
    client = client_for(commune_secretary)
    recipient = listed.recipients.first()
    response = client.post(
        reverse("awards:recipient_pay", args=[recipient.pk]), {"fund": fund.pk, "paid_on": "30/12/2025"}, follow=True
    )
    assert "đã khóa sổ" in response.content.decode()
    assert not Payout.objects.exists() and not Transaction.objects.exists()


def test_pay_one_then_cancel(client_for, commune_secretary, listed, fund):
    client = client_for(commune_secretary)
    recipient = listed.recipients.get(name="Nguyễn Văn Đức")
    client.post(reverse("awards:recipient_pay", args=[recipient.pk]), {"fund": fund.pk, "paid_on": "05/01/2026"})
    payout = recipient.active_payout()
    assert payout.voucher.counterparty_name == "Nguyễn Văn Đức"
    response = client.post(
        reverse("awards:payout_cancel", args=[payout.pk]), {"date": "06/01/2026", "reason": "Nhầm quỹ"}
    )
    assert response.status_code == 302
    assert recipient.active_payout() is None
    assert Transaction.objects.filter(reverses=payout.voucher).exists()


# Scan ------------------------------------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_scan_upload_and_scoped_download(client_for, commune_secretary, viewer, outsider, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(commune_secretary)
    upload = SimpleUploadedFile("QĐ 200.pdf", PDF_BYTES, content_type="application/octet-stream")
    client.post(reverse("awards:decision_create"), {**decision_post(tree.commune), "scan": upload})
    decision = Decision.objects.get()
    assert decision.scan_content_type == "application/pdf" and decision.scan_name == "QĐ 200.pdf"
    assert decision.scan.name.endswith(".pdf") and "QĐ" not in decision.scan.name

    url = reverse("awards:decision_scan", args=[decision.pk])
    response = client_for(viewer).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert client_for(outsider).get(url).status_code == 404
    decision.scan.delete(save=False)


def test_scan_that_is_not_a_pdf_or_image_is_refused(client_for, commune_secretary, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(commune_secretary)
    upload = SimpleUploadedFile("quyet-dinh.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(reverse("awards:decision_create"), {**decision_post(tree.commune), "scan": upload})
    assert response.status_code == 200
    assert "không phải là tệp PDF hoặc ảnh" in response.content.decode()
    assert not Decision.objects.exists()


def test_broken_image_is_refused(client_for, commune_secretary, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(commune_secretary)
    upload = SimpleUploadedFile("anh.jpg", b"\xff\xd8\xff\xe0 broken", content_type="image/jpeg")
    response = client.post(reverse("awards:decision_create"), {**decision_post(tree.commune), "scan": upload})
    assert "bị hỏng" in response.content.decode()
    assert not Decision.objects.exists()


# The printed list ------------------------------------------------------------------------------------------


def _pdf_text(content: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "list.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_recipient_list_pdf_has_names_total_and_signature_column(client_for, officer, listed, tree, tmp_path):
    client = client_for(officer)
    response = client.get(reverse("awards:decision_pdf", args=[listed.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert_shipped_fonts(response.content)
    text = _pdf_text(response.content, tmp_path)
    assert "DANH SÁCH NHẬN THƯỞNG" in text
    assert "Nguyễn Văn Đức" in text and "Lê Thị Hoa" in text
    assert "Ký nhận" in text
    assert "1.500.000" in text and "Tổng cộng: 2 người nhận" in text
    assert "Một triệu năm trăm nghìn đồng" in text

    part = client.get(reverse("awards:decision_pdf", args=[listed.pk]), {"unit": tree.chapter.pk})
    text = _pdf_text(part.content, tmp_path)
    assert "Nguyễn Văn Đức" in text and "Lê Thị Hoa" not in text and "500.000" in text


# Scholarships ----------------------------------------------------------------------------------------------


def test_scholarship_screens(client_for, commune_secretary, viewer, tree, django_assert_max_num_queries):
    client = client_for(commune_secretary)
    response = client.post(
        reverse("awards:scholarship_create"),
        {"student_name": "Phạm Thị Mai", "programme": "Vì em hiếu học", "unit": tree.chapter.pk, "start_year": 2024},
    )
    scholarship = Scholarship.objects.get()
    assert response.status_code == 302
    decision = make_decision(tree.commune, number="5/QĐ-HB", date=D(2025, 9, 5), form=Decision.Form.SCHOLARSHIP)
    url = reverse("awards:scholarship_award", args=[scholarship.pk])
    response = client.post(url, {"decision": decision.pk, "amount": "1.200.000", "grade": "8A"})
    assert response.status_code == 302
    award = scholarship.awards.get()
    assert (award.stage, award.amount, award.grade) == (Recipient.Stage.RENEWAL, 1_200_000, "8A")
    # The same award twice is refused with a message.
    response = client.post(url, {"decision": decision.pk, "amount": "1.200.000"})
    assert response.status_code == 400 and "đã có trong" in response.content.decode()

    response = client.post(reverse("awards:scholarship_stop", args=[scholarship.pk]), {"year": 2026, "reason": ""})
    assert response.status_code == 400
    scholarship.refresh_from_db()
    assert scholarship.status == Scholarship.Status.ACTIVE
    client.post(reverse("awards:scholarship_stop", args=[scholarship.pk]), {"year": 2026, "reason": "Chuyển trường"})
    scholarship.refresh_from_db()
    assert scholarship.status == Scholarship.Status.STOPPED

    reader = client_for(viewer)
    with django_assert_max_num_queries(8):
        page = reader.get(reverse("awards:scholarship_list"), {"q": "pham thi mai"}).content.decode()
    assert "Phạm Thị Mai" in page
    page = reader.get(reverse("awards:scholarship_detail", args=[scholarship.pk])).content.decode()
    assert "5/QĐ-HB" in page and "Cấp tiếp" in page and "Chuyển trường" in page
    assert reader.post(url, {"decision": decision.pk, "amount": "1"}).status_code == 403


# Figures ---------------------------------------------------------------------------------------------------


def test_officer_reads_the_sentence_for_a_unit_and_period(
    client_for, officer, tree, listed, django_assert_max_num_queries
):
    client = client_for(officer)
    # 16: the roll-up asks once which communes' stored totals still match their tree (issue 19), whatever the size
    with django_assert_max_num_queries(16):
        response = client.get(reverse("awards:award_summary"), {"unit": tree.commune.pk, "year": 2025})
    page = response.content.decode()
    assert response.status_code == 200
    assert "khen thưởng 1 nhà giáo và 1 lượt học sinh với tổng số tiền 1.500.000 đồng" in page
    assert tree.chapter.name in page and tree.other_chapter.name in page  # per chapter
    response = client.get(reverse("awards:award_summary"), {"unit": tree.commune.pk, "year": 2025, "period": "H1"})
    assert "chưa có quyết định khen thưởng nào" in response.content.decode()


def test_figures_of_a_unit_out_of_scope_are_not_shown(client_for, outsider, tree, listed):
    response = client_for(outsider).get(reverse("awards:award_summary"), {"unit": tree.commune.pk, "year": 2025})
    page = response.content.decode()
    assert "1.500.000" not in page  # the unit is not a choice: the outsider's own commune is shown instead
    assert tree.other_commune.display_name in page
