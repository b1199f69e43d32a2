"""The units kind: parents in the file or the database, tree rules, names over time, lineage, re-import."""

import datetime

from chapters.models import Lineage, ParentLink, Summary, Unit, UnitName
from core.imports import jobs
from core.models import ImportJob
from core.spreadsheets.writing import export_xlsx
from tests.factories import ProvinceFactory, UnitFactory

D = datetime.date
HEADER = ["Mã đơn vị", "Tên đơn vị", "Loại", "Nơi tổ chức", "Mã đơn vị cấp trên", "Hoạt động từ"]


def test_new_units_are_created_parents_first_with_their_history(tree, commune_secretary, upload):
    job = upload(
        "units",
        [
            HEADER,
            ["10001-05-1", "Tổ hội số 1", "Tổ hội", "", "10001-05", "01/03/2021"],  # before its parent
            ["10001-05", "Chi hội thôn Tây", "Chi hội", "Thôn", "10001", "15/01/2020"],
        ],
        user=commune_secretary,
        unit=tree.commune,
    )
    assert job.status == ImportJob.Status.VALID, job.errors
    assert job.counts["new"] == 2
    assert not Unit.objects.filter(code="10001-05").exists()
    jobs.job_commit(job, user=commune_secretary)
    assert job.status == ImportJob.Status.DONE, job.message
    chapter = Unit.objects.get(code="10001-05")
    cell = Unit.objects.get(code="10001-05-1")
    assert (chapter.parent, chapter.host, chapter.level, chapter.active_from) == (
        tree.commune,
        Unit.Host.RESIDENTIAL,
        Unit.Level.GRASSROOTS,
        D(2020, 1, 15),
    )
    assert cell.parent == chapter and cell.kind == Unit.Kind.CELL
    assert cell.path == f"{chapter.path}{cell.pk}/" and cell.depth == chapter.depth + 1
    assert set(Unit.objects.subtree(tree.commune).values_list("code", flat=True)) >= {"10001-05", "10001-05-1"}
    assert ParentLink.objects.get(unit=cell).parent == chapter
    assert UnitName.objects.get(unit=chapter).valid_from == D(2020, 1, 15)
    assert chapter.search_key == "chi hoi thon tay" and chapter.sort_key
    record = chapter.history.get()
    assert record.history_user == commune_secretary and record.history_change_reason.startswith("Nhập từ tệp")
    assert Summary.objects.filter(unit=chapter, figure="units.chapter.residential", year=2024).exists()


def test_an_existing_code_is_updated_and_a_new_name_is_kept_from_today(tree, commune_secretary, upload):
    job = upload(
        "units",
        [["Mã đơn vị", "Tên đơn vị", "Địa chỉ"], ["10001-01", "Chi hội tổ dân phố số 1 mới", "Số 5 phố Huế"]],
        user=commune_secretary,
        unit=tree.commune,
    )
    assert job.counts == {"total": 1, "new": 0, "changed": 1, "unchanged": 0, "errors": 0}
    jobs.job_commit(job, user=commune_secretary)
    tree.chapter.refresh_from_db()
    assert (tree.chapter.name, tree.chapter.address, tree.chapter.version) == (
        "Chi hội tổ dân phố số 1 mới",
        "Số 5 phố Huế",
        2,
    )
    names = list(UnitName.objects.filter(unit=tree.chapter).order_by("valid_from").values_list("name", "valid_until"))
    assert names[0][0] == "Chi hội tổ dân phố số 1" and names[0][1] is not None
    assert names[-1] == ("Chi hội tổ dân phố số 1 mới", None)


def test_moving_a_unit_uses_the_tree_service(tree, commune_secretary, upload):
    job = upload(
        "units", [["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên"], ["10001-01", tree.chapter.name, "10001-02"]],
        user=commune_secretary, unit=tree.commune,
    )  # fmt: skip
    # a chapter cannot hold a chapter: Unit.clean() runs on every row
    assert job.errors == [[2, "Mã đơn vị cấp trên", "Dưới Chi hội Trường Tiểu học Bạch Đằng chỉ có thể đặt tổ hội."]]


def test_parent_cycles_out_of_scope_parents_and_other_provinces_are_errors(tree, commune_secretary, upload):
    other_province = ProvinceFactory(code="T02", name="Tỉnh Khác")
    UnitFactory(parent=other_province, code="X-01", name="Chi hội ngoài tỉnh")
    job = upload(
        "units",
        [
            HEADER,
            ["A1", "Chi hội A", "Chi hội", "Thôn", "A2", ""],
            ["A2", "Chi hội B", "Chi hội", "Thôn", "A1", ""],
            ["A3", "Chi hội C", "Chi hội", "Thôn", "10002", ""],
            ["A4", "Chi hội D", "Chi hội", "Thôn", "10001", "31/02/2024"],
        ],
        user=commune_secretary,
        unit=tree.commune,
    )
    errors = {(row, column): message for row, column, message in job.errors}
    assert "Vòng lặp đơn vị cấp trên" in errors[(2, "Mã đơn vị cấp trên")]
    assert "Vòng lặp đơn vị cấp trên" in errors[(3, "Mã đơn vị cấp trên")]
    assert errors[(4, "Mã đơn vị cấp trên")] == "Mã đơn vị 10002 không tồn tại hoặc nằm ngoài phạm vi của bạn."
    assert errors[(5, "Hoạt động từ")] == "Ngày 31/02/2024 không tồn tại."
    assert not Unit.objects.filter(code__startswith="A").exists()


def test_a_parent_in_another_province_is_an_error(tree, upload, django_user_model):
    other_province = ProvinceFactory(code="T02", name="Tỉnh Khác")
    UnitFactory(parent=other_province, code="X-01", name="Chi hội ngoài tỉnh")
    admin = django_user_model.objects.create_superuser("root", password="x")
    job = upload(
        "units",
        [["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên"], ["10001-01", tree.chapter.name, "X-01"]],
        user=admin,
    )
    assert any("không thể chuyển đơn vị sang tỉnh khác" in m or "thuộc Tỉnh Khác" in m for _r, _c, m in job.errors)


def test_lineage_names_the_merged_predecessors(tree, commune_secretary, upload):
    old = UnitFactory(parent=tree.commune, code="10001-09", name="Chi hội tổ 9 cũ", active_until=D(2025, 6, 30))
    job = upload(
        "units",
        [
            [*HEADER, "Sáp nhập từ (mã)"],
            ["10001-10", "Chi hội tổ dân phố số 10", "Chi hội", "Tổ dân phố", "10001", "01/07/2025", "10001-09"],
            ["10001-11", "Chi hội tổ 11", "Chi hội", "Tổ dân phố", "10001", "01/07/2025", "10001-01"],
        ],
        user=commune_secretary,
        unit=tree.commune,
    )
    assert job.errors == [
        [
            3,
            "Sáp nhập từ (mã)",
            "Đơn vị 10001-01 vẫn hoạt động vào ngày 01/07/2025: hãy ghi ngày ngừng hoạt động của đơn vị cũ (cột «Hoạt "
            "động đến») trước ngày đơn vị này bắt đầu hoạt động.",
        ]
    ]
    job = upload(
        "units",
        [
            [*HEADER, "Sáp nhập từ (mã)"],
            ["10001-10", "Chi hội tổ dân phố số 10", "Chi hội", "Tổ dân phố", "10001", "01/07/2025", "10001-09"],
        ],
        user=commune_secretary,
        unit=tree.commune,
        name="dung.xlsx",
    )
    jobs.job_commit(job, user=commune_secretary)
    assert job.status == ImportJob.Status.DONE, job.message
    link = Lineage.objects.get(predecessor=old)
    assert (link.successor.code, link.kind, link.primary, link.on) == ("10001-10", "merge", True, D(2025, 7, 1))


def test_a_code_in_use_outside_the_users_scope_is_refused(tree, secretary, upload):
    job = upload(
        "units", [["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên"], ["10002-01", "Chi hội mới", "10001-01"]],
        user=secretary, unit=tree.chapter,
    )  # fmt: skip
    message = "Mã đơn vị 10002-01 đang được dùng cho một đơn vị khác trong cùng thời gian hoạt động: hãy chọn mã khác."
    assert job.errors == [[2, "Mã đơn vị", message]]


def test_an_export_imports_back_unchanged(tree, commune_secretary, upload):
    UnitFactory(parent=tree.commune, code="10001-03", name='=HYPERLINK("http://x")', host=Unit.Host.OTHER)
    stream, count = export_xlsx(jobs.get_kind("units"), commune_secretary, tree.commune)
    assert count == 4
    job = upload("units", stream.getvalue(), user=commune_secretary, unit=tree.commune, name="xuat.xlsx")
    assert job.counts == {"total": 4, "new": 0, "changed": 0, "unchanged": 4, "errors": 0}, job.errors


def test_a_new_parent_code_moves_the_unit_and_its_history(tree, upload, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    job = upload(
        "units",
        [["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên"], ["10001-01", tree.chapter.name, "10002"]],
        user=root,
        unit=tree.province,
    )
    assert job.preview["changes"] == [
        {"row": 2, "changes": [{"column": "Mã đơn vị cấp trên", "old": "10001", "new": "10002"}]}
    ]
    jobs.job_commit(job, user=root)
    assert job.status == ImportJob.Status.DONE, job.message
    tree.chapter.refresh_from_db()
    assert tree.chapter.parent == tree.other_commune
    assert tree.chapter.path == f"{tree.other_commune.path}{tree.chapter.pk}/"
    links = ParentLink.objects.filter(unit=tree.chapter).order_by("valid_from")
    assert [link.parent for link in links] == [tree.commune, tree.other_commune]
    assert links[0].valid_until is not None
    assert tree.chapter.history.first().history_user == root
