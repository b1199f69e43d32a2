"""Issue 15: a property-based test of the import pipeline. Any generated members sheet is either committed
whole or refused whole, and importing a committed file again changes nothing."""

import csv
import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chapters.imports import pipeline
from chapters.imports.kinds import ImportContext
from chapters.imports.reading import read_file
from members.imports import member_kind
from members.models import Member, Membership

HEADER = ["Họ và tên", "Giới tính", "Năm sinh", "Mã chi hội", "Ngày vào hội", "Số thẻ hội viên", "Địa chỉ"]
LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXYàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợ"
names = st.text(alphabet=LETTERS + " \x07\x1b'=", min_size=0, max_size=24)
days = st.dates(min_value=datetime.date(1940, 1, 1), max_value=datetime.date(2030, 12, 31))
rows = st.lists(
    st.tuples(
        names,
        st.sampled_from(["Nam", "Nữ", "nam", "", "Khác?"]),
        st.one_of(st.integers(1850, 2030).map(str), st.sampled_from(["", "195x"])),
        st.sampled_from(["{chapter}", "{chapter}", "{other}", "KHONG-CO", ""]),
        st.one_of(days.map(lambda day: day.strftime("%d/%m/%Y")), st.sampled_from(["", "31/02/2020", "hôm qua"])),
        st.sampled_from(["", "", "BD-1", "BD-2", "bd-1"]),
        st.text(alphabet=LETTERS + " ,0123456789", max_size=20),
    ),
    min_size=1,
    max_size=6,
)


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
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=rows)
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
