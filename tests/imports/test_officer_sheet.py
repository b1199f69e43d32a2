"""Done when: an officer loads a commune's chapters and five years of baseline figures from the sheet she
already has (Vietnamese headers in her own order, a title, numbered columns, a total row, dots in numbers, one
name typed in TCVN3), sees every problem before anything is saved, then saves it all."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chapters.models import BaselineFigure, Role, Unit
from chapters.summaries import rollup
from core.models import ImportJob
from tests.factories import RoleFactory
from tests.imports.conftest import xlsx_bytes

YEARS = [2020, 2021, 2022, 2023, 2024]
CHAPTERS = [
    # TT, Tên chi hội, Mã, Nơi sinh hoạt, Trực thuộc, Ngày thành lập, Địa chỉ
    [1, "Chi hội tổ dân phố số 2", "BD-02", "Tổ dân phố", "10001", "12/03/2008", "Tổ 2, phường Bạch Đằng"],
    [2, "Chi hội tổ dân phố số 3", "BD-03", "Tổ dân phố", "10001", "12/03/2008", "Tổ 3, phường Bạch Đằng"],
    [3, "Chi hội Trường THCS Bạch Đằng", "BD-04", "Trường học", "10001", "05/09/2010", ""],
    [4, "Chi hội dòng họ Nguyễn", "BD-05", "Dòng họ", "10001", "02/10/2015", ""],
    [5, "Ban khuyÕn häc C«ng ty May 10", "BD-06", "Doanh nghiệp", "10001", "20/11/2018", ""],  # TCVN3
    [6, "Tổ hội khu tập thể A", "BD-03-1", "", "BD-03", "01/01/2019", ""],  # under a chapter of the same sheet
]


def officer_workbook(*, bad: bool) -> bytes:
    chapters = [
        ["HỘI KHUYẾN HỌC PHƯỜNG BẠCH ĐẰNG"],
        ["DANH SÁCH CHI HỘI, BAN KHUYẾN HỌC (cập nhật tháng 12/2024)"],
        [],
        ["TT", "Tên chi hội", "Mã", "Nơi sinh hoạt", "Trực thuộc", "Ngày thành lập", "Địa chỉ"],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"],
        *CHAPTERS,
        ["Tổng cộng", "6 đơn vị", None, None, None, None, None],
    ]
    figures = [
        ["SỐ LIỆU NỀN 2020 – 2024"],
        ["STT", "Đơn vị", "Năm", "Dân số (người)", "Số hộ", "Đảng viên", "Số dòng họ", "Mã ĐV"],
    ]
    for index, year in enumerate(YEARS):
        growth = index * 100
        figures.append([len(figures) - 1, "Phường Bạch Đằng", year, f"{12_000 + growth:,}".replace(",", "."),
                        f"{3_000 + index * 20:,}".replace(",", "."), 400 + index, 12, "10001"])  # fmt: skip
        figures.append([len(figures) - 1, "Tổ dân phố số 2", year, "1.850", "460", 61, "", "BD-02"])
    if bad:
        figures.append([99, "Tổ dân phố số 3", 2024, "1.900,5", "31/02/2024", 12, "", "BD-03"])
        figures.append([100, "Thôn ngoài phường", 2024, "900", "200", 5, "", "10002-01"])
    return xlsx_bytes(chapters, sheets={"Số liệu nền": figures})


def test_an_officer_loads_her_communes_chapters_and_five_years_of_baseline_from_her_own_sheet(
    client_for, officer, tree
):
    RoleFactory(user=officer, unit=tree.commune, kind=Role.Kind.SECRETARY)  # the commune's officer also enters data
    client = client_for(officer)

    # 1. Chapters, from the first sheet of her workbook.
    upload = SimpleUploadedFile("hoi-bach-dang.xlsx", officer_workbook(bad=False))
    client.post(reverse("imports:job_create"), {"kind": "units", "unit": tree.commune.pk, "file": upload})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.VALID, job.errors
    assert (job.sheet_name, job.header_row) == ("Dữ liệu", 4)
    assert job.counts == {"total": 6, "new": 6, "changed": 0, "unchanged": 0, "errors": 0}
    assert job.preview["conversions"][0]["after"] == "Ban khuyến học Công ty May 10"
    client.post(reverse("imports:job_commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message
    units = {unit.code: unit for unit in Unit.objects.filter(code__startswith="BD-")}
    assert units["BD-04"].host == Unit.Host.SCHOOL and units["BD-05"].host == Unit.Host.CLAN
    assert units["BD-06"].kind == Unit.Kind.BOARD and units["BD-06"].name == "Ban khuyến học Công ty May 10"
    assert units["BD-03-1"].parent == units["BD-03"] and units["BD-03-1"].kind == Unit.Kind.CELL

    # 2. Five years of baseline figures from the second sheet of the same workbook: first with mistakes.
    upload = SimpleUploadedFile("hoi-bach-dang-co-loi.xlsx", officer_workbook(bad=True))
    client.post(reverse("imports:job_create"), {"kind": "baseline", "unit": tree.commune.pk, "file": upload})
    job = ImportJob.objects.latest("pk")
    assert job.sheet_name == "Số liệu nền"
    assert job.status == ImportJob.Status.INVALID
    assert job.errors == [
        [13, "Dân số (người)", "«1.900,5» phải là số nguyên (không có phần lẻ)."],
        [13, "Số hộ", "«31/02/2024» không phải là số."],
        [14, "Mã ĐV", "Mã đơn vị 10002-01 không tồn tại hoặc nằm ngoài phạm vi của bạn."],
    ]
    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert "Mã đơn vị 10002-01 không tồn tại hoặc nằm ngoài phạm vi của bạn." in page
    assert BaselineFigure.objects.count() == 0  # every problem shown, nothing saved

    # 3. The corrected sheet.
    upload = SimpleUploadedFile("hoi-bach-dang.xlsx", officer_workbook(bad=False))
    client.post(reverse("imports:job_create"), {"kind": "baseline", "unit": tree.commune.pk, "file": upload})
    job = ImportJob.objects.latest("pk")
    assert job.counts["new"] == 10, job.errors
    client.post(reverse("imports:job_commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert list(
        BaselineFigure.objects.filter(unit=tree.commune)
        .order_by("year")
        .values_list("year", "population", "households")
    ) == [(2020, 12000, 3000), (2021, 12100, 3020), (2022, 12200, 3040), (2023, 12300, 3060), (2024, 12400, 3080)]
    # The dashboards read the refreshed summaries.
    assert rollup(tree.commune, year=2024, figures=["baseline.population"]) == {"baseline.population": 12400}
