"""Issue 15: a property-based test of the import pipeline. Any generated members sheet is either committed
whole or refused whole, and importing a committed file again changes nothing."""

import csv
import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chapters.imports.kinds import ImportContext
from core.imports import pipeline
from core.spreadsheets.reading import read_file
from members.imports import member_kind
from members.models import Member, Membership

HEADER = ["Họ và tên", "Giới tính", "Năm sinh", "Mã chi hội", "Ngày vào hội", "Số thẻ hội viên", "Địa chỉ"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng", "Vũ"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", ""]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hoa", "Lan", "Đức", "Tâm", "Yến"]
NOISE = ["", "", "", "\x07", "\x1b", " ", "'"]


names = st.builds(
    lambda family, middle, given, noise, case: case(f"{family} {middle} {noise}{given}"),
    st.sampled_from(FAMILY),
    st.sampled_from(MIDDLE),
    st.sampled_from(GIVEN),
    st.sampled_from(NOISE),
    st.sampled_from([str, str.lower, str.upper]),
)
joined = st.dates(datetime.date(2005, 1, 1), datetime.date(2024, 12, 31)).map(lambda day: day.strftime("%d/%m/%Y"))
good_rows = st.tuples(
    names,
    st.sampled_from(["Nam", "Nữ", "nam", "NỮ"]),
    st.integers(1930, 1985).map(str),
    st.just("{chapter}"),
    joined,
    st.sampled_from(["", "", "", "", "", "BD-1", "bd-2"]),
    st.sampled_from(["", "Tổ 3", "Xóm Chợ, 12"]),
)
# One cell of a good row spoilt: (column, bad value).
spoilt = st.one_of(
    st.tuples(st.just(0), st.sampled_from(["", "  "])),
    st.tuples(st.just(1), st.sampled_from(["", "Khác?"])),
    st.tuples(st.just(2), st.sampled_from(["", "195x", "1850", "2030"])),
    st.tuples(st.just(3), st.sampled_from(["{other}", "KHONG-CO", ""])),
    st.tuples(st.just(4), st.sampled_from(["", "31/02/2020", "hôm qua"])),
)


@st.composite
def sheets(draw):
    """Good rows, and in about half the sheets one row with a spoilt cell somewhere."""
    rows = draw(st.lists(good_rows, min_size=1, max_size=6))
    damage = draw(st.one_of(st.none(), st.tuples(st.integers(0, len(rows) - 1), spoilt)))
    if damage is not None:
        index, (column, value) = damage
        row = list(rows[index])
        row[column] = value
        rows[index] = tuple(row)
    return rows


class Rollback(Exception):
    pass


def _write(path, tree, sheet):
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for row in sheet:
            writer.writerow([cell.format(chapter=tree.chapter.code, other=tree.outside_chapter.code) for cell in row])


def _validate(path, user):
    ctx = ImportContext(kind=member_kind, user=user, reason="Nhập thử")
    return ctx, pipeline.validate(member_kind, ctx, read_file(path))


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=sheets())
def test_any_sheet_is_committed_whole_or_refused_whole_and_a_second_import_changes_nothing(
    sheet, tree, secretary, tmp_path
):
    path = tmp_path / "ds.csv"
    _write(path, tree, sheet)
    try:
        with transaction.atomic():
            before = (Member.objects.count(), Membership.objects.count(), Member.history.count())
            ctx, result = _validate(path, secretary)
            if not result.ok:
                with pytest.raises(pipeline.CommitRefused):
                    pipeline.commit(member_kind, ctx, result)
                assert (Member.objects.count(), Membership.objects.count(), Member.history.count()) == before
                raise Rollback
            counts = pipeline.commit(member_kind, ctx, result)
            assert Member.objects.count() == before[0] + counts["new"] == before[0] + len(result.rows)
            assert Membership.objects.count() == before[1] + counts["new"]
            assert Member.history.count() == before[2] + counts["new"]
            assert not any(
                ch in name for name in Member.objects.values_list("full_name", flat=True) for ch in "\x07\x1b"
            )
            after = (Member.objects.count(), Member.history.count())
            ctx, again = _validate(path, secretary)
            assert again.ok, again.error_list(member_kind)
            assert again.counts["unchanged"] == len(again.rows), again.counts
            pipeline.commit(member_kind, ctx, again)
            assert (Member.objects.count(), Member.history.count()) == after
            raise Rollback
    except Rollback:
        pass
