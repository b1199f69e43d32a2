"""The `awards` import kind through the shared pipeline: decisions created with their rows, all or nothing,
idempotent re-import, scope, closed years and the bad input of issue 6."""

import datetime

import pytest

from awards.models import Decision, Recipient
from chapters.services.periods import period_close
from core.imports import jobs
from core.imports.kinds import get_kind
from core.models import ImportJob
from tests.awards.conftest import add_recipient, make_decision
from tests.imports.conftest import xlsx_bytes

D = datetime.date
HEADER = [
    "Mã hội", "Số quyết định", "Ngày quyết định", "Hình thức", "Họ và tên", "Đối tượng", "Trường", "Lớp",
    "Thành tích", "Mã chi hội", "Số tiền (đồng)",
]  # fmt: skip


def rows(*body):
    return [HEADER, *body]


def student(name, amount="500.000", code="10001-01", number="125/QĐ-HKH", day="20/12/2025", form="Thưởng tiền"):
    return ["10001", number, day, form, name, "Học sinh", "THCS Bạch Đằng", "8A", "Học sinh giỏi", code, amount]


@pytest.fixture
def upload(tmp_path):
    def run(data, *, user=None, unit=None, name="khen-thuong.xlsx"):
        path = tmp_path / name
        path.write_bytes(xlsx_bytes(data))
        job, read = jobs.job_create(kind="awards", path=path, file_name=name, unit=unit, user=user)
        return jobs.job_validate(job, read)

    return run


def test_kind_is_registered():
    assert get_kind("awards") is not None


def test_a_sheet_creates_the_decision_with_its_recipients(tree, commune_secretary, upload):
    job = upload(
        rows(
            student("Nguyễn Văn An"),
            student("Trần Thị Bình", amount="1,000,000"),
            [
                "10001",
                "125/QĐ-HKH",
                "20/12/2025",
                "Thưởng tiền",
                "Lê Thị Hoa",
                "giáo viên",
                "THCS Bạch Đằng",
                "Toán",
                "Dạy giỏi",
                "10001-02",
                1_000_000,
            ],
        ),  # fmt: skip
        user=commune_secretary,
        unit=tree.commune,
    )
    assert job.status == ImportJob.Status.VALID, job.errors
    assert not Decision.objects.exists()
    jobs.job_commit(job, user=commune_secretary)
    assert job.status == ImportJob.Status.DONE, job.message
    decision = Decision.objects.get()
    assert (decision.number, decision.date, decision.form, decision.unit) == (
        "125/QĐ-HKH",
        D(2025, 12, 20),
        Decision.Form.CASH,
        tree.commune,
    )
    assert decision.issuer_unit == tree.commune and decision.history.count() == 1
    saved = list(
        decision.recipients.order_by("position").values_list("name", "kind", "unit__code", "amount", "position")
    )
    assert saved == [
        ("Nguyễn Văn An", "student", "10001-01", 500_000, 1),
        ("Trần Thị Bình", "student", "10001-01", 1_000_000, 2),
        ("Lê Thị Hoa", "teacher", "10001-02", 1_000_000, 3),
    ]
    assert Recipient.objects.get(name="Lê Thị Hoa").history.get().history_user == commune_secretary
    from awards.queries import award_figures

    assert award_figures(tree.commune, 2025)["awards.amount.decided"] == 2_500_000

    # The same data again (another file name): nothing changes.
    again = upload(
        rows(student("Nguyễn Văn An"), student("Trần Thị Bình", amount="1.000.000")),
        user=commune_secretary,
        unit=tree.commune,
        name="lan-2.xlsx",
    )
    assert again.counts == {"total": 2, "new": 0, "changed": 0, "unchanged": 2, "errors": 0}


def test_rows_join_an_existing_decision_and_update_amounts(tree, commune_secretary, upload, decision):
    add_recipient(
        decision, name="Nguyễn Văn An", unit=tree.chapter, amount=300_000, school="THCS Bạch Đằng", grade="8A"
    )
    job = upload(rows(student("Nguyễn Văn An"), student("Phạm Minh Châu")), user=commune_secretary, unit=tree.commune)
    assert job.counts == {"total": 2, "new": 1, "changed": 1, "unchanged": 0, "errors": 0}
    jobs.job_commit(job, user=commune_secretary)
    assert Decision.objects.count() == 1
    assert decision.recipients.get(name="Nguyễn Văn An").amount == 500_000
    assert decision.recipients.get(name="Phạm Minh Châu").position == 2


def test_unknown_unit_and_bad_rows_save_nothing(tree, commune_secretary, upload):
    job = upload(
        rows(
            student("Nguyễn Văn An"),
            student("Trần Thị Bình", code="99999-01"),
            student("", amount="500.000"),
            student("Lê Văn Cường", amount="-200.000"),
            student("Đỗ Thị Dung", form="Giấy khen"),
            student("Vũ Văn Em", form="Giấy khen", number="7/QĐ-HKH"),
        ),
        user=commune_secretary,
        unit=tree.commune,
    )
    assert job.status == ImportJob.Status.INVALID
    errors = {(row, column): message for row, column, message in job.errors}
    assert errors[(3, "Mã chi hội")] == "Mã đơn vị 99999-01 không tồn tại hoặc nằm ngoài phạm vi của bạn."
    assert errors[(4, "Họ và tên")].startswith("Chưa ghi")
    assert "không được âm" in errors[(5, "Số tiền (đồng)")]
    assert "có hình thức «Thưởng tiền» (dòng 2)" in errors[(6, "Hình thức")]
    assert 7 not in {row for row, _c, _m in job.errors}  # a certificate with money is a decision "kèm tiền"
    with pytest.raises(Exception):  # noqa: B017 - the pipeline refuses an invalid job
        jobs.job_commit(job, user=commune_secretary)
    assert not Decision.objects.exists() and not Recipient.objects.exists()


def test_amount_on_an_existing_certificate_decision_is_refused(tree, commune_secretary, upload):
    make_decision(tree.commune, number="30/QĐ-HKH", form=Decision.Form.CERTIFICATE)
    job = upload(rows(student("Nguyễn Văn An", number="30/QĐ-HKH", form="Giấy khen")), user=commune_secretary)
    assert job.status == ImportJob.Status.INVALID
    assert "không được ghi số tiền" in job.errors[0][2]


def test_outsider_cannot_import_into_another_commune(tree, outsider, upload):
    job = upload(rows(student("Nguyễn Văn An")), user=outsider)
    assert job.status == ImportJob.Status.INVALID
    assert job.errors[0][2] == "Mã đơn vị 10001 không tồn tại hoặc nằm ngoài phạm vi của bạn."


def test_closed_year_is_refused(tree, commune_secretary, upload):
    period_close(unit=tree.commune, year=2025, actor=None)
    job = upload(rows(student("Nguyễn Văn An")), user=commune_secretary)
    assert job.status == ImportJob.Status.INVALID
    assert "đã khóa sổ" in job.errors[0][2]
    assert not Decision.objects.exists()


def test_export_then_import_changes_nothing(tree, commune_secretary, upload, decision, tmp_path):
    add_recipient(decision, name="Nguyễn Văn An", unit=tree.chapter, amount=300_000, school="THCS Bạch Đằng")
    add_recipient(decision, name="Chi hội tổ 1", kind=Recipient.Kind.COLLECTIVE, collective_unit=tree.chapter,
                  amount=1_000_000)  # fmt: skip
    kind = get_kind("awards")
    exported = [[column.header for column in kind.columns]]
    for values in kind.export_rows(kind.export_queryset(commune_secretary)):
        exported.append([v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else v for v in values])
    job = upload(exported, user=commune_secretary, name="xuat.xlsx")
    assert job.counts == {"total": 2, "new": 0, "changed": 0, "unchanged": 2, "errors": 0}, job.errors


def test_new_lists_add_to_the_summaries_what_a_rebuild_from_the_awards_gives(
    tree, commune_secretary, upload, decision, monkeypatch
):
    """A file of new recipients (some on a decision of the books, some on decisions it creates, in both halves of
    the year) writes what they add, without computing the awards figures again: the table is the rebuilt one."""
    from awards import providers
    from chapters.models import Summary
    from chapters.summaries import summaries_refresh

    add_recipient(decision, name="Nguyễn Văn An", unit=tree.chapter, amount=300_000)

    def table():
        return set(
            Summary.objects.filter(figure__startswith="awards.").values_list(
                "unit_id", "year", "period", "figure", "value"
            )
        )

    before = {(u, y, p, f): v for u, y, p, f, v in table()}
    job = upload(
        rows(
            student("Phạm Minh Châu"),  # joins the decision of the books
            student("Lê Văn Dũng", number="12/QĐ-HKH", day="15/03/2025", form="Học bổng", amount="2.000.000"),
            student("Hoàng Thị Én", number="12/QĐ-HKH", day="15/03/2025", form="Học bổng", amount="2.000.000"),
            student("Vũ Văn Phúc", code="10001-02", number="13/QĐ-HKH", day="01/04/2024", form="Giấy khen"),
        ),
        user=commune_secretary,
        unit=tree.commune,
    )
    assert job.counts["new"] == 4, job.errors

    def recomputed(unit_ids, years):
        raise AssertionError("the import computed the awards figures again")

    with monkeypatch.context() as during_commit:
        during_commit.setattr(providers.provider, "compute", recomputed)
        jobs.job_commit(job, user=commune_secretary)
    assert job.status == ImportJob.Status.DONE, job.message
    imported = table()
    summaries_refresh(unit_ids=None, providers=["awards"])
    assert imported == table()
    after = {(u, y, p, f): v for u, y, p, f, v in imported}
    commune, chapter = tree.commune.pk, tree.chapter.pk
    assert after[(commune, 2025, "Y", "awards.decisions")] == before[(commune, 2025, "Y", "awards.decisions")] + 1
    assert after[(commune, 2025, "H1", "awards.decisions")] == 1
    assert after[(chapter, 2025, "H1", "awards.amount.scholarships")] == 4_000_000
    assert after[(chapter, 2025, "Y", "awards.students")] == 4
    assert after[(tree.other_chapter.pk, 2024, "Y", "awards.students")] == 1
