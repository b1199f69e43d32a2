import io

import pytest
from django.core.management import CommandError, call_command

from chapters.models import Summary
from tests.factories import BaselineFigureFactory


def rebuild(*args) -> str:
    out = io.StringIO()
    call_command("rebuild_summaries", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_rebuild_restores_lost_summaries_and_prints_the_row_count(tree):
    BaselineFigureFactory(unit=tree.chapter, year=2024, population=1200, households=300)
    Summary.objects.all().delete()
    output = rebuild()
    assert Summary.objects.filter(unit=tree.chapter, year=2024, figure="baseline.population", value=1200).exists()
    assert f"Đã tính lại {Summary.objects.count():,}".replace(",", ".") in output


@pytest.mark.django_db
def test_rebuild_of_one_unit_and_year_leaves_the_rest(tree):
    BaselineFigureFactory(unit=tree.chapter, year=2024, population=1200)
    BaselineFigureFactory(unit=tree.outside_chapter, year=2024, population=900)
    Summary.objects.all().delete()
    output = rebuild("--unit", tree.commune.code, "--year", "2024")
    assert Summary.objects.filter(unit=tree.chapter, figure="baseline.population").exists()
    assert not Summary.objects.filter(unit=tree.outside_chapter).exists()
    assert not Summary.objects.exclude(year=2024).exists()
    assert tree.commune.display_name in output and "năm 2024" in output


@pytest.mark.django_db
def test_unknown_unit_or_bad_year_is_refused_in_vietnamese(tree):
    before = Summary.objects.count()
    with pytest.raises(CommandError, match="Không có đơn vị nào mang mã «XYZ»"):
        rebuild("--unit", "XYZ")
    with pytest.raises(CommandError, match="Năm «hai nghìn» không hợp lệ"):
        rebuild("--year", "hai nghìn")
    assert Summary.objects.count() == before
