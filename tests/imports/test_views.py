"""The import screens with every persona: anonymous, outsider (404), viewer (403 on writes), secretary."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from chapters.imports.forms import UploadForm
from chapters.models import BaselineFigure
from core.imports import jobs
from core.models import ImportJob
from tests.imports.conftest import xlsx_bytes

HEADER = ["Mã đơn vị", "Năm", "Dân số"]


def sheet(*rows, name="so-lieu.xlsx"):
    return SimpleUploadedFile(name, xlsx_bytes([HEADER, *rows]))


@pytest.fixture
def commune_job(tree, commune_secretary, upload):
    return upload("baseline", [HEADER, ["10001-01", 2024, 5]], user=commune_secretary, unit=tree.commune)


def test_anonymous_is_sent_to_login(client, commune_job):
    for url in [
        reverse("imports:job_list"),
        reverse("imports:job_create"),
        reverse("imports:job_detail", args=[commune_job.pk]),
        reverse("imports:job_file", args=[commune_job.pk]),
        reverse("imports:template_download", args=["units"]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"], url
    response = client.post(reverse("imports:job_commit", args=[commune_job.pk]))
    assert response.status_code == 302
    assert BaselineFigure.objects.count() == 0


def test_outsider_gets_404_on_someone_elses_job(client_for, outsider, commune_job):
    client = client_for(outsider)
    for name in ["job_detail", "job_progress", "job_file"]:
        assert client.get(reverse(f"imports:{name}", args=[commune_job.pk])).status_code == 404, name
    for name in ["job_commit", "job_cancel", "job_mapping"]:
        assert client.post(reverse(f"imports:{name}", args=[commune_job.pk])).status_code == 404, name
    assert commune_job.pk not in [job.pk for job in client.get(reverse("imports:job_list")).context["object_list"]]
    commune_job.refresh_from_db()
    assert commune_job.status == ImportJob.Status.VALID and BaselineFigure.objects.count() == 0


def test_viewer_reads_but_gets_403_on_upload_and_commit(client_for, viewer, tree, commune_job):
    client = client_for(viewer)
    assert client.get(reverse("imports:job_detail", args=[commune_job.pk])).status_code == 200
    assert client.get(reverse("imports:job_create")).status_code == 403
    response = client.post(
        reverse("imports:job_create"), {"kind": "baseline", "unit": tree.commune.pk, "file": sheet()}
    )
    assert response.status_code == 403
    assert client.post(reverse("imports:job_commit", args=[commune_job.pk])).status_code == 403
    assert client.post(reverse("imports:job_cancel", args=[commune_job.pk])).status_code == 403
    assert ImportJob.objects.count() == 1 and BaselineFigure.objects.count() == 0


def test_secretary_uploads_previews_and_commits(client_for, secretary, tree):
    client = client_for(secretary)
    page = client.get(reverse("imports:job_create"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["unit"].queryset) == [tree.chapter]
    response = client.post(
        reverse("imports:job_create"),
        {"kind": "baseline", "unit": tree.chapter.pk, "file": sheet(["10001-01", 2024, "1.234"])},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:job_detail", args=[job.pk])
    assert job.status == ImportJob.Status.VALID and job.created_by == secretary
    detail = client.get(reverse("imports:job_detail", args=[job.pk]))
    assert "Ghi vào hệ thống" in detail.content.decode() and detail.context["can_commit"]
    assert BaselineFigure.objects.count() == 0
    response = client.post(reverse("imports:job_commit", args=[job.pk]), follow=True)
    assert "Đã nhập xong: 1 dòng mới" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.committed_by == secretary
    assert BaselineFigure.objects.get().population == 1234
    # The stored file is served through the scoped view only.
    download = client.get(reverse("imports:job_file", args=[job.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"PK")


def test_errors_are_listed_with_row_column_and_message_and_paginated(client_for, commune_secretary, tree):
    client = client_for(commune_secretary)
    rows = [["10001-01", 2024, "x"] for _ in range(60)]
    client.post(reverse("imports:job_create"), {"kind": "baseline", "unit": tree.commune.pk, "file": sheet(*rows)})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID and len(job.errors) == 60
    page = client.get(reverse("imports:job_detail", args=[job.pk]))
    assert len(page.context["errors_page"]) == 50 and not page.context["can_commit"]
    assert "«x» không phải là số." in page.content.decode()
    assert len(client.get(reverse("imports:job_detail", args=[job.pk]) + "?page=2").context["errors_page"]) == 10


def test_a_renamed_program_is_refused_on_the_form_and_nothing_is_kept(client_for, commune_secretary, tree):
    client = client_for(commune_secretary)
    program = SimpleUploadedFile("danh-sach.xlsx", b"MZ\x90\x00" + b"\x00" * 300)
    response = client.post(reverse("imports:job_create"), {"kind": "units", "unit": tree.commune.pk, "file": program})
    assert response.status_code == 200
    assert "chương trình Windows" in response.context["form"].errors["file"][0]
    assert ImportJob.objects.count() == 0


def test_a_50_mb_upload_is_refused_from_its_size_before_it_is_read(commune_secretary, tree):
    class Huge(SimpleUploadedFile):
        def read(self, *args, **kwargs):
            raise AssertionError("the upload was read")

        def chunks(self, *args, **kwargs):
            raise AssertionError("the upload was read")

    huge = Huge("lon.xlsx", b"")
    huge.size = 50 * 1024 * 1024
    form = UploadForm({"kind": "units", "unit": tree.commune.pk}, {"file": huge}, user=commune_secretary)
    assert not form.is_valid()
    assert form.errors["file"][0].startswith("Tệp quá lớn (50 MB)")


def test_the_same_file_twice_is_refused_with_the_earlier_job(client_for, commune_secretary, tree):
    client = client_for(commune_secretary)
    data = {"kind": "baseline", "unit": tree.commune.pk}
    content = xlsx_bytes([HEADER, ["10001-01", 2024, 5]])  # built once: a workbook's bytes carry its time
    client.post(reverse("imports:job_create"), {**data, "file": SimpleUploadedFile("a.xlsx", content)})
    first = ImportJob.objects.get()
    client.post(reverse("imports:job_commit", args=[first.pk]))
    response = client.post(reverse("imports:job_create"), {**data, "file": SimpleUploadedFile("b.xlsx", content)})
    assert f"lần nhập #{first.pk}" in response.context["form"].errors["file"][0]
    assert ImportJob.objects.count() == 1 and BaselineFigure.objects.count() == 1


def test_unknown_columns_are_mapped_in_the_preview(client_for, commune_secretary, tree):
    client = client_for(commune_secretary)
    upload = SimpleUploadedFile(
        "a.xlsx", xlsx_bytes([["Mã đơn vị", "Năm", "Nhân khẩu thường trú"], ["10001-01", 2024, "2.000"]])
    )
    client.post(reverse("imports:job_create"), {"kind": "baseline", "unit": tree.commune.pk, "file": upload})
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:job_detail", args=[job.pk]))
    assert [column["header"] for column in page.context["unknown_columns"]] == ["Nhân khẩu thường trú"]
    response = client.post(
        reverse("imports:job_mapping", args=[job.pk]), {"col_0": "unit_code", "col_1": "year", "col_2": "population"}
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.mapping == {"0": "unit_code", "1": "year", "2": "population"}
    client.post(reverse("imports:job_commit", args=[job.pk]))
    assert BaselineFigure.objects.get().population == 2000


def test_cancel_keeps_nothing(client_for, commune_secretary, commune_job):
    client = client_for(commune_secretary)
    client.post(reverse("imports:job_cancel", args=[commune_job.pk]))
    commune_job.refresh_from_db()
    assert commune_job.status == ImportJob.Status.CANCELLED
    response = client.post(reverse("imports:job_commit", args=[commune_job.pk]), follow=True)
    assert "Chỉ nhập được tệp đã kiểm tra" in response.content.decode()
    assert BaselineFigure.objects.count() == 0


def test_big_files_run_in_celery_with_progress(
    client_for, commune_secretary, tree, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_SYNC_MAX_ROWS = 2
    client = client_for(commune_secretary)
    rows = [["10001-01", 2020 + i, 100 + i] for i in range(5)]
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("imports:job_create"), {"kind": "baseline", "unit": tree.commune.pk, "file": sheet(*rows)})
    job = ImportJob.objects.get()
    assert (job.status, job.progress, job.total_rows) == (ImportJob.Status.PENDING, 0, 5)
    running = client.get(reverse("imports:job_progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in running.content.decode() and "HX-Refresh" not in running
    assert "Tải lại trang" in client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    for callback in callbacks:
        callback()  # the task, run eagerly (CELERY_TASK_ALWAYS_EAGER)
    job.refresh_from_db()
    assert (job.status, job.progress, job.counts["new"]) == (ImportJob.Status.VALID, 100, 5)
    finished = client.get(reverse("imports:job_progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert finished["HX-Refresh"] == "true"

    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("imports:job_commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTING and BaselineFigure.objects.count() == 0
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert (job.status, job.progress, job.committed_by) == (ImportJob.Status.DONE, 100, commune_secretary)
    assert BaselineFigure.objects.count() == 5


def test_the_template_has_vietnamese_headers_and_a_guide_sheet(client_for, viewer):
    response = client_for(viewer).get(reverse("imports:template_download", args=["baseline"]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[1] == "Hướng dẫn"
    headers = [cell.value for cell in workbook.worksheets[0][1]]
    assert headers[:3] == ["Mã đơn vị", "Tên đơn vị", "Năm"]
    guide = [row[0] for row in workbook["Hướng dẫn"].values]
    assert "Số hộ gia đình" in guide
    assert client_for(viewer).get(reverse("imports:template_download", args=["khac"])).status_code == 404


def test_web_export_is_scoped_and_neutralises_formulas(client_for, secretary, outsider, tree):
    BaselineFigure.objects.create(unit=tree.chapter, year=2024, population=10, notes="=cmd|' /C calc'!A0")
    BaselineFigure.objects.create(unit=tree.other_chapter, year=2024, population=20)
    response = client_for(secretary).get(reverse("imports:export", args=["baseline"]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert [row[0] for row in rows[1:]] == ["10001-01"]
    assert rows[1][-1] == "'=cmd|' /C calc'!A0"
    url = reverse("imports:export", args=["baseline"]) + f"?unit={tree.commune.pk}"
    assert client_for(outsider).get(url).status_code == 404


def test_job_list_query_count_is_pinned(client_for, commune_secretary, tree, write_file, django_assert_max_num_queries):
    for index in range(30):
        path = write_file(f"f{index}.xlsx", xlsx_bytes([HEADER, ["10001-01", 2000 + index, index]]))
        jobs.job_create(kind="baseline", path=path, file_name=path.name, unit=tree.commune, user=commune_secretary)
    client = client_for(commune_secretary)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("imports:job_list"))
    assert len(response.context["object_list"]) == 25
