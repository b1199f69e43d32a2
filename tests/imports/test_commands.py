"""import_data and export_data: Vietnamese messages, non-zero exit on bad input, never a traceback."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from chapters.models import BaselineFigure, Unit
from chapters.services.periods import period_close
from core.models import ImportJob
from tests.imports.conftest import xlsx_bytes

HEADER = ["Mã đơn vị", "Năm", "Dân số"]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_data_commits_with_full_scope_and_the_command_line_as_reason(tree, write_file, monkeypatch):
    path = write_file("so-lieu.xlsx", xlsx_bytes([HEADER, ["10001-01", 2024, "1.500"], ["10002-01", 2024, 800]]))
    monkeypatch.setattr("sys.argv", ["manage.py", "import_data", "baseline", str(path)])
    out, _err = run("import_data", "baseline", str(path))
    assert "Đã nhập xong: 2 dòng mới" in out
    figure = BaselineFigure.objects.get(unit=tree.chapter)
    record = figure.history.get()
    assert record.history_user is None
    assert record.history_change_reason.startswith("Nhập từ tệp so-lieu.xlsx (lần nhập #")
    assert "lệnh: import_data baseline" in record.history_change_reason
    # Again: the same file changes nothing and says so.
    out, _err = run("import_data", "baseline", str(path))
    assert "đã được nhập" in out and "không có gì thay đổi" in out
    assert BaselineFigure.objects.count() == 2


def test_import_data_dry_run_saves_nothing(tree, write_file):
    path = write_file("a.xlsx", xlsx_bytes([HEADER, ["10001-01", 2024, 5]]))
    out, _err = run("import_data", "baseline", str(path), "--dry-run")
    assert "1 mới" in out and "Chạy thử" in out
    assert BaselineFigure.objects.count() == 0
    assert ImportJob.objects.get().status == ImportJob.Status.CANCELLED


def test_import_data_with_errors_exits_non_zero_listing_rows_and_columns(tree, write_file, capsys):
    path = write_file("a.xlsx", xlsx_bytes([HEADER, ["10001-01", 2024, "1,5"], ["ZZZ", 2024, 1]]))
    with pytest.raises(CommandError, match="Tệp có 2 lỗi ở 2 dòng: chưa có gì được lưu"):
        run("import_data", "baseline", str(path))
    assert BaselineFigure.objects.count() == 0


def test_import_data_as_a_user_is_limited_to_their_scope(tree, secretary, write_file):
    path = write_file("a.xlsx", xlsx_bytes([HEADER, ["10001-01", 2024, 5], ["10001-02", 2024, 5]]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_data", "baseline", str(path), "--as", "thuky", stdout=io.StringIO(), stderr=err)
    assert "Dòng 3, cột «Mã đơn vị»: Mã đơn vị 10001-02 không tồn tại hoặc nằm ngoài phạm vi của bạn." in err.getvalue()
    assert BaselineFigure.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("chuong-trinh.xlsx", b"MZ\x90\x00" + b"\x00" * 100, "chương trình Windows"),
        ("trong.xlsx", xlsx_bytes([["Cột 1", "Cột 2"], [1, 2]]), "Không tìm thấy dòng tiêu đề"),
    ],
)
def test_import_data_refuses_bad_files_with_a_message(tree, write_file, name, data, message):
    with pytest.raises(CommandError, match=message):
        run("import_data", "baseline", str(write_file(name, data)))
    assert ImportJob.objects.count() == 0


def test_import_data_refuses_a_50_mb_file(tree, tmp_path):
    big = tmp_path / "lon.csv"
    with big.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)
    with pytest.raises(CommandError, match="Tệp quá lớn"):
        run("import_data", "baseline", str(big))


def test_import_data_refuses_a_closed_year(tree, officer, write_file):
    period_close(unit=tree.chapter, year=2023, actor=officer)
    path = write_file("a.xlsx", xlsx_bytes([HEADER, ["10001-01", 2023, 5]]))
    with pytest.raises(CommandError):
        run("import_data", "baseline", str(path))
    job = ImportJob.objects.get()
    assert "đã khóa sổ" in job.errors[0][2]
    assert BaselineFigure.objects.count() == 0


def test_import_data_unknown_kind_user_or_file(tree, tmp_path):
    with pytest.raises(CommandError, match="Loại dữ liệu «khac» không có"):
        run("import_data", "khac", "x.xlsx")
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        run("import_data", "units", str(tmp_path / "khong-co.xlsx"))
    (tmp_path / "a.xlsx").write_bytes(b"x")
    with pytest.raises(CommandError, match="Không có người dùng «ai»"):
        run("import_data", "units", str(tmp_path / "a.xlsx"), "--as", "ai")


def test_export_data_is_scoped_and_neutralises_formulas(tree, secretary, tmp_path):
    tree.chapter.name = "=1+1 Chi hội"
    tree.chapter.save()
    BaselineFigure.objects.create(unit=tree.chapter, year=2024, population=1234, notes="@SUM(A1)")
    BaselineFigure.objects.create(unit=tree.outside_chapter, year=2024, population=99)
    out_file = tmp_path / "xuat.xlsx"
    out, _err = run("export_data", "baseline", "--as", "thuky", "--out", str(out_file))
    assert "Đã xuất 1 dòng" in out
    sheet = load_workbook(out_file).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("Mã đơn vị", "Tên đơn vị", "Năm", "Dân số")
    assert rows[1][0] == "10001-01" and rows[1][2] == 2024 and rows[1][3] == 1234
    assert rows[1][1] == "'=1+1 Chi hội" and rows[1][-1] == "'@SUM(A1)"
    # Full scope without --as, one unit's subtree with --unit.
    run("export_data", "units", "--unit", "10002", "--out", str(out_file))
    codes = [row[0] for row in list(load_workbook(out_file).active.values)[1:]]
    assert codes == ["10002", "10002-01"]
    with pytest.raises(CommandError, match="Mã đơn vị 10002 không tồn tại hoặc nằm ngoài phạm vi"):
        run("export_data", "units", "--unit", "10002", "--as", "thuky", "--out", str(out_file))
    assert Unit.objects.count() == 6


def test_import_data_validates_the_file_once_and_the_docs_say_so(tree, write_file, monkeypatch):
    from django.conf import settings

    from core.imports import pipeline

    calls = []
    validate = pipeline.validate
    monkeypatch.setattr(pipeline, "validate", lambda *args, **kwargs: calls.append(1) or validate(*args, **kwargs))
    path = write_file("so-lieu.xlsx", xlsx_bytes([HEADER, ["10001-01", 2024, "1.500"]]))
    out, _err = run("import_data", "baseline", str(path))
    assert "Đã nhập xong: 1 dòng mới" in out
    assert len(calls) == 1  # the command keeps its validation for the commit
    docs = (settings.BASE_DIR / "docs" / "benchmarks.md").read_text()
    assert "`import_data` và màn hình nhập kiểm tra tệp hai lần" not in docs
