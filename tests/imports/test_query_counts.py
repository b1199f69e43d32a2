"""Issue 19: every import kind reads the database per file, never per row.

For every registered kind, a file of N rows and a file of 3N rows are validated and committed (new rows, then the
same rows changed — or, for kinds whose rows cannot change, imported again unchanged); the number of SQL queries
must not grow with the rows. A kind that queries per row cannot reach 2,000 rows/s on a province's file.
"""

import datetime
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chapters.imports.kinds import ImportContext
from chapters.models import Unit
from core.imports import pipeline
from core.imports.kinds import KINDS
from core.spreadsheets.reading import read_file
from tests.imports.conftest import xlsx_bytes

D = datetime.date
SMALL, LARGE = 10, 30  # rows of the two files compared
SLACK = 2  # queries the larger file may add (a batch boundary, a second chunk): a constant, not per row
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh", "Long", "Mai", "Minh",
         "Nam", "Ngọc", "Phúc", "Quang", "Sơn", "Thảo", "Trang", "Tuấn", "Vân", "Yến"]  # fmt: skip
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]


def person(i: int) -> str:
    """A different plausible name for each i < 264 (the rows of one run stay below that)."""
    return f"{FAMILY[i % len(FAMILY)]} Văn {GIVEN[(i // len(FAMILY)) % len(GIVEN)]}"


def word(i: int) -> str:
    """A name part made of letters only, different for each i (titles, topics and clans must not repeat)."""
    return f"{GIVEN[i % len(GIVEN)]} {GIVEN[(i // len(GIVEN)) % len(GIVEN)]} {GIVEN[(i // 576) % len(GIVEN)]}"


@dataclass
class Spec:
    """How to make rows of one kind: setup(tree) → state; header; row(state, i, changed) → cells."""

    header: list[str]
    row: Callable[[Any, int, bool], list]
    setup: Callable[[Any], Any] = lambda tree: tree
    changes: bool = True  # False: rows cannot be changed by a file (vouchers); the second pass is unchanged
    user: str = "commune_secretary"


def _chapters(tree, count: int) -> list[Unit]:
    from tests.factories import UnitFactory

    return [tree.chapter, *(UnitFactory(parent=tree.commune, code=f"10001-{n:02d}") for n in range(3, count + 2))]


def _members(tree, count: int) -> list:
    from members.models import Member
    from members.services import members_bulk_create

    members = [
        Member(
            unit=tree.chapter,
            full_name=person(i),
            gender="M",
            birth_year=1950 + i % 40,
            joined_on=D(2000, 1, 1),
            card_number=f"DQ-{i:04d}",
        )
        for i in range(count)
    ]
    for member in members:
        member.version = 1
        member.set_derived() if hasattr(member, "set_derived") else None
    return [member.pk for member in members_bulk_create(members, reason="Dữ liệu thử")]


def _households(tree, count: int) -> None:
    from members.models import Household

    for i in range(count):
        Household.objects.create(unit=tree.chapter, code=f"T{i:04d}", head_name=person(i), address=f"Số {i}")


def _funds(chapters: list[Unit]) -> list[Unit]:
    from funds import services

    for chapter in chapters:
        services.fund_create(unit=chapter)
    return chapters


SPECS: dict[str, Spec] = {
    "units": Spec(
        ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Địa chỉ"],
        lambda s, i, changed: [f"10001-5{i:03d}", f"Chi hội thôn {word(i)}", "10001", f"Số {i}{' mới' * changed}"],
    ),
    "baseline": Spec(
        ["Mã đơn vị", "Năm", "Dân số", "Số hộ gia đình"],
        lambda chapters, i, changed: [chapters[i % 20].code, 2000 + i // 20, 1000 + i + changed, 300],
        setup=lambda tree: _chapters(tree, 20),
    ),
    "members": Spec(
        ["Họ và tên", "Giới tính", "Năm sinh", "Mã chi hội", "Ngày vào hội", "Số thẻ hội viên", "Địa chỉ"],
        lambda tree, i, changed: [
            person(i),
            "Nam",
            1950 + i % 40,
            tree.chapter.code,
            "01/03/2020",
            f"TQ-{i:05d}",
            f"Số {i + changed}",
        ],
    ),
    "households": Spec(
        ["Mã chi hội", "Mã hộ", "Chủ hộ", "Địa chỉ", "Số nhân khẩu"],
        lambda tree, i, changed: [tree.chapter.code, f"H{i:04d}", person(i), f"Số {i}", 3 + changed],
    ),
    "clans": Spec(
        ["Mã đơn vị", "Tên dòng họ", "Người đại diện"],
        lambda tree, i, changed: [tree.commune.code, f"Dòng họ {word(i)}", person(i + changed)],
    ),
    "dues": Spec(
        ["Mã hội viên", "Năm", "Số tiền", "Ngày nộp"],
        lambda ids, i, changed: [ids[i % 60], 2001 + i // 60, 60_000 + 10_000 * changed, f"15/03/{2001 + i // 60}"],
        setup=lambda tree: _members(tree, 60),
    ),
    "transactions": Spec(
        ["Mã đơn vị", "Số phiếu", "Ngày", "Số tiền", "Người nộp, người nhận"],
        lambda chapters, i, changed: [chapters[i % 20].code, f"PT-2024-{i + 1:04d}", "05/03/2024", 100_000, person(i)],
        setup=lambda tree: _funds(_chapters(tree, 20)),  # vouchers spread over funds: no query per fund either
        changes=False,
    ),
    "awards": Spec(
        [
            "Mã hội",
            "Số quyết định",
            "Ngày quyết định",
            "Hình thức",
            "Họ và tên",
            "Đối tượng",
            "Trường",
            "Lớp",
            "Mã chi hội",
            "Số tiền (đồng)",
        ],  # fmt: skip
        lambda tree, i, changed: [
            "10001",
            f"{i // 5}/QĐ-HKH",
            "20/12/2025",
            "Thưởng tiền",
            person(i),
            "Học sinh",
            "THCS Bạch Đằng",
            f"Lớp {i}",
            tree.chapter.code,
            500_000 + 100_000 * changed,
        ],  # fmt: skip
    ),
    "titles": Spec(
        ["Mã chi hội", "Danh hiệu", "Năm", "Mã hộ", "Ngày đăng ký", "Minh chứng, ghi chú"],
        lambda tree, i, changed: [
            tree.chapter.code,
            "Gia đình học tập",
            2025,
            f"T{i:04d}",
            "15/01/2025",
            "Có sổ theo dõi" * changed,
        ],
        setup=lambda tree: (_households(tree, 240), tree)[1],
    ),
    "classes": Spec(
        ["Mã đơn vị", "Chủ đề, nội dung", "Ngày bắt đầu", "Số buổi", "Số lượt người"],
        lambda chapters, i, changed: [chapters[i % 20].code, f"Chuyên đề {word(i)}", "02/03/2025", 4, 45 + changed],
        setup=lambda tree: _chapters(tree, 20),  # rows spread over the units: no query per unit either
    ),
}


def _shape(sql: str) -> str:
    return re.sub(r"\d+", "N", re.sub(r"'[^']*'", "S", sql))[:160]


def _run(kind, rows: list[list], user, tmp_path, name: str, *, commit: bool = True) -> tuple[int, int, dict, list]:
    """(queries of validation, queries of the commit, counts, the SQL of both) for one file."""
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(rows))
    read = read_file(path)
    ctx = ImportContext(kind=kind, user=user, reason="Đếm truy vấn")
    with CaptureQueriesContext(connection) as validation:
        result = pipeline.validate(kind, ctx, read)
    assert result.ok, result.error_list(kind)[:5]
    with CaptureQueriesContext(connection) as writing:
        if commit:
            pipeline.commit(kind, ctx, result)
    sql = [q["sql"] for q in [*validation.captured_queries, *writing.captured_queries]]
    return len(validation), len(writing), result.counts, sql


def test_every_registered_kind_is_measured():
    assert set(SPECS) == set(KINDS)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_queries_do_not_grow_with_the_rows(name, tree, commune_secretary, tmp_path):
    kind, spec = KINDS[name], SPECS[name]
    state = spec.setup(tree)
    user = commune_secretary

    def rows(start: int, count: int, changed: bool) -> list[list]:
        return [spec.header, *(spec.row(state, i, changed) for i in range(start, start + count))]

    _run(kind, rows(0, 2, False), user, tmp_path, "warm.xlsx")  # roles and caches read once per user
    measured = {}
    for phase, changed in (("new", False), ("again", spec.changes)):
        small = _run(kind, rows(100, SMALL, changed), user, tmp_path, f"{phase}-small.xlsx")
        large = _run(kind, rows(200, LARGE, changed), user, tmp_path, f"{phase}-large.xlsx")
        status = "new" if phase == "new" else "changed" if changed else "unchanged"
        assert (small[2][status], large[2][status]) == (SMALL, LARGE), (phase, small[2], large[2])
        measured[phase] = (small, large)
    problems = []
    for phase, (small, large) in measured.items():
        print(f"{name} {phase}: validation {small[0]}/{large[0]}, commit {small[1]}/{large[1]} ({SMALL}/{LARGE} rows)")
        for step, index in (("validation", 0), ("commit", 1)):
            if large[index] > small[index] + SLACK:
                grown = Counter(map(_shape, large[3])) - Counter(map(_shape, small[3]))
                problems.append(
                    f"{phase} {step}: {small[index]} queries for {SMALL} rows, {large[index]} for {LARGE}; "
                    f"repeated: {grown.most_common(4)}"
                )
    assert problems == [], "\n".join(problems)
