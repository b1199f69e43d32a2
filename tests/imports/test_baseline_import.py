"""The baseline kind through the whole pipeline: preview, all or nothing, idempotence, scope, closed years."""

import pytest

from chapters.models import BaselineFigure, Summary
from chapters.services.periods import period_close
from core.imports import jobs
from core.models import ImportJob
from tests.imports.conftest import xlsx_bytes

HEADER = ["Mã đơn vị", "Năm", "Dân số", "Số hộ gia đình", "Số đảng viên"]


def test_a_valid_sheet_previews_then_commits_with_history_and_summaries(tree, commune_secretary, upload):
    job = upload(
        "baseline",
        [HEADER, ["10001-01", 2024, "1.234", "1,200", "35"], ["10001-02", 2024, "2 500 người", 600, None]],
        user=commune_secretary,
        unit=tree.commune,
    )
    assert job.status == ImportJob.Status.INVALID  # "2 500 người" is not a number
    assert job.errors == [[3, "Dân số", "«2 500 người» không phải là số."]]
    assert BaselineFigure.objects.count() == 0

    job = upload(
        "baseline",
        [HEADER, ["10001-01", 2024, "1.234", "1,200", "35"], ["10001-02", 2024, "2 500", 600, None]],
        user=commune_secretary,
        unit=tree.commune,
        name="dung.xlsx",
    )
    assert job.status == ImportJob.Status.VALID
    assert job.counts == {"total": 2, "new": 2, "changed": 0, "unchanged": 0, "errors": 0}
    assert BaselineFigure.objects.count() == 0  # the preview writes nothing

    jobs.job_commit(job, user=commune_secretary)
    assert job.status == ImportJob.Status.DONE, job.message
    figure = BaselineFigure.objects.get(unit=tree.chapter, year=2024)
    assert (figure.population, figure.households, figure.party_members, figure.version) == (1234, 1200, 35, 1)
    record = figure.history.get()
    assert record.history_user == commune_secretary
    assert record.history_change_reason == f"Nhập từ tệp dung.xlsx (lần nhập #{job.pk})"
    assert Summary.objects.get(unit=tree.chapter, year=2024, figure="baseline.population").value == 1234


def test_one_bad_row_saves_nothing(tree, commune_secretary, upload):
    rows = [HEADER] + [[code, 2024, 100, 20, 1] for code in ("10001-01", "10001-02")] + [["10001-01", 2023, 5, "x", 1]]
    job = upload("baseline", rows, user=commune_secretary, unit=tree.commune)
    assert job.status == ImportJob.Status.INVALID
    assert job.counts["errors"] == 1 and job.counts["new"] == 2
    with pytest.raises(Exception, match="không có lỗi"):
        jobs.job_commit(job, user=commune_secretary)
    assert BaselineFigure.objects.count() == 0


def test_reimporting_the_same_data_changes_nothing(tree, commune_secretary, upload):
    rows = [HEADER, ["10001-01", 2024, "1.234", 300, 35]]
    data = xlsx_bytes(rows)  # built once: a workbook's bytes carry the time it was written
    first = jobs.job_commit(upload("baseline", data, user=commune_secretary, unit=tree.commune), user=commune_secretary)
    assert first.status == ImportJob.Status.DONE
    figure = BaselineFigure.objects.get()
    # The very same file: refused up front, nothing changes.
    with pytest.raises(jobs.AlreadyImported, match=f"lần nhập #{first.pk}"):
        upload("baseline", data, user=commune_secretary, unit=tree.commune)
    # The same data in another file (an extra empty column): every row unchanged, no new history.
    again = upload("baseline", [[*HEADER, "Ghi chú khác"], [*rows[1], ""]], user=commune_secretary, unit=tree.commune)
    assert again.counts == {"total": 1, "new": 0, "changed": 0, "unchanged": 1, "errors": 0}
    jobs.job_commit(again, user=commune_secretary)
    figure.refresh_from_db()
    assert figure.version == 1 and figure.history.count() == 1


def test_a_changed_figure_is_an_update_with_its_old_value_in_the_preview(tree, commune_secretary, upload):
    jobs.job_commit(
        upload("baseline", [HEADER, ["10001-01", 2024, 1000, 300, 35]], user=commune_secretary, unit=tree.commune),
        user=commune_secretary,
    )
    job = upload(
        "baseline",
        [HEADER, ["10001-01", 2024, 1100, 300, 35]],
        user=commune_secretary,
        unit=tree.commune,
        name="b.xlsx",
    )
    assert job.counts["changed"] == 1
    assert job.preview["changes"] == [{"row": 2, "changes": [{"column": "Dân số", "old": "1000", "new": "1100"}]}]
    jobs.job_commit(job, user=commune_secretary)
    figure = BaselineFigure.objects.get()
    assert (figure.population, figure.version, figure.history.count()) == (1100, 2, 2)


def test_units_out_of_scope_or_unknown_are_errors_on_their_row(tree, secretary, upload):
    job = upload(
        "baseline",
        [HEADER, ["10001-01", 2024, 1, 1, 1], ["10001-02", 2024, 1, 1, 1], ["KHONG-CO", 2024, 1, 1, 1]],
        user=secretary,  # secretary of chapter 10001-01 only
        unit=tree.chapter,
    )
    assert job.errors == [
        [3, "Mã đơn vị", "Mã đơn vị 10001-02 không tồn tại hoặc nằm ngoài phạm vi của bạn."],
        [4, "Mã đơn vị", "Mã đơn vị KHONG-CO không tồn tại hoặc nằm ngoài phạm vi của bạn."],
    ]


def test_a_row_in_a_closed_year_is_refused_with_who_closed_it(tree, officer, commune_secretary, upload):
    period_close(unit=tree.chapter, year=2023, actor=officer)
    job = upload(
        "baseline", [HEADER, ["10001-01", 2023, 1, 1, 1], ["10001-01", 2024, 1, 1, 1]], user=commune_secretary,
        unit=tree.commune,
    )  # fmt: skip
    assert job.status == ImportJob.Status.INVALID
    [[row, column, message]] = job.errors
    assert (row, column) == (2, "Năm")
    assert "Năm 2023" in message and "đã khóa sổ" in message and "Minh" in message
    assert BaselineFigure.objects.count() == 0


def test_a_year_closed_between_preview_and_commit_saves_nothing(tree, officer, commune_secretary, upload):
    job = upload("baseline", [HEADER, ["10001-01", 2023, 1, 1, 1]], user=commune_secretary, unit=tree.commune)
    assert job.status == ImportJob.Status.VALID
    period_close(unit=tree.chapter, year=2023, actor=officer)
    same_process = jobs.job_commit(job, user=commune_secretary)  # reuses the preview: the guard refuses at write
    assert same_process.status == ImportJob.Status.INVALID and "đã khóa sổ" in same_process.message
    assert BaselineFigure.objects.count() == 0


def test_a_commit_in_a_later_request_validates_the_file_again(tree, officer, commune_secretary, upload):
    job = upload("baseline", [HEADER, ["10001-01", 2023, 1, 1, 1]], user=commune_secretary, unit=tree.commune)
    period_close(unit=tree.chapter, year=2023, actor=officer)
    job = jobs.job_commit(ImportJob.objects.get(pk=job.pk), user=commune_secretary)
    assert job.status == ImportJob.Status.INVALID
    assert job.errors[0][:2] == [2, "Năm"] and "đã khóa sổ" in job.errors[0][2]
    assert BaselineFigure.objects.count() == 0


def test_duplicate_rows_in_the_file_are_errors(tree, commune_secretary, upload):
    job = upload(
        "baseline", [HEADER, ["10001-01", 2024, 1, 1, 1], ["10001-01", 2024, 2, 2, 2]], user=commune_secretary,
        unit=tree.commune,
    )  # fmt: skip
    assert job.errors == [[3, "Năm", "Trùng với dòng 2 của tệp: mỗi bản ghi chỉ được ghi một lần."]]


def test_model_validation_runs_on_every_row(tree, commune_secretary, upload):
    job = upload("baseline", [HEADER, ["10001-01", 1985, -5, 1, 1]], user=commune_secretary, unit=tree.commune)
    messages = {(column, message) for _row, column, message in job.errors}
    assert ("Năm", "Năm phải từ 1990 trở đi.") in messages
    assert any(column == "Dân số" for column, _message in messages)


def test_a_missing_required_column_is_reported_for_the_file(tree, commune_secretary, upload):
    job = upload("baseline", [["Mã đơn vị", "Dân số"], ["10001-01", 5]], user=commune_secretary, unit=tree.commune)
    assert job.status == ImportJob.Status.INVALID
    assert "Không tìm thấy cột bắt buộc «Năm»" in job.message or "«Năm»" in job.errors[0][2]


def test_legacy_encoded_cells_are_converted_and_shown(tree, commune_secretary, upload):
    job = upload(
        "baseline",
        [["M· ®¬n vÞ", "N¨m", "D©n sè", "Ghi chó"], ["10001-01", 2024, 10, "Sè liÖu n¨m 2024 cña tæ d©n phè"]],
        user=commune_secretary,
        unit=tree.commune,
    )
    assert job.status == ImportJob.Status.VALID, job.errors
    assert job.preview["conversion_count"] == 1
    assert job.preview["conversions"][0]["after"] == "Số liệu năm 2024 của tổ dân phố"
    jobs.job_commit(job, user=commune_secretary)
    assert BaselineFigure.objects.get().notes == "Số liệu năm 2024 của tổ dân phố"


def test_a_cell_repeated_on_many_rows_is_converted_and_checked_on_each_of_them(tree, commune_secretary, upload):
    # The pipeline cleans and parses each distinct cell once: every row still gets its conversion and its error.
    notes = "Sè liÖu cña tæ d©n phè"
    job = upload(
        "baseline",
        [["M· ®¬n vÞ", "N¨m", "D©n sè", "Ghi chó"], ["10001-01", 2023, "nhiều", notes],
         ["10001-01", 2024, "nhiều", notes], ["10001-01", 2025, 30, notes]],
        user=commune_secretary,
        unit=tree.commune,
    )  # fmt: skip
    assert job.preview["conversion_count"] == 3
    assert [conversion["row"] for conversion in job.preview["conversions"]] == [2, 3, 4]
    assert [(row, column) for row, column, _message in job.errors] == [(2, "Dân số"), (3, "Dân số")]
