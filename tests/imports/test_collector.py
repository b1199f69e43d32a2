"""Issue 19: a file is validated and written with Python's cyclic garbage collector paused (every automatic
collection walked the millions of objects a large file holds to find almost nothing), and the collector runs
again afterwards, also when the file or its commit is refused."""

import gc

import pytest

from chapters.imports.kinds import ImportContext
from core.imports import pipeline
from core.spreadsheets.reading import read_file
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
    with pytest.raises(Exception, match="tiêu đề"):
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
