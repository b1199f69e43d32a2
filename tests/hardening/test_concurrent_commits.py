"""Issue 15, item 2: the same file committed twice at the same moment saves every row once; natural keys that
must be unique are unique in the database."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from core.imports import jobs, pipeline
from core.models import ImportJob
from members.models import Household, Member

ROWS = [
    ["Họ và tên", "Giới tính", "Năm sinh", "Mã chi hội", "Ngày vào hội", "Số thẻ hội viên"],
    ["Nguyễn Văn An", "Nam", 1950, "{chapter}", "01/02/2020", "BD-100"],
    ["Trần Thị Bình", "Nữ", 1955, "{chapter}", "01/02/2020", ""],
]


def _file(tmp_path, tree, name="ds.csv"):
    path = tmp_path / name
    lines = [",".join(str(cell).format(chapter=tree.chapter.code) for cell in row) for row in ROWS]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _job(path, tree, secretary):
    job, read = jobs.job_create(kind="members", path=path, file_name=path.name, unit=tree.chapter, user=secretary)
    return jobs.job_validate(job, read)


def _at_once(monkeypatch, *calls):
    """Run the calls in threads that both pass the commit's recheck before either writes (when nothing makes
    them wait for each other): the race the issue found."""
    barrier = threading.Barrier(len(calls))
    recheck = pipeline._recheck

    def recheck_then_meet(*args, **kwargs):
        recheck(*args, **kwargs)
        try:
            barrier.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass  # the other commit waits for this one: nothing to meet

    monkeypatch.setattr(pipeline, "_recheck", recheck_then_meet)
    errors = []

    def run(call):
        try:
            call()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_the_same_file_as_two_jobs_committed_at_once_saves_each_member_once(tmp_path, tree, secretary, monkeypatch):
    first = _job(_file(tmp_path, tree, "a.csv"), tree, secretary)
    second = _job(_file(tmp_path, tree, "b.csv"), tree, secretary)
    assert first.status == second.status == ImportJob.Status.VALID
    _at_once(
        monkeypatch,
        lambda: jobs.job_commit(ImportJob.objects.get(pk=first.pk), user=secretary),
        lambda: jobs.job_commit(ImportJob.objects.get(pk=second.pk), user=secretary),
    )
    assert sorted(Member.objects.values_list("full_name", flat=True)) == ["Nguyễn Văn An", "Trần Thị Bình"]
    statuses = sorted(ImportJob.objects.values_list("status", flat=True))
    assert statuses.count(ImportJob.Status.DONE) == 1
    refused = ImportJob.objects.exclude(status=ImportJob.Status.DONE).get()
    assert "Không có gì được lưu" in refused.message or "đã được nhập" in refused.message


@pytest.mark.django_db(transaction=True)
def test_one_job_committed_twice_at_once_saves_each_member_once(tmp_path, tree, secretary, monkeypatch):
    job = _job(_file(tmp_path, tree), tree, secretary)
    _at_once(
        monkeypatch,
        lambda: jobs.job_commit(ImportJob.objects.get(pk=job.pk), user=secretary),
        lambda: jobs.job_commit(ImportJob.objects.get(pk=job.pk), user=secretary),
    )
    assert Member.objects.count() == 2
    done = ImportJob.objects.get(pk=job.pk)
    assert done.status == ImportJob.Status.DONE, (done.message, done.errors)


@pytest.mark.django_db
def test_a_card_number_is_unique_in_a_province_by_constraint(tree, make_member):
    make_member(full_name="Nguyễn Văn An", card_number="BD-1")
    other = Member(unit=tree.outside_chapter, full_name="Lê Văn Cường", gender="M", joined_on="2020-01-01")
    other.card_number = "bd-1"
    other.prepare()
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.bulk_create([other])  # past every check in Python: the database refuses it


@pytest.mark.django_db
def test_a_household_code_is_unique_in_its_unit_by_constraint(tree):
    Household.objects.create(unit=tree.chapter, head_name="Nguyễn Văn An", code="H1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.bulk_create([Household(unit=tree.chapter, head_name="Lê Văn Cường", code="H1")])
    Household.objects.create(unit=tree.other_chapter, head_name="Lê Văn Cường", code="H1")  # another unit: fine
