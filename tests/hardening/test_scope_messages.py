"""Issue 15, item 9: an import's errors read the same for "out of scope" and "does not exist"."""

import re

import pytest

from chapters.imports.kinds import ImportContext
from core.imports import pipeline
from core.spreadsheets.reading import read_file
from members.imports import dues_kind, member_kind

MEMBER_HEADER = ["Mã hội viên", "Họ và tên", "Giới tính", "Năm sinh", "Mã chi hội", "Ngày vào hội", "Số thẻ hội viên"]


def _errors(kind, user, tmp_path, rows):
    path = tmp_path / "tep.csv"
    path.write_text("\n".join(",".join(str(cell) for cell in row) for row in rows), encoding="utf-8")
    result = pipeline.validate(kind, ImportContext(kind=kind, user=user, reason="thử"), read_file(path))
    return [message for _row, _column, message in result.error_list(kind)]


@pytest.fixture
def hidden(tree, make_member):
    """A member of the other chapter of the commune: outside the chapter secretary's scope."""
    return make_member(unit=tree.other_chapter, full_name="Lê Thị Hoa", card_number="BD-777")


def _same(first: str, second: str, first_value, second_value) -> bool:
    return first.replace(str(first_value), "X") == second.replace(str(second_value), "X")


def test_a_member_id_out_of_scope_reads_like_one_that_does_not_exist(tmp_path, tree, secretary, hidden):
    missing = hidden.pk + 1000
    row = ["Nguyễn Văn An", "Nam", 1950, tree.chapter.code, "01/01/2020", ""]
    hidden_error, missing_error = _errors(
        member_kind, secretary, tmp_path, [MEMBER_HEADER, [hidden.pk, *row], [missing, *row]]
    )
    assert _same(hidden_error, missing_error, hidden.pk, missing), (hidden_error, missing_error)


def test_a_card_number_held_out_of_scope_does_not_name_the_other_chapter(tmp_path, tree, secretary, hidden):
    (error,) = _errors(
        member_kind,
        secretary,
        tmp_path,
        [MEMBER_HEADER, ["", "Nguyễn Văn An", "Nam", 1950, tree.chapter.code, "01/01/2020", "BD-777"]],
    )
    assert tree.other_chapter.name not in error and "ngoài phạm vi" not in error
    assert "BD-777" in error


def test_dues_of_a_member_out_of_scope_read_like_dues_of_nobody(tmp_path, tree, secretary, hidden):
    missing = hidden.pk + 1000
    header = ["Mã hội viên", "Năm", "Số tiền", "Ngày nộp"]
    rows = [[hidden.pk, 2025, 20000, "01/03/2025"], [missing, 2025, 20000, "01/03/2025"]]
    errors = _errors(dues_kind, secretary, tmp_path, [header, *rows])
    hidden_error, missing_error = errors
    assert _same(hidden_error, missing_error, hidden.pk, missing), (hidden_error, missing_error)
    assert not re.search(tree.other_chapter.code, hidden_error)


UNIT_HEADER = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Loại",
    "Nơi tổ chức",
    "Mã đơn vị cấp trên",
    "Hoạt động từ",
    "Sáp nhập từ (mã)",
]


def _unit_errors(user, tmp_path, rows):
    from chapters.imports.units import units_kind

    path = tmp_path / "donvi.csv"
    path.write_text("\n".join(",".join(str(cell) for cell in row) for row in [UNIT_HEADER, *rows]), encoding="utf-8")
    result = pipeline.validate(units_kind, ImportContext(kind=units_kind, user=user, reason="thử"), read_file(path))
    by_row = {}
    for row, column, message in result.error_list(units_kind):
        by_row.setdefault(row, []).append((column, message))
    return by_row


def test_a_unit_code_out_of_scope_reads_like_one_that_does_not_exist(tmp_path, tree, commune_secretary):
    """The commune secretary sees her commune only: the other commune's units must read, in every column that
    names a unit, like codes nobody uses."""
    hidden, missing = tree.outside_chapter.code, "ZZ-404"
    hidden_unit, missing_unit = tree.other_commune.code, "ZZ-405"
    chapter = ["Chi hội mới", "Chi hội", "Khu dân cư"]
    errors = _unit_errors(
        commune_secretary,
        tmp_path,
        [
            [hidden, *chapter, "", "", ""],  # the row's own code, no parent: a new unit needs one
            [missing, *chapter, "", "", ""],
            ["N-1", *chapter, hidden_unit, "", ""],  # as the parent
            ["N-2", *chapter, missing_unit, "", ""],
            ["N-3", *chapter, tree.commune.code, "01/07/2025", hidden_unit],  # as a predecessor
            ["N-4", *chapter, tree.commune.code, "01/07/2025", missing_unit],
        ],
    )

    def same(first, second, shown, absent):
        return [(c, m.replace(shown, "X")) for c, m in errors[first]] == [
            (c, m.replace(absent, "X")) for c, m in errors[second]
        ]

    assert same(2, 3, hidden, missing), errors
    assert same(4, 5, hidden_unit, missing_unit) and same(6, 7, hidden_unit, missing_unit), errors
    assert not any(tree.outside_chapter.name in m or "ngoài phạm vi" in m for _c, m in errors[2]), errors


def test_a_new_unit_on_a_code_held_out_of_scope_does_not_name_it(tmp_path, tree, commune_secretary):
    hidden = tree.outside_chapter.code
    errors = _unit_errors(
        commune_secretary, tmp_path, [[hidden, "Chi hội mới", "Chi hội", "Khu dân cư", tree.commune.code, "", ""]]
    )
    ((column, message),) = errors[2]
    assert hidden in message and column == "Mã đơn vị"
    assert tree.outside_chapter.name not in message and tree.other_commune.name not in message
    assert "phạm vi" not in message
