"""Issue 19: how the pipeline runs a whole file. It is validated and written with Python's cyclic garbage
collector paused (every automatic collection walked the millions of objects a large file holds to find almost
nothing), and the collector runs again afterwards, also when the file or its commit is refused. Its rows are
judged against one day, looked up once (`core.years.one_day`)."""

import gc

import pytest

from chapters.imports.kinds import ImportContext
from core.imports import pipeline
from core.spreadsheets.reading import FileRejected, read_file
from members.imports import member_kind
from members.models import Member

HEADER = "Họ và tên,Giới tính,Năm sinh,Mã chi hội,Ngày vào hội\n"


@pytest.fixture
def seen(monkeypatch):
    """Whether the collector was on, each time the pipeline validated a row and wrote the file."""
    states = {"validate": [], "write": []}
    clean_row, write = pipeline.clean_row, type(member_kind).write

    def validating(instance, **kwargs):
        states["validate"].append(gc.isenabled())
        return clean_row(instance, **kwargs)

    def writing(self, ctx, created, updated):
        states["write"].append(gc.isenabled())
        return write(self, ctx, created, updated)

    monkeypatch.setattr(pipeline, "clean_row", validating)
    monkeypatch.setattr(type(member_kind), "write", writing)
    return states


def _file(tmp_path, body: str):
    path = tmp_path / "ds.csv"
    path.write_bytes((HEADER + body).encode())
    return read_file(path)


def test_a_file_is_validated_and_written_with_the_collector_paused_and_it_runs_again_after(
    tmp_path, tree, secretary, seen
):
    assert gc.isenabled()
    rows = "".join(f"Lê Văn Bình {n},Nam,1950,{tree.chapter.code},01/02/2020\n" for n in range(3))
    ctx = ImportContext(kind=member_kind, user=secretary, reason="thử")
    result = pipeline.validate(member_kind, ctx, _file(tmp_path, rows))
    assert result.ok and gc.isenabled()
    pipeline.commit(member_kind, ctx, result)
    assert gc.isenabled()
    assert seen == {"validate": [False, False, False], "write": [False]}
    assert Member.objects.count() == 3


def test_the_collector_runs_again_after_a_refused_file_and_a_refused_commit(tmp_path, tree, secretary, seen):
    ctx = ImportContext(kind=member_kind, user=secretary, reason="thử")
    with pytest.raises(FileRejected, match="tiêu đề"):
        pipeline.validate(member_kind, ctx, read_file(_write(tmp_path, "a,b\n1,2\n")))
    assert gc.isenabled()
    result = pipeline.validate(member_kind, ctx, _file(tmp_path, f",Nam,1950,{tree.chapter.code},01/02/2020\n"))
    assert not result.ok
    with pytest.raises(pipeline.CommitRefused):
        pipeline.commit(member_kind, ctx, result)
    assert gc.isenabled()


def test_a_caller_that_paused_the_collector_itself_keeps_it_paused(tmp_path, tree, secretary, seen):
    ctx = ImportContext(kind=member_kind, user=secretary, reason="thử")
    gc.disable()
    try:
        result = pipeline.validate(
            member_kind, ctx, _file(tmp_path, f"Lê Văn An,Nam,1950,{tree.chapter.code},01/02/2020\n")
        )
        assert result.ok and not gc.isenabled()
    finally:
        gc.enable()


def _write(tmp_path, text: str):
    path = tmp_path / "khac.csv"
    path.write_text(text)
    return path


def test_every_row_of_a_file_is_judged_against_the_day_the_check_started_looked_up_once(
    tmp_path, tree, secretary, monkeypatch
):
    """`core.years.one_day`: a file's rows are checked against one date (Member.clean's "not after today"), looked
    up once per file, not once per row (asgiref's time zone lookup was the largest cost of a member's clean())."""
    import datetime

    from django.utils import timezone

    from core import years

    calls = []
    localdate = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda *args: calls.append(1) or localdate(*args))
    ctx = ImportContext(kind=member_kind, user=secretary, reason="thử")
    counts = []
    for size in (3, 9):
        calls.clear()
        rows = "".join(f"Lê Văn Bình {n},Nam,1950,{tree.chapter.code},01/02/2020\n" for n in range(size))
        assert pipeline.validate(member_kind, ctx, _file(tmp_path, rows)).ok
        counts.append(len(calls))
    assert counts[0] == counts[1]  # before: one more look-up for each row

    # A birth date after the day the file is checked as of is refused, whatever the clock says meanwhile.
    the_day = datetime.date(2024, 5, 10)
    monkeypatch.setattr(timezone, "localdate", lambda *args: the_day)
    born = f"Lê Văn Cường,Nam,11/05/2024,{tree.chapter.code},01/02/2020\n"
    result = pipeline.validate(member_kind, ctx, _file(tmp_path, born))
    assert "Ngày sinh không được sau hôm nay." in [message for _n, _column, message in result.error_list(member_kind)]
    assert years.today() == the_day  # outside a file: the clock again


def test_a_file_leaves_no_reference_cycles_per_row_for_the_paused_collector(tmp_path, tree, secretary):
    """What pausing the collector relies on: validating and writing a file makes no reference cycles row by row
    (reference counting frees what a row leaves behind). Cycles a row made would stay in memory until the end of
    the file."""
    ctx = ImportContext(kind=member_kind, user=secretary, reason="thử")
    found = []
    for start, size in ((0, 10), (100, 40)):
        rows = "".join(f"Lê Văn Bình {n},Nam,1950,{tree.chapter.code},01/02/2020\n" for n in range(start, start + size))
        read = _file(tmp_path, rows)
        gc.collect()
        result = pipeline.validate(member_kind, ctx, read)
        pipeline.commit(member_kind, ctx, result)
        del result
        found.append(gc.collect())
    assert Member.objects.count() == 50
    assert found[1] - found[0] < 30, found  # 30 more rows, not 30 more cycles


def test_each_distinct_text_of_a_file_is_examined_for_a_legacy_encoding_once(tmp_path, tree, secretary, monkeypatch):
    """The file-wide legacy encoding and each cell's conversion read the same examination of a text: a name repeated
    on several rows, and every distinct name, is scanned once per legacy encoding, not again to be converted."""
    from core.spreadsheets import encodings, headers

    names = ["Phaïm Thò Höông", "Leâ Quyù Ñoân", "Phaïm Thò Höông"]  # VNI, as an old spreadsheet holds them
    scanned = []
    real, fix = encodings._scan, encodings.fix_legacy
    monkeypatch.setattr(encodings, "_scan", lambda text, *args: scanned.append(text) or real(text, *args))
    # The search for the header line reads the first rows' cells on its own (counted apart, not here).
    monkeypatch.setattr(headers, "fix_legacy", lambda text, *args: (text, None) if text in names else fix(text, *args))
    rows = "".join(f"{name},Nữ,{1950 + n},{tree.chapter.code},01/02/2020\n" for n, name in enumerate(names))
    ctx = ImportContext(kind=member_kind, user=secretary, reason="thử")
    result = pipeline.validate(member_kind, ctx, _file(tmp_path, rows))
    assert result.ok, result.error_list(member_kind)
    assert result.encoding == "VNI" and result.conversion_count == 3
    assert [row.values["full_name"] for row in result.rows] == ["Phạm Thị Hương", "Lê Quý Đôn", "Phạm Thị Hương"]
    legacy = [text for text in scanned if text in names]
    assert sorted(legacy) == sorted(["Phaïm Thò Höông", "Leâ Quyù Ñoân"] * len(encodings._ENCODINGS))
