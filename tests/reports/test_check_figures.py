"""check_figures: every printed figure recomputed from the facts; a difference is a non-zero exit that says,
in Vietnamese, which unit, period and figure differ and by how much."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chapters.models import Summary
from chapters.summaries import summaries_changed

from . import golden


@pytest.fixture
def term(tree):
    golden.build(tree)
    return tree


@pytest.mark.parametrize(
    ("period", "year", "shape"),
    [("year", 2025, "past"), ("h1", 2025, "past"), ("term", 2025, "past"), ("year", 2023, "today")],
)
def test_check_figures_passes_when_the_summaries_are_right(term, capsys, period, year, shape):
    call_command("check_figures", unit=term.commune.code, year=year, period=period, tree=shape)
    out = capsys.readouterr().out
    assert "Mọi số liệu khớp với dữ liệu gốc" in out and "phường Bạch Đằng" in out


def test_check_figures_fails_on_a_summary_that_disagrees_with_the_facts(term, capsys):
    row = Summary.objects.get(unit=term.chapter, year=2025, period="Y", figure="members.end")
    row.value += 1
    row.save()
    summaries_changed(None)
    with pytest.raises(CommandError, match="không khớp với dữ liệu gốc"):
        call_command("check_figures", unit=term.commune.code, year=2025)
    err = capsys.readouterr().err
    assert (
        "Chi hội tổ dân phố số 1, năm 2025 – “Hội viên (cuối kỳ)”: báo cáo in 7, tính lại từ dữ liệu gốc được 6" in err
    )
    assert "phường Bạch Đằng (tổng), năm 2025 – “Hội viên (cuối kỳ)”: báo cáo in 9" in err


def test_check_figures_refuses_an_unknown_unit(db):
    with pytest.raises(CommandError, match="Không tìm thấy đơn vị có mã XYZ"):
        call_command("check_figures", unit="XYZ", year=2025)
