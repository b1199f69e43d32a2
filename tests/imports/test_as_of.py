"""Codes resolved on a date (issue 13 item 6, issue 14): the 2025 reform gave old commune codes to new communes,
so an undated row is read on the file's "as of" day (upload form, `import_data --on`) and says when its code
named another unit at another time."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from chapters.models import Role, Unit
from chapters.services import tree as tree_services
from core.imports.kinds import get_kind
from core.models import ImportJob
from members.models import Clan, Member
from tests.factories import CommuneFactory, RoleFactory, UserFactory

from .conftest import csv_bytes

D = datetime.date
LAST_DAY, REFORM_DAY = D(2025, 6, 30), D(2025, 7, 1)
CLANS = [["Mã đơn vị", "Tên dòng họ"], ["20001", "Dòng họ Nguyễn Đình"]]


@pytest.fixture
def reused(tree):
    """Code 20001: an old commune until 30/06/2025, a new commune (its successor) since 01/07/2025."""
    old = CommuneFactory(parent=tree.province, code="20001", name="Xã Cũ", division_type="xã", active_until=LAST_DAY)
    new = CommuneFactory(parent=tree.province, code="20001", name="Xã Mới", division_type="xã", active_from=REFORM_DAY)
    return old, new


@pytest.fixture
def province_secretary(tree):
    user = UserFactory(username="thuky_tinh")
    RoleFactory(user=user, unit=tree.province, kind=Role.Kind.SECRETARY)
    return user


def test_an_undated_row_without_a_file_date_lands_on_todays_unit_with_a_warning(reused, upload, province_secretary):
    old, new = reused
    job = upload("clans", CLANS, user=province_secretary)
    assert job.status == ImportJob.Status.VALID, job.errors
    (row, column, message), *_ = job.warnings
    assert (row, column) == (2, "Mã đơn vị")
    assert "Mã 20001 đã dùng cho nhiều đơn vị" in message and "Hội Khuyến học xã Mới (từ 01/07/2025)" in message
    assert "Hội Khuyến học xã Cũ (từ" in message and "đến 30/06/2025)" in message
    assert "được ghi cho Hội Khuyến học xã Mới" in message and "Số liệu tính đến ngày" in message


def test_an_undated_row_lands_on_the_unit_that_bore_the_code_on_the_file_date(
    reused, write_file, province_secretary, tree
):
    from core.imports import jobs

    old, new = reused
    path = write_file("dong-ho-2024.csv", csv_bytes(CLANS))
    job, read = jobs.job_create(
        kind="clans", path=path, file_name=path.name, user=province_secretary, as_of=D(2024, 12, 31)
    )
    jobs.job_validate(job, read)
    assert job.status == ImportJob.Status.VALID
    assert "ngày số liệu đã khai khi tải tệp" in job.warnings[0][2]
    jobs.job_commit(job, user=province_secretary)
    clan = Clan.objects.get()
    assert clan.unit == old


def test_the_upload_form_takes_a_date_or_a_year(client_for, province_secretary, tree, reused):
    client = client_for(province_secretary)
    page = client.get(reverse("imports:job_create")).content.decode()
    assert "Số liệu tính đến ngày" in page
    data = csv_bytes(CLANS)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("imports:job_create"),
        {"kind": "clans", "unit": tree.province.pk, "as_of": "31/02/2024", "file": SimpleUploadedFile("a.csv", data)},
    )
    assert response.status_code == 200 and ImportJob.objects.count() == 0
    assert "Ngày 31/02/2024 không tồn tại." in response.content.decode()
    response = client.post(
        reverse("imports:job_create"),
        {"kind": "clans", "unit": tree.province.pk, "as_of": "2024", "file": SimpleUploadedFile("a.csv", data)},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.as_of == D(2024, 12, 31)
    assert "31/12/2024" in client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()


def test_a_dated_row_is_read_on_its_own_date(reused, tree):
    """Rows that carry a date (a fund voucher, a year) keep choosing by it, whatever the file date."""
    old, new = reused
    ctx = get_kind("clans").context(as_of=D(2026, 1, 1))
    ctx.load_units(["20001"])
    assert ctx.unit_by_code("20001", start=D(2024, 3, 1)) == old
    assert ctx.unit_by_code("20001") == new
    ctx = get_kind("clans").context(as_of=D(2024, 12, 31))
    ctx.load_units(["20001"])
    assert ctx.unit_by_code("20001") == old


def test_a_renamed_units_former_code_resolves_on_its_dates(tree):
    tree_services.unit_update(tree.other_commune, code="10009", on=REFORM_DAY)
    ctx = get_kind("clans").context(as_of=D(2024, 12, 31))
    ctx.load_units(["10002", "10009"])
    assert ctx.unit_by_code("10002") == tree.other_commune
    assert not ctx.bore_code(tree.other_commune, "10002", D(2025, 8, 1), D(2025, 8, 1))


# The loaded country: 2024 members keyed by old commune codes -----------------------------------------------


@pytest.fixture
def hanoi_history(db):
    call_command("load_divisions", province="01", history=True, stdout=io.StringIO(), stderr=io.StringIO())


def members_file(write_file):
    rows = [
        ["Mã chi hội", "Họ và tên", "Giới tính", "Năm sinh", "Ngày vào hội"],
        ["00004-01", "Nguyễn Văn An", "Nam", 1958, "12/03/2015"],
        ["00169-01", "Trần Thị Bình", "Nữ", 1962, "05/09/2019"],
    ]
    return write_file("hoi-vien-2024.csv", csv_bytes(rows))


def chapter(code: str, parent: Unit, **fields) -> Unit:
    return tree_services.unit_create(
        kind=Unit.Kind.CHAPTER, level="grassroots", host=Unit.Host.RESIDENTIAL, code=code, parent=parent, **fields
    )


@pytest.fixture
def chapters_2024(hanoi_history):
    """Chapters numbered after their commune's code, as many associations do: Phường Trúc Bạch's chapter 00004-01
    was dissolved at the reform, and Phường Ba Đình (which took code 00004) numbered its own 00004-01."""
    truc_bach = Unit.objects.get(code="00004", active_until=LAST_DAY)
    ba_dinh = Unit.objects.get(code="00004", active_until__isnull=True)
    old = chapter("00004-01", truc_bach, name="Chi hội tổ dân phố số 1", active_from=D(2010, 1, 1),
                  active_until=LAST_DAY)  # fmt: skip
    new = chapter("00004-01", ba_dinh, name="Chi hội tổ dân phố Ba Đình 1", active_from=REFORM_DAY)
    quan_hoa = chapter("00169-01", Unit.objects.get(code="00169"), name="Chi hội Quan Hoa 1", active_from=D(2010, 1, 1))
    return old, new, quan_hoa


def test_2024_members_keyed_by_old_codes_land_on_the_units_of_2024(chapters_2024, write_file):
    old, new, quan_hoa = chapters_2024
    out = io.StringIO()
    call_command("import_data", "members", str(members_file(write_file)), "--on", "31/12/2024", stdout=out)
    assert dict(Member.objects.values_list("full_name", "unit")) == {
        "Nguyễn Văn An": old.pk,
        "Trần Thị Bình": quan_hoa.pk,  # moved to Phường Nghĩa Đô at the reform: one unit, one code
    }
    assert "Cần xem lại – dòng 2, cột «Mã chi hội»: Mã 00004-01 đã dùng cho nhiều đơn vị" in out.getvalue()


def test_without_a_date_a_reused_code_goes_to_todays_unit_and_says_so(chapters_2024, write_file):
    out = io.StringIO()
    call_command("import_data", "members", str(members_file(write_file)), "--dry-run", stdout=out)
    assert "Mã 00004-01 đã dùng cho nhiều đơn vị qua các thời kỳ" in out.getvalue()
    assert "Dòng này được ghi cho Chi hội tổ dân phố Ba Đình 1" in out.getvalue()
    assert Member.objects.count() == 0
    with pytest.raises(CommandError, match="--on"):
        call_command("import_data", "members", str(members_file(write_file)), "--on", "năm ngoái")


def test_2024_clans_keyed_by_old_commune_codes_land_on_the_old_communes(hanoi_history, write_file):
    rows = [["Mã xã", "Tên dòng họ"], ["00004", "Dòng họ Nguyễn Đình"], ["00169", "Dòng họ Đỗ"]]
    path = write_file("dong-ho-2024.csv", csv_bytes(rows))
    call_command("import_data", "clans", str(path), "--on", "2024", stdout=io.StringIO())
    assert dict(Clan.objects.values_list("name", "unit__name")) == {
        "Dòng họ Nguyễn Đình": "Phường Trúc Bạch",
        "Dòng họ Đỗ": "Phường Quan Hoa",
    }


def test_a_past_year_exported_edited_and_imported_back_stays_on_its_own_unit(reused, upload, province_secretary):
    """The new commune keeps figures of 2024 (before it opened, when its code was the old commune's): the export,
    edited in Excel and imported back, changes that row of the new commune; nothing goes to the old one."""
    from openpyxl import load_workbook

    from chapters.models import BaselineFigure
    from core.imports import jobs
    from core.spreadsheets.writing import export_xlsx

    old, new = reused
    BaselineFigure.objects.create(unit=new, year=2024, population=5000)
    BaselineFigure.objects.create(unit=old, year=2024, population=3000)
    stream, count = export_xlsx(get_kind("baseline"), province_secretary, None)
    sheet = load_workbook(stream).active
    rows = [list(row) for row in sheet.values]
    assert count == 2 and {(row[0], row[2]) for row in rows[1:]} == {("20001", 2024)}
    for row in rows[1:]:
        row[3] = row[3] + 1 if row[1] == new.name else row[3]
    job = upload("baseline", rows, user=province_secretary)
    assert job.status == ImportJob.Status.VALID, job.errors
    assert (job.counts["new"], job.counts["changed"], job.counts["unchanged"]) == (0, 1, 1)
    jobs.job_commit(job, user=province_secretary)
    figures = dict(BaselineFigure.objects.filter(year=2024).values_list("unit_id", "population"))
    assert figures == {new.pk: 5001, old.pk: 3000}
