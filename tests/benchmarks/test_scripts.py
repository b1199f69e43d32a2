"""The benchmark scripts measure what they say, on the database they say, and never touch data they did not
create (issue 19, "Benchmarks anyone can rerun and trust"). Run at the persona tree's scale."""

import datetime
from pathlib import Path

import pytest
from django.db import connection

from benchmarks import common
from chapters.management.commands.generate_dataset import MARKER
from core.imports.kinds import Row, get_kind
from core.imports.pipeline import Result
from learning_models.models import TitleRecord, TitleType
from learning_models.services.records import registration_bulk_create
from members import services as members
from members.models import Household, Member

ROOT = Path(__file__).resolve().parents[2]


def test_members_import_counts_the_likely_duplicates_the_pipeline_found():
    from benchmarks.members_import import warning_count

    rows = [
        Row(number=2, values={}, cells={}, warnings=[("full_name", "Có thể trùng với Nguyễn Thị Lan (1960)")]),
        Row(number=3, values={}, cells={}),
        Row(number=4, values={}, cells={}, warnings=[("full_name", "a"), ("phone", "b")]),
    ]
    assert warning_count(Result(header=None, rows=rows), get_kind("members")) == 3


def test_members_list_searches_for_a_member_who_is_still_in_the_list(tree):
    from benchmarks.members_list import search_sample

    made = [
        members.member_create(
            unit=tree.chapter, full_name=name, gender="F", birth_year=1960, joined_on=datetime.date(2020, 1, 1)
        )
        for name in ("Nguyễn Thị Một", "Trần Thị Hai", "Lê Thị Ba")
    ]
    Member.objects.filter(pk__in=[made[0].pk, made[1].pk]).update(left_on=datetime.date(2024, 1, 1))
    assert search_sample(tree.province, 0) == made[2]  # the first member still active, not the first by id
    assert search_sample(tree.province, 5) == made[2]  # an index past the end wraps around


def test_dashboards_measure_the_province_the_dataset_was_generated_in(tree):
    tree.chapter.notes = MARKER
    tree.chapter.save(update_fields=["notes"])
    assert common.dataset_province() == tree.province  # code "T01", not a hard-coded "38"


def test_a_run_writes_its_results_file_naming_the_database_it_ran_on_and_leaves_the_docs(db, tmp_path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    docs = (ROOT / "docs" / "benchmarks.md").read_text()
    path = common.write_results("members_list", ["", "| a | b |"])
    text = path.read_text()
    assert path == tmp_path / "members_list.md"
    assert f"`{connection.settings_dict['NAME']}`" in text
    assert "kh_bench_members" not in text
    assert "| a | b |" in text and "tải trung bình" in text
    assert (ROOT / "docs" / "benchmarks.md").read_text() == docs


def test_no_script_writes_the_docs_or_names_a_fixed_province():
    for script in (
        "members_import",
        "households_import",
        "imports",
        "members_list",
        "dashboards",
        "titles_bench",
        "run",
        "screens",
    ):
        source = (ROOT / "benchmarks" / f"{script}.py").read_text()
        assert ".write_text" not in source, script
        assert 'code="38"' not in source, script


def test_titles_bench_refuses_a_database_the_dataset_did_not_fill(tree):
    from benchmarks import titles_bench

    with pytest.raises(SystemExit) as refused:
        titles_bench.guard()
    assert "generate_dataset" in str(refused.value)


@pytest.fixture
def dataset_chapter(tree):
    tree.chapter.notes = MARKER
    tree.chapter.save(update_fields=["notes"])
    Household.objects.create(unit=tree.chapter, head_name="Nguyễn Văn An", code="H01")
    return tree.chapter


def test_titles_bench_never_deletes_title_records_it_did_not_create(dataset_chapter, tmp_path):
    from benchmarks import titles_bench

    family = TitleType.objects.get(code="gdht")
    year = 2025
    theirs = registration_bulk_create(title_type=family, year=year, unit=dataset_chapter)
    assert theirs
    titles_bench.guard()  # the database has the dataset's marker
    with pytest.raises(SystemExit):
        titles_bench.bench_import(year, tmp_path)  # records of that year already exist: refuse, delete nothing
    assert TitleRecord.objects.filter(year=year).count() == len(theirs)
    assert TitleRecord.history.filter(year=year).count() == len(theirs)


def test_titles_bench_import_leaves_nothing_behind(dataset_chapter, tmp_path):
    from benchmarks import titles_bench

    before = TitleRecord.history.count()
    measured = titles_bench.bench_import(2026, tmp_path)
    assert measured["rows"] == 1 and measured["created"] == 1
    assert not TitleRecord.objects.filter(year=2026).exists()
    assert TitleRecord.history.count() == before


def test_households_bench_measures_both_paths_on_the_same_file_and_keeps_nothing(tree, secretary, tmp_path):
    from benchmarks import households_import, imports
    from members.imports import household_kind

    path = tmp_path / "ho.xlsx"
    households_import.write_sheet(path, 5, [tree.chapter.code])
    ours = imports.ours_once(household_kind, path, secretary)
    theirs = households_import.theirs_once(path)
    assert ours["new"] == 5 and ours["history"] == 5 and ours["total"] > 0 and ours["drain"] > 0
    assert ours["wal"] > 0  # the commit's write-ahead log, in bytes
    assert theirs["new"] == 5 and not theirs["errors"] and theirs["history"] == 5
    assert not Household.objects.exists()  # both rolled back


def test_screens_measures_the_journeys_on_the_province_dataset_with_its_own_accounts(tree):
    """benchmarks/screens.py --dataset province: the dataset's province and its busiest chapter, bench accounts it
    makes itself; it refuses another benchmark's database."""
    from benchmarks import screens
    from members.services import member_create

    for unit in (tree.chapter, tree.other_chapter):
        unit.notes = MARKER
        unit.save(update_fields=["notes"])
    member_create(unit=tree.other_chapter, full_name="Lê Thị Hoa", gender="F", birth_year=1960,
                  joined_on=datetime.date(2020, 1, 1))  # fmt: skip
    rows = screens.province_pages()
    who = {who for who, _what, _path in rows}
    assert who == {"bench_screens_ch", "bench_screens_tinh", "bench_screens_qt"}
    addresses = dict((what, path) for _who, what, path in rows)
    assert f"/{tree.province.pk}/" in addresses["Tổng hợp tỉnh (bảng + bản đồ)"]
    assert f"/{tree.other_chapter.pk}/" in addresses["Bảng chấm điểm gia đình"]
    with pytest.raises(SystemExit):  # the demo run rebuilds its database: never the shared province dataset
        screens.database("postgres://postgres@127.0.0.1:5432/kh_bench_members", "demo")
    assert screens.database("postgres://postgres@127.0.0.1:5432/kh_bench_members", "province") == "kh_bench_members"


def test_the_imports_benchmark_measures_every_registered_kind():
    from benchmarks.imports import BENCHES
    from core.imports.kinds import KINDS

    measured = {bench.kind or name for name, bench in BENCHES.items()}
    assert measured == set(KINDS)  # every kind, and only kinds (a second file of one kind names it)
    assert BENCHES["transactions-commune"].kind == "transactions"


def test_the_mixed_load_counts_the_cpu_of_each_process_alive_across_a_step():
    """CPU per request (issue 19): a process that started during the step counts whole, one that ended is left out
    (its last ticks cannot be read), and the machine's busy time is its own figure."""
    import os

    from benchmarks.dashboards import cpu_snapshot, cpu_used

    tick = os.sysconf("SC_CLK_TCK")
    before = {"processes": {"10": ("gunicorn", 100), "11": ("postgres", 50), "12": ("postgres", 70)}, "machine": 1000}
    after = {
        "processes": {"10": ("gunicorn", 100 + 3 * tick), "11": ("postgres", 50 + tick), "13": ("postgres", tick)},
        "machine": 1000 + 5 * tick,
    }
    assert cpu_used(before, after) == {"gunicorn": 3.0, "postgres": 2.0, "machine": 5.0}

    snapshot = cpu_snapshot()
    if snapshot is None:  # no /proc (not Linux)
        return
    later = cpu_snapshot()
    assert all(group in ("gunicorn", "postgres") for group, _ticks in later["processes"].values())
    assert later["machine"] >= snapshot["machine"]
    assert all(seconds >= 0 for seconds in cpu_used(snapshot, later).values())


def test_the_cpu_of_the_mix_is_told_by_kind_of_request_with_each_kinds_share_and_the_mean():
    from benchmarks.dashboards import cpu_mix_lines

    lines = cpu_mix_lines({"Trang chủ": [0.010, 0.012, 0.014], "Tổng hợp tỉnh": [0.040, 0.044]})
    assert lines[2] == "| Tổng hợp tỉnh | 2 | 42.0 | 42.0 | 70.0 % |"  # the costliest first
    assert lines[3] == "| Trang chủ | 3 | 12.0 | 12.0 | 30.0 % |"
    assert lines[-1] == "- **CPU trung bình của một yêu cầu: 24.0 ms** (5 yêu cầu)."


def test_the_cpu_mix_runs_every_request_of_the_mix_as_its_persona_and_times_each(tree, secretary, officer, monkeypatch):
    from benchmarks import dashboards
    from chapters.models import Role
    from tests.factories import RoleFactory

    monkeypatch.setattr(dashboards, "CPU_MIX_WARM", 0)
    province_officer = RoleFactory(unit=tree.province, kind=Role.Kind.OFFICER).user
    member = members.member_create(
        unit=tree.chapter, full_name="Nguyễn Thị Lan", gender="F", birth_year=1960, joined_on=datetime.date(2020, 1, 1)
    )
    before = Member.objects.count()
    samples = dashboards.cpu_mix(
        {"province": tree.province.pk, "communes": [tree.commune.pk]},
        {tree.chapter.pk: [member.pk]},
        {
            "province": [(province_officer, None)],
            "commune": [(officer, tree.commune.pk)],
            "secretary": [(secretary, tree.chapter.pk)],
        },
        60,
    )
    names = {name for name, _weight, _role, _action in dashboards.scenario({}, {})}
    assert set(samples) - {f"{name} (POST)" for name in names} <= names
    assert len(samples) >= 8  # a seeded draw of 60 reaches (nearly) every kind of request
    assert all(time > 0 for times in samples.values() for time in times)
    added = len(samples.get("Thư ký: thêm nhanh hội viên (mở form + lưu) (POST)", []))
    assert added and Member.objects.count() == before + added  # the secretaries' saves went through
