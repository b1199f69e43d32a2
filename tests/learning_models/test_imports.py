"""Import kinds `titles` and `classes`: registrations and scores from a commune's sheet, bad rows refused with
their row and column, all or nothing, re-import changes nothing."""

import datetime

from openpyxl import Workbook, load_workbook

from chapters.imports.kinds import ImportContext
from chapters.models import Summary
from chapters.services.periods import period_close
from core.imports import pipeline
from core.spreadsheets.reading import read_file
from core.spreadsheets.writing import export_xlsx
from learning_models.imports import classes_kind, titles_kind
from learning_models.models import LearningClass, TitleRecord
from learning_models.services.records import record_review, records_propose, registration_create

from .conftest import YEAR

HEADER = ["STT", "Mã chi hội", "Danh hiệu", "Năm", "Mã hộ", "Chủ hộ", "Ngày đăng ký",
          "Điểm 1.1", "Điểm 1.2", "Điểm 1.3", "Điểm 2", "Điểm 3", "Điểm 4", "Ghi chú"]  # fmt: skip


def sheet(tmp_path, rows, name="ds.xlsx"):
    workbook = Workbook()
    ws = workbook.active
    ws.append(["DANH SÁCH ĐĂNG KÝ GIA ĐÌNH HỌC TẬP NĂM 2025"])
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def run(kind, path, user, commit=True):
    ctx = ImportContext(kind=kind, user=user, reason="Nhập thử")
    result = pipeline.validate(kind, ctx, read_file(path))
    if commit and result.ok:
        pipeline.commit(kind, ctx, result)
    return result


def errors(result, kind=titles_kind):
    return result.error_list(kind)


def test_registrations_and_scores_are_imported_with_history_and_summaries(tmp_path, tree, families, secretary):
    code = tree.chapter.code
    path = sheet(
        tmp_path,
        [
            HEADER,
            [
                1,
                code,
                "Gia đình học tập",
                2025,
                "H01",
                "Nguyễn Văn An",
                "15/01/2025",
                10,
                9,
                8,
                25,
                "18",
                "17,5",
                "Tốt",
            ],
            [2, code, "gdht", 2025, "", "tran thi binh", "", None, None, None, None, None, None, ""],
        ],
    )
    result = run(titles_kind, path, secretary)
    assert result.ok, errors(result)
    an = TitleRecord.objects.get(household=families.an)
    assert (an.total, an.status, an.evidence) == (87.5, TitleRecord.Status.SELF_ASSESSED, "Tốt")
    assert an.scores == {"1.1": 10, "1.2": 9, "1.3": 8, "2": 25, "3": 18, "4": 17.5}
    binh = TitleRecord.objects.get(household=families.binh)
    assert binh.status == TitleRecord.Status.REGISTERED and binh.scores == {}
    assert an.history.get().history_user == secretary
    assert Summary.objects.get(unit=tree.chapter, year=YEAR, period="Y", figure="titles.gdht.registered").value == 2

    again = run(titles_kind, path, secretary)
    assert again.counts == {"total": 2, "new": 0, "changed": 0, "unchanged": 2, "errors": 0}
    assert TitleRecord.history.count() == 2


def test_scores_for_a_record_never_registered_are_refused(tmp_path, tree, families, secretary):
    path = sheet(tmp_path, [HEADER, [1, tree.chapter.code, "gdht", 2025, "H01", "", "", 10, 9, 8, 25, 18, 17, ""]])
    result = run(titles_kind, path, secretary)
    assert not result.ok
    [(row, column, message)] = errors(result)
    assert (row, column) == (3, "Ngày đăng ký")
    assert "chưa đăng ký danh hiệu «Gia đình học tập» năm 2025" in message
    assert TitleRecord.objects.count() == 0


def test_scores_update_registered_records_and_bad_rows_stop_everything(tmp_path, tree, families, gdht, secretary):
    registration_create(title_type=gdht, year=YEAR, household=families.an)
    registration_create(title_type=gdht, year=YEAR, household=families.binh)
    code = tree.chapter.code
    path = sheet(
        tmp_path,
        [
            HEADER,
            [1, code, "gdht", 2025, "H01", "", "", 10, 9, 8, 25, 18, 17, ""],
            [2, code, "gdht", 2025, "H02", "", "", 10, 12, 8, 25, 18, 17, ""],
        ],
    )
    result = run(titles_kind, path, secretary)
    assert [(r, c) for r, c, _m in errors(result)] == [(4, "Điểm 1.2")]
    assert "12 điểm vượt quá mức tối đa 10 điểm" in errors(result)[0][2]
    assert set(TitleRecord.objects.values_list("version", flat=True)) == {1}


def test_a_title_that_does_not_apply_to_households_is_refused(tmp_path, tree, families, secretary):
    path = sheet(
        tmp_path,
        [HEADER, [1, tree.chapter.code, "Đơn vị học tập cấp xã", 2025, "H01", "", "", 10, 9, 8, 25, 18, 17, ""]],
    )
    result = run(titles_kind, path, secretary)
    [(_row, column, message)] = errors(result)
    assert column == "Danh hiệu" and "không dành cho hộ gia đình" in message
    assert TitleRecord.objects.count() == 0


def test_unknown_household_unknown_title_and_out_of_scope_unit(tmp_path, tree, families, secretary):
    path = sheet(
        tmp_path,
        [
            HEADER,
            [1, tree.chapter.code, "gdht", 2025, "H99", "", "", None, None, None, None, None, None, ""],
            [2, tree.chapter.code, "Gia đình văn hóa", 2025, "H01", "", "", None, None, None, None, None, None, ""],
            [3, tree.outside_chapter.code, "gdht", 2025, "H01", "", "", None, None, None, None, None, None, ""],
        ],
    )
    messages = [m for _r, _c, m in errors(run(titles_kind, path, secretary))]
    assert "Không có hộ mã H99" in messages[0]
    assert "Không có danh hiệu «Gia đình văn hóa»" in messages[1]
    assert "nằm ngoài phạm vi" in messages[2]
    assert TitleRecord.objects.count() == 0


def test_locked_or_proposed_records_cannot_be_changed_by_a_file(tmp_path, tree, families, gdht, secretary, officer):
    from .conftest import FULL

    record = registration_create(title_type=gdht, year=YEAR, household=families.an)
    from learning_models.services.records import record_score

    record_score(record, scores=FULL)
    record_review(record, review_date=datetime.date(YEAR, 12, 5))
    records_propose([TitleRecord.objects.select_related("unit").get(pk=record.pk)], actor=officer)
    path = sheet(tmp_path, [HEADER, [1, tree.chapter.code, "gdht", 2025, "H01", "", "", 1, 1, 1, 1, 1, 1, ""]])
    result = run(titles_kind, path, secretary)
    assert "đã được hội xã đề nghị công nhận" in errors(result)[0][2]
    assert TitleRecord.objects.get().total == 87


def test_a_closed_year_refuses_the_file(tmp_path, tree, families, secretary):
    period_close(unit=tree.commune, year=YEAR)
    path = sheet(
        tmp_path, [HEADER, [1, tree.chapter.code, "gdht", 2025, "H01", "", "", None, None, None, None, None, None, ""]]
    )
    result = run(titles_kind, path, secretary)
    assert "đã khóa sổ" in errors(result)[0][2]
    assert TitleRecord.objects.count() == 0


def test_clans_units_and_persons_by_name(tmp_path, tree, families, secretary, commune_secretary):
    path = sheet(
        tmp_path,
        [
            ["Mã chi hội", "Danh hiệu", "Năm", "Tên", "Điểm 1", "Điểm 2", "Điểm 3", "Điểm 4"],
            [tree.chapter.code, "Dòng họ học tập", 2025, "Nguyễn Đình", None, None, None, None],
            [families.school.code, "dvht-xa", 2025, "", None, None, None, None],
            [tree.chapter.code, "Công dân học tập", 2025, "Phạm Thị Hoa", None, None, None, None],
        ],
    )
    result = run(titles_kind, path, commune_secretary)
    assert result.ok, errors(result)
    assert TitleRecord.objects.get(clan=families.clan).subject_name == "Dòng họ Nguyễn Đình"
    assert TitleRecord.objects.get(subject_unit=families.school).unit == families.school
    assert TitleRecord.objects.get(title_type__code="cdanht").subject_name == "Phạm Thị Hoa"


def test_export_reads_back_unchanged(tmp_path, tree, families, gdht, secretary):
    path = sheet(
        tmp_path, [HEADER, [1, tree.chapter.code, "gdht", 2025, "H01", "", "15/01/2025", 10, 9, 8, 25, 18, 17, "x"]]
    )
    assert run(titles_kind, path, secretary).ok
    out = tmp_path / "xuat.xlsx"
    stream, count = export_xlsx(titles_kind, secretary, purpose="Kiểm tra")
    out.write_bytes(stream.getvalue())
    assert count == 1
    rows = list(load_workbook(out).active.values)
    assert "Điểm 1.1" in rows[0] and "Nguyễn Văn An" in rows[1]
    again = run(titles_kind, out, secretary)
    assert again.counts["unchanged"] == 1 and again.ok, errors(again)


def test_classes_import(tmp_path, tree, commune_secretary):
    path = sheet(
        tmp_path,
        [
            ["Mã đơn vị", "Chủ đề", "Ngày bắt đầu", "Số buổi", "Số lượt người", "Danh sách học viên"],
            [tree.commune.code, "Tin học cho người cao tuổi", "02/03/2025", 4, None, "Nguyễn Văn An; Trần Thị Bình"],
            [tree.commune.code, "Trồng rau sạch", "01/09/2025", 2, 120, ""],
        ],
    )
    result = run(classes_kind, path, commune_secretary)
    assert result.ok, errors(result, classes_kind)
    lesson = LearningClass.objects.get(topic="Tin học cho người cao tuổi")
    assert lesson.attendances == 2 and lesson.participants.count() == 2
    assert Summary.objects.get(unit=tree.commune, year=YEAR, period="Y", figure="classes.attendances").value == 122
    assert run(classes_kind, path, commune_secretary).counts["unchanged"] == 2


def test_title_records_validation_reads_the_database_per_file_not_per_row(tmp_path, tree, families, secretary):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members.models import Household

    Household.objects.bulk_create(
        [Household(unit=tree.chapter, head_name=f"Phạm Văn Hộ {n}", code=f"P{n:03d}") for n in range(60)]
    )
    code = tree.chapter.code

    def queries(count):
        rows = [HEADER] + [
            [
                n,
                code,
                "Gia đình học tập",
                YEAR,
                f"P{n:03d}",
                f"Phạm Văn Hộ {n}",
                f"15/01/{YEAR}",
                10,
                9,
                8,
                25,
                18,
                17,
                "",
            ]
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            result = run(titles_kind, sheet(tmp_path, rows, name=f"t{count}.xlsx"), secretary, commit=False)
        assert result.ok, errors(result)
        assert result.counts["new"] == count
        return len(captured)

    queries(2)  # the user's roles, read once and kept on the user
    assert queries(60) == queries(6)
