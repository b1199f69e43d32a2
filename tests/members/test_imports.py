import datetime
import re
from types import SimpleNamespace

import pytest
from openpyxl import Workbook, load_workbook

from chapters.imports.kinds import ImportContext
from chapters.services.periods import period_close
from core.imports import pipeline
from core.spreadsheets.reading import read_file
from core.spreadsheets.writing import export_xlsx
from members.imports import clan_kind, dues_kind, household_kind, member_kind
from members.models import Clan, Due, Household, Member, Membership, PersonalDataAccess
from members.providers import members_on

D = datetime.date


def sheet(tmp_path, rows, name="ds.xlsx", title=None):
    """An .xlsx like a secretary's: an optional title row, then the header and the rows."""
    workbook = Workbook()
    ws = workbook.active
    if title:
        ws.append([title])
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


def errors(result, kind):
    return [(row, column, message) for row, column, message in result.error_list(kind)]


def warnings(result):
    return [(row.number, message) for row in result.rows for _field, message in row.warnings]


HEADER = ["STT", "Họ và tên", "Giới tính", "Năm sinh", "Mã chi hội", "Điện thoại", "Ngày vào hội", "Đảng viên"]


def test_members_import_creates_members_with_history_memberships_and_summaries(tmp_path, tree, secretary):
    path = sheet(
        tmp_path,
        [
            HEADER,
            [1, "Nguyễn Văn Đức", "Nam", 1955, tree.chapter.code, "0912 345 678", "15/03/2015", "x"],
            [2, "trần thị lan", "nữ", "12/05/1960", tree.chapter.code, "", 2018, ""],
        ],
        title="DANH SÁCH HỘI VIÊN CHI HỘI TỔ DÂN PHỐ SỐ 1",
    )
    result = run(member_kind, path, secretary)
    assert result.ok, errors(result, member_kind)
    duc = Member.objects.get(name_key="nguyen van duc")
    lan = Member.objects.get(name_key="tran thi lan")
    assert (duc.gender, duc.birth_year, duc.joined_on, duc.party_member) == ("M", 1955, D(2015, 3, 15), True)
    assert (lan.birth_date, lan.joined_on, lan.ethnicity) == (D(1960, 5, 12), D(2018, 1, 1), "Kinh")
    assert Membership.objects.filter(member=duc, unit=tree.chapter, since=D(2015, 3, 15), until=None).exists()
    assert duc.history.get().history_user == secretary
    assert members_on(tree.chapter, D(2019, 1, 1)) == 2
    from chapters.summaries import rollup

    assert rollup(tree.commune, year=2019, figures=["members.end"])["members.end"] == 2


def test_a_file_of_new_members_adds_to_the_summaries_what_a_recount_gives(tmp_path, tree, secretary, make_member):
    """Issue 19: a file of new members only adds them. What they add is written to the stored rows
    (`summaries_add`) instead of their chapters' figures counted again from all memberships and dues: the same rows
    as a recount. A file that changes a member already stored still counts its chapters again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chapters.models import Summary
    from chapters.summaries import summaries_refresh

    def table():
        return sorted(
            Summary.objects.filter(figure__startswith="members.").values_list(
                "unit_id", "year", "period", "figure", "value"
            )
        )

    make_member(full_name="Hội Viên Cũ", joined_on=D(2019, 2, 2))
    header = [*HEADER, "Ngày ra hội", "Lý do ra hội"]
    code = tree.chapter.code
    rows = [
        [1, "Nguyễn Văn Một", "Nam", 1955, code, "", "15/03/2015", "x", "", ""],
        [2, "Trần Thị Hai", "Nữ", 1960, code, "", "01/07/2023", "", "", ""],
        [3, "Lê Văn Ba", "Nam", 1970, code, "", "05/02/2022", "", "20/09/2024", "Từ trần"],
    ]
    with CaptureQueriesContext(connection) as queries:
        result = run(member_kind, sheet(tmp_path, [header, *rows]), secretary)
    assert result.ok and result.counts["new"] == 3, errors(result, member_kind)
    recounts = [q["sql"] for q in queries if 'FROM "members_membership"' in q["sql"] and "GROUP BY" in q["sql"]]
    assert recounts == []
    added = table()
    summaries_refresh(unit_ids=None, providers=["members"])
    assert table() == added
    assert members_on(tree.chapter, D(2024, 12, 31)) == 3

    rows[0][5] = "0912 000 111"  # a change to a member already stored: her chapter is counted again
    with CaptureQueriesContext(connection) as queries:
        result = run(member_kind, sheet(tmp_path, [header, *rows], name="again.xlsx"), secretary)
    assert result.ok and result.counts["changed"] == 1
    assert [q for q in queries if 'FROM "members_membership"' in q["sql"] and "GROUP BY" in q["sql"]]
    assert table() == added


def test_reimporting_the_same_file_changes_nothing(tmp_path, tree, secretary):
    rows = [HEADER, [1, "Nguyễn Văn Đức", "Nam", 1955, tree.chapter.code, "0912 345 678", "15/03/2015", ""]]
    path = sheet(tmp_path, rows)
    run(member_kind, path, secretary)
    again = run(member_kind, path, secretary)
    assert again.counts == {"total": 1, "new": 0, "changed": 0, "unchanged": 1, "errors": 0}
    assert Member.objects.count() == 1 and Member.history.count() == 1


def test_namesakes_told_apart_by_a_card_import_again_unchanged(tmp_path, tree, secretary):
    """Two members of one chapter with the same name and birth year, one with a card: the file that created them
    imports back unchanged. The row without a card is the namesake no other row of the file claims (found by the
    property test of the pipeline)."""
    header = [*HEADER, "Số thẻ"]
    rows = [
        header,
        [1, "Nguyễn Văn An", "Nam", 1930, tree.chapter.code, "", "01/01/2005", "", ""],
        [2, "Nguyễn Văn An", "Nam", 1930, tree.chapter.code, "", "01/01/2005", "", "BD-1"],
    ]
    path = sheet(tmp_path, rows)
    assert run(member_kind, path, secretary).ok
    assert Member.objects.count() == 2
    again = run(member_kind, path, secretary)
    assert errors(again, member_kind) == []
    assert again.counts == {"total": 2, "new": 0, "changed": 0, "unchanged": 2, "errors": 0}
    uncarded, carded = (row.existing for row in again.rows)
    assert (uncarded.card_number, carded.card_number) == ("", "BD-1")
    # Without the carded row, the uncarded one cannot tell the two apart.
    alone = run(member_kind, sheet(tmp_path, rows[:2], name="mot-dong.xlsx"), secretary, commit=False)
    assert [message for _row, _column, message in errors(alone, member_kind)] == [
        "Chi hội có nhiều hội viên cùng họ tên và năm sinh này: hãy ghi «Mã hội viên» hoặc số thẻ để phân biệt."
    ]


def test_bad_rows_are_listed_with_row_column_and_message_and_nothing_is_saved(tmp_path, tree, secretary, make_member):
    make_member(unit=tree.outside_chapter, card_number="KH-9")
    next_year = datetime.date.today().year + 1
    path = sheet(
        tmp_path,
        [
            [*HEADER, "Số thẻ"],
            [1, "Người Đúng", "Nam", 1950, tree.chapter.code, "", "01/01/2010", "", ""],
            [2, "", "Nam", 1950, tree.chapter.code, "", "01/01/2010", "", ""],
            [3, "Quá Già", "Nữ", 1850, tree.chapter.code, "", "01/01/2010", "", ""],
            [4, "Chưa Sinh", "Nữ", next_year, tree.chapter.code, "", "01/01/2010", "", ""],
            [5, "Vào Sớm", "Nam", 1990, tree.chapter.code, "", "01/01/1985", "", ""],
            [6, "Số Chữ", "Nam", 1950, tree.chapter.code, "09l2 345 678", "01/01/2010", "", ""],
            [7, "Trùng Thẻ", "Nam", 1950, tree.chapter.code, "", "01/01/2010", "", "kh-9"],
            [8, "Ngoài Phạm Vi", "Nam", 1950, tree.outside_chapter.code, "", "01/01/2010", "", ""],
        ],
    )
    result = run(member_kind, path, secretary)
    assert not result.ok
    found = {(row, column): message for row, column, message in errors(result, member_kind)}
    assert "Họ và tên" in found[(3, "Họ và tên")]
    assert "Năm sinh" in found[(4, "Năm sinh")] and "Năm sinh" in found[(5, "Năm sinh")]
    assert "trước ngày sinh" in found[(6, "Ngày vào hội")]
    assert "Số điện thoại" in found[(7, "Điện thoại")]
    assert "KH-9" in found[(8, "Số thẻ")] and "cùng tỉnh" in found[(8, "Số thẻ")]
    assert "phạm vi" in found[(9, "Mã chi hội")]
    assert (2, "Họ và tên") not in found
    assert Member.objects.count() == 1  # only the pre-existing one


def test_likely_duplicates_are_warnings_never_merges(tmp_path, tree, secretary, commune_secretary, make_member):
    existing = make_member(unit=tree.other_chapter, full_name="Lê Thị Hoa", birth_year=1962)
    path = sheet(
        tmp_path,
        [
            HEADER,
            [1, "Le Thi Hoa", "Nữ", 1962, tree.chapter.code, "", "01/01/2020", ""],
            [2, "Phạm Văn Hai", "Nam", 1970, tree.chapter.code, "", "01/01/2020", ""],
            [3, "Phạm Văn Hai", "Nam", 1970, tree.other_chapter.code, "", "01/01/2020", ""],
        ],
    )
    result = run(member_kind, path, commune_secretary, commit=False)
    assert result.ok
    found = warnings(result)
    assert any(number == 2 and f"mã {existing.pk}" in message for number, message in found)
    assert {number for number, message in found if "các dòng 3, 4" in message} == {3, 4}
    # The preview lists them by row and column, like the errors.
    assert [row for row, column, _message in result.warning_list(member_kind)] == [2, 3, 4]
    assert {column for _row, column, _message in result.warning_list(member_kind)} == {"Họ và tên"}
    pipeline.commit(member_kind, ImportContext(kind=member_kind, user=commune_secretary, reason="x"), result)
    assert Member.objects.filter(name_key="le thi hoa").count() == 2  # both kept: a person decides


def test_import_cannot_move_a_member_and_respects_closed_years(tmp_path, tree, commune_secretary, make_member):
    member = make_member(card_number="BD-7", joined_on=D(2020, 1, 1))
    path = sheet(
        tmp_path,
        [["Họ và tên", "Giới tính", "Năm sinh", "Mã chi hội", "Ngày vào hội", "Số thẻ"],
         ["Nguyễn Thị Lan", "Nữ", 1960, tree.other_chapter.code, "01/01/2020", "BD-7"]],
    )  # fmt: skip
    result = run(member_kind, path, commune_secretary)
    assert "Chuyển sinh hoạt" in errors(result, member_kind)[0][2]
    period_close(unit=tree.commune, year=2023)
    path = sheet(
        tmp_path,
        [["Mã hội viên", "Họ và tên", "Giới tính", "Năm sinh", "Mã chi hội", "Ngày vào hội"],
         [member.pk, "Nguyễn Thị Lan", "Nữ", 1960, tree.chapter.code, "01/06/2023"]],
        name="b.xlsx",
    )  # fmt: skip
    result = run(member_kind, path, commune_secretary)
    assert "khóa sổ" in errors(result, member_kind)[0][2]
    member.refresh_from_db()
    assert member.joined_on == D(2020, 1, 1)


def test_export_respects_scope_masks_citizen_ids_logs_and_imports_back_unchanged(
    tmp_path, tree, secretary, officer, make_member
):
    mine = make_member(full_name="Nguyễn Văn Đức", citizen_id="001204012345", card_number="BD-1")
    make_member(unit=tree.outside_chapter, full_name="Vũ Văn Tám")
    stream, count = export_xlsx(member_kind, officer, purpose="Kiểm tra")
    assert count == 1
    path = tmp_path / "export.xlsx"
    path.write_bytes(stream.getvalue())
    values = list(load_workbook(path).active.iter_rows(values_only=True))
    assert values[1][0] == mine.pk and values[1][3] == "Nguyễn Văn Đức"
    assert "001204012345" not in str(values) and "•••••••••345" in str(values)
    assert PersonalDataAccess.objects.filter(user=officer, action="export", member=mine).count() == 1
    again = run(member_kind, path, secretary)
    assert again.counts["unchanged"] == 1 and again.counts["errors"] == 0
    mine.refresh_from_db()
    assert mine.citizen_id == "001204012345"  # the masked cell kept the stored number
    stream, _count = export_xlsx(
        member_kind, secretary, purpose="Kiểm tra"
    )  # the member's own secretary sees it in full
    assert "001204012345" in str(list(load_workbook(stream).active.iter_rows(values_only=True)))


def test_households_and_clans_import_link_and_reimport(tmp_path, tree, secretary, commune_secretary):
    clans = sheet(
        tmp_path,
        [["Mã đơn vị", "Tên dòng họ", "Trưởng họ"], [tree.commune.code, "Dòng họ Nguyễn Đình", "Nguyễn Đình Thi"]],
        name="clans.xlsx",
    )
    assert run(clan_kind, clans, commune_secretary).ok
    households = sheet(
        tmp_path,
        [
            ["Mã chi hội", "Mã hộ", "Chủ hộ", "Địa chỉ", "Số nhân khẩu", "Dòng họ"],
            [tree.chapter.code, "H1", "Nguyễn Đình Bảo", "Số 5 ngõ Chùa", 4, "Nguyễn Đình"],
            [tree.chapter.code, "", "Trần Văn Bình", "Số 7 ngõ Chùa", "", ""],
            [tree.chapter.code, "H3", "Lê Văn Cả", "", 3, "Dòng họ Không Có"],
        ],
        name="households.xlsx",
    )
    result = run(household_kind, households, secretary)
    assert [(r, c) for r, c, _m in errors(result, household_kind)] == [(4, "Dòng họ")]
    assert Household.objects.count() == 0
    households = sheet(
        tmp_path,
        [
            ["Mã chi hội", "Mã hộ", "Chủ hộ", "Địa chỉ", "Số nhân khẩu", "Dòng họ"],
            [tree.chapter.code, "H1", "Nguyễn Đình Bảo", "Số 5 ngõ Chùa", 4, "Nguyễn Đình"],
            [tree.chapter.code, "", "Trần Văn Bình", "Số 7 ngõ Chùa", "", ""],
        ],
        name="households2.xlsx",
    )
    assert run(household_kind, households, secretary).ok
    bao = Household.objects.get(code="H1")
    assert bao.clan == Clan.objects.get() and bao.people == 4
    assert Household.objects.get(code="").people == 1
    again = run(household_kind, households, secretary)
    assert again.counts["unchanged"] == 2 and Household.objects.count() == 2
    assert run(clan_kind, clans, commune_secretary).counts["unchanged"] == 1


def test_dues_import_finds_members_by_id_card_or_name(tmp_path, tree, secretary, make_member):
    duc = make_member(full_name="Nguyễn Văn Đức", birth_year=1955, card_number="BD-1")
    lan = make_member(full_name="Trần Thị Lan", birth_year=1960)
    hoa = make_member(full_name="Lê Thị Hoa", birth_year=1962)
    path = sheet(
        tmp_path,
        [
            ["Mã hội viên", "Số thẻ", "Mã chi hội", "Họ và tên", "Năm sinh", "Năm", "Số tiền", "Ngày nộp"],
            ["", "bd-1", "", "", "", 2024, "60.000", "02/03/2024"],
            [lan.pk, "", "", "", "", 2024, 60000, "02/03/2024"],
            ["", "", tree.chapter.code, "le thi hoa", 1962, 2024, "60.000 đ", "15/09/2024"],
        ],
    )
    result = run(dues_kind, path, secretary)
    assert result.ok, errors(result, dues_kind)
    assert sorted(Due.objects.values_list("member_id", "amount")) == sorted(
        [(duc.pk, 60000), (lan.pk, 60000), (hoa.pk, 60000)]
    )
    assert run(dues_kind, path, secretary).counts["unchanged"] == 3
    from chapters.summaries import rollup

    assert rollup(tree.commune, year=2024, figures=["dues.amount"])["dues.amount"] == 180000
    assert rollup(tree.commune, year=2024, period="H1", figures=["dues.payers"])["dues.payers"] == 2


def test_dues_import_refuses_unknown_members_and_closed_years(tmp_path, tree, secretary, make_member):
    member = make_member()
    period_close(unit=tree.commune, year=2023)
    path = sheet(
        tmp_path,
        [
            ["Mã hội viên", "Năm", "Số tiền", "Ngày nộp"],
            [999999, 2024, 60000, "02/03/2024"],
            [member.pk, 2023, 60000, "02/03/2023"],
            [member.pk, 2024, "sáu mươi nghìn", "02/03/2024"],
        ],
    )
    result = run(dues_kind, path, secretary)
    messages = {row: message for row, _column, message in errors(result, dues_kind)}
    assert "Không tìm thấy" in messages[2] and "khóa sổ" in messages[3] and "không phải là số" in messages[4]
    assert Due.objects.count() == 0


@pytest.mark.parametrize("kind", [member_kind, household_kind, clan_kind, dues_kind])
def test_every_kind_has_a_template_that_reads_back(tmp_path, kind):
    from core.spreadsheets.writing import template_xlsx

    path = tmp_path / f"{kind.name}.xlsx"
    path.write_bytes(template_xlsx(kind).getvalue())
    header = next(load_workbook(path).active.iter_rows(values_only=True))
    assert list(header) == [column.header for column in kind.columns]


def test_web_export_of_members_is_scoped_and_logged(client_for, tree, officer, outsider, make_member):
    from django.urls import reverse

    mine = make_member(full_name="Nguyễn Văn Đức")
    make_member(unit=tree.outside_chapter, full_name="Vũ Văn Tám")
    response = client_for(outsider).get(reverse("imports:export", args=["members"]), {"unit": tree.commune.pk})
    assert response.status_code == 404
    response = client_for(officer).post(reverse("imports:export", args=["members"]), {"purpose": "Kiểm tra"})
    assert response.status_code == 200
    import io

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[3] for row in rows[1:]] == ["Nguyễn Văn Đức"]
    assert list(PersonalDataAccess.objects.values_list("member_id", "user_id")) == [(mine.pk, officer.pk)]


def _household_sheet(tmp_path, chapter, count, name):
    rows = [["Mã chi hội", "Mã hộ", "Chủ hộ", "Địa chỉ", "Số nhân khẩu"]]
    rows += [[chapter.code, f"H{n:04d}", f"Nguyễn Văn Hộ {n}", f"Số {n}", 3] for n in range(count)]
    return sheet(tmp_path, rows, name=name)


def test_households_validation_reads_the_database_per_file_not_per_row(tmp_path, tree, secretary):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(count):
        path = _household_sheet(tmp_path, tree.chapter, count, f"h{count}.xlsx")
        with CaptureQueriesContext(connection) as captured:
            result = run(household_kind, path, secretary, commit=False)
        assert result.ok and result.counts["new"] == count
        return len(captured)

    queries(3)  # the user's roles, read once and kept on the user
    assert queries(60) == queries(6)


def test_households_known_by_their_code_are_looked_up_through_the_unique_index_of_unit_and_code(
    tmp_path, tree, secretary
):
    """The look-up of a file's coded households states the condition of the partial unique index on (unit, code),
    so PostgreSQL can use it for both arrays. Without it, every household of the file's units was read and
    filtered by code (3.6 s for a province's file once the unit's own index was gone)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run(household_kind, _household_sheet(tmp_path, tree.chapter, 5, "h.xlsx"), secretary)
    with CaptureQueriesContext(connection) as captured:
        result = run(household_kind, _household_sheet(tmp_path, tree.chapter, 8, "h2.xlsx"), secretary, commit=False)
    assert result.counts["unchanged"] == 5 and result.counts["new"] == 3
    lookups = [q["sql"] for q in captured if 'FROM "members_household"' in q["sql"] and '"code" = ANY' in q["sql"]]
    assert lookups
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in lookups:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "household_unique_code_in_unit" in plan, plan


def test_a_large_import_analyses_the_tables_it_wrote(
    tmp_path, tree, secretary, settings, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.IMPORT_ANALYZE_ROWS = 5
    small = _household_sheet(tmp_path, tree.chapter, 4, "small.xlsx")
    large = _household_sheet(tmp_path, tree.chapter, 9, "large.xlsx")  # 4 unchanged, 5 new
    analysed = []
    for path in (small, large):
        with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
            assert run(household_kind, path, secretary).ok
        analysed.append([q["sql"] for q in captured if q["sql"].startswith("ANALYZE")])
    assert analysed[0] == []  # below the threshold: autovacuum will do
    assert analysed[1] == ['ANALYZE "members_household", "members_historicalhousehold"']


@pytest.mark.parametrize("database", ["postgresql", "other"])
def test_a_new_household_whose_head_is_a_namesake_in_the_chapter_is_a_warning(
    tmp_path, tree, secretary, database, monkeypatch
):
    """Matched on the folded name (case, accents, spaces), in the same chapter only; written all the same. On
    PostgreSQL through the index on the head part of the search key, elsewhere (the embedded SQLite) through
    the ORM."""
    if database == "other":
        monkeypatch.setattr("members.imports.households.connection", SimpleNamespace(vendor="sqlite"))
    Household.objects.create(unit=tree.chapter, head_name="Nguyễn Văn An", address="Số 5 ngõ Chùa", code="H01")
    Household.objects.create(unit=tree.other_chapter, head_name="Trần Thị Bình")
    path = sheet(
        tmp_path,
        [
            ["Mã chi hội", "Chủ hộ", "Địa chỉ"],
            [tree.chapter.code, "NGUYỄN  VĂN AN", "Số 9"],
            [tree.chapter.code, "Nguyen Van An", "Số 10"],
            [tree.chapter.code, "Nguyễn Văn Anh", "Số 11"],
            [tree.chapter.code, "Trần Thị Bình", "Số 12"],
        ],
    )
    result = run(household_kind, path, secretary)
    assert result.ok
    expected = "Chi hội đã có hộ của Nguyễn Văn An (Số 5 ngõ Chùa, mã H01)."
    assert warnings(result) == [(2, expected), (3, expected)]
    assert Household.objects.filter(unit=tree.chapter).count() == 5


@pytest.mark.parametrize("database", ["postgresql", "other"])
def test_rows_without_id_or_card_find_the_member_of_the_same_name_and_birth_year_in_the_same_chapter(
    tmp_path, tree, secretary, make_member, database, monkeypatch
):
    """The exact (chapter, name, birth year) finds a member; a namesake born another year or in another chapter is
    someone else; two such members in the chapter make the row ambiguous. On both ways of looking them up."""
    if database == "other":
        monkeypatch.setattr("core.bulk.keys_joined_in_database", lambda connection: False)
    duc = make_member(full_name="Nguyễn Văn Đức", gender="M", birth_year=1955, phone="0912 000 000")
    make_member(full_name="Trần Văn Nam", gender="M", birth_year=1971)
    make_member(unit=tree.other_chapter, full_name="Trần Văn Nam", gender="M", birth_year=1970)
    make_member(full_name="Lê Thị Hoa", birth_year=1962)
    make_member(full_name="Lê Thị Hoa", birth_year=1962)
    rows = [
        HEADER,
        [1, "Nguyen Van Duc", "Nam", 1955, tree.chapter.code, "0912 345 678", "15/03/2015", ""],
        [2, "Trần Văn Nam", "Nam", 1970, tree.chapter.code, "", "01/01/2020", ""],
        [3, "Lê Thị Hoa", "Nữ", 1962, tree.chapter.code, "", "01/01/2020", ""],
    ]
    result = run(member_kind, sheet(tmp_path, rows), secretary, commit=False)
    by_number = {row.number: row for row in result.rows}
    assert by_number[2].existing == duc and by_number[2].status == "changed"
    assert by_number[3].existing is None and by_number[3].status == "new"
    assert [message for _row, column, message in errors(result, member_kind)] == [
        "Chi hội có nhiều hội viên cùng họ tên và năm sinh này: hãy ghi «Mã hội viên» hoặc số thẻ để phân biệt."
    ]


def test_card_numbers_are_looked_up_through_the_provinces_card_index(tmp_path, tree, secretary, make_member):
    """A province-wide file of carded members probes 1,000 cards per query, three times (existing members, the
    province's clashes, the commit's second look). Joined with the units' table and sorted by name, each probe
    took ~27 ms on the province dataset (~4 s of a 50,000-row import); by (card_scope, card_number), the key of
    the unique constraint that defines a clash, it reads the matches alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mine = make_member(full_name="Nguyễn Văn Đức", card_number="BD-1")
    make_member(unit=tree.outside_chapter, card_number="KH-9")
    path = sheet(
        tmp_path,
        [
            [*HEADER, "Số thẻ"],
            [1, "Nguyễn Văn Đức", "Nam", mine.birth_year, tree.chapter.code, "", "01/01/2010", "", "bd-1"],
            [2, "Trùng Thẻ", "Nam", 1950, tree.chapter.code, "", "01/01/2010", "", "KH-9"],
        ],
    )
    with CaptureQueriesContext(connection) as queries:
        result = run(member_kind, path, secretary)
    # The other member is outside the secretary's scope: her chapter is not named.
    assert errors(result, member_kind) == [
        (3, "Số thẻ", "Số thẻ KH-9 đã cấp cho một hội viên khác trong cùng tỉnh: hãy kiểm tra lại số thẻ.")
    ]
    assert result.rows[0].existing == mine
    probes = [query["sql"] for query in queries if re.search(r'"card_number" (= ANY|IN \()', query["sql"])]
    # Existing members, the province's clashes, the unique constraint's check: none sorts what it reads.
    assert len(probes) == 3
    for sql in probes:
        assert re.search(r'"card_scope" (=|IN \()', sql) and "ORDER BY" not in sql, sql
        assert "LIKE" not in sql, sql
        if connection.vendor == "postgresql":  # the cards as one array, not one parameter each (core/lookups.py)
            assert '"card_number" = ANY' in sql, sql
