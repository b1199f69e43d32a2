"""Issue 15, item 6: erasure reaches the stored import files; import files are kept for a retention period."""

import datetime

from django.urls import reverse
from django.utils import timezone

from core.imports import jobs
from core.models import ImportJob
from members import services
from members.models import Erasure, Member

TODAY = datetime.date.today()


def _import(tmp_path, tree, user, name, rows, commit=True):
    path = tmp_path / name
    header = "Họ và tên,Giới tính,Năm sinh,Mã chi hội,Ngày vào hội\n"
    path.write_text(header + "".join(f"{row},Nam,1950,{tree.chapter.code},01/02/2020\n" for row in rows), "utf-8")
    job, read = jobs.job_create(kind="members", path=path, file_name=path.name, unit=tree.chapter, user=user)
    job = jobs.job_validate(job, read)
    if commit:
        job = jobs.job_commit(job, user=user)
    return job


def test_erasing_a_member_deletes_the_uploaded_files_that_hold_her_data(
    tmp_path, tree, secretary, administrator, client_for
):
    hers = _import(tmp_path, tree, secretary, "a.csv", ["Nguyễn Văn Đức", "Trần Văn Bình"])
    assert hers.status == ImportJob.Status.DONE
    mention = _import(tmp_path, tree, secretary, "b.csv", ["nguyễn văn đức", "Lê Văn Cường"], commit=False)
    other = _import(tmp_path, tree, secretary, "c.csv", ["Phạm Văn Hải"], commit=False)
    member = Member.objects.get(full_name="Nguyễn Văn Đức")
    assert client_for(administrator).get(reverse("imports:job_file", args=[hers.pk])).status_code == 200

    services.member_erase(member, actor=administrator, requested_by="Chính hội viên", request_date=TODAY)

    erasure = Erasure.objects.get(member=member)
    assert sorted(erasure.import_jobs) == sorted([hers.pk, mention.pk])
    for job in (hers, mention):
        job.refresh_from_db()
        assert not job.file and job.preview == {} and job.errors == [] and job.warnings == []
        assert client_for(administrator).get(reverse("imports:job_file", args=[job.pk])).status_code == 404
    other.refresh_from_db()
    assert other.file


def test_the_erasure_form_says_it_reaches_uploaded_files(client_for, administrator, tree, make_member):
    member = make_member(full_name="Nguyễn Văn Đức")
    page = client_for(administrator).get(reverse("members:member_erase", args=[member.pk])).content.decode()
    assert "tệp Excel đã tải lên" in page


def test_import_files_past_their_retention_are_deleted_by_the_periodic_sweep(tmp_path, tree, secretary, settings):
    from core.tasks import sweep_stuck_imports

    settings.IMPORT_FILE_RETENTION_DAYS = 90
    old = _import(tmp_path, tree, secretary, "cu.csv", ["Nguyễn Văn Đức"], commit=False)
    recent = _import(tmp_path, tree, secretary, "moi.csv", ["Trần Văn Bình"], commit=False)
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=91))
    ImportJob.objects.filter(pk=recent.pk).update(created_at=timezone.now() - datetime.timedelta(days=89))
    assert sweep_stuck_imports()["files"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.file and "90 ngày" in old.message
    assert recent.file
