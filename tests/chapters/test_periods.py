import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chapters.models import BaselineFigure, ClosedPeriod
from chapters.services.periods import PeriodClosed, period_close, period_guard, period_reopen
from chapters.services.records import record_delete, record_save


def test_officer_of_unit_above_closes_a_year_for_the_subtree(tree, officer):
    closure = period_close(unit=tree.chapter, year=2024, actor=officer)
    assert closure.closed_by == officer
    with pytest.raises(PeriodClosed) as error:
        period_guard([(tree.chapter, datetime.date(2024, 5, 1))])
    message = str(error.value)
    assert "2024" in message and "Lê Văn Minh" in message and "khóa sổ" in message
    # Another year and another chapter outside the subtree are unaffected.
    period_guard([(tree.chapter, datetime.date(2025, 1, 1)), (tree.outside_chapter, datetime.date(2024, 1, 1))])


def test_closing_a_commune_freezes_its_chapters(tree, administrator):
    period_close(unit=tree.commune, year=2024, actor=administrator)
    with pytest.raises(PeriodClosed) as error:
        period_guard([(tree.other_chapter, 2024)])
    assert "các đơn vị trực thuộc" in str(error.value)


def test_secretary_cannot_close(tree, secretary):
    with pytest.raises(PermissionDenied):
        period_close(unit=tree.chapter, year=2024, actor=secretary)
    assert not ClosedPeriod.objects.exists()


def test_officer_cannot_close_own_unit_but_administrator_of_it_can(tree, officer, administrator):
    with pytest.raises(PermissionDenied):
        period_close(unit=tree.commune, year=2024, actor=officer)
    period_close(unit=tree.province, year=2024, actor=administrator)
    assert ClosedPeriod.objects.filter(unit=tree.province, year=2024).exists()


def test_future_year_cannot_be_closed(tree, officer):
    with pytest.raises(ValidationError):
        period_close(unit=tree.chapter, year=datetime.date.today().year + 1, actor=officer)


def test_closed_year_refuses_create_change_and_delete(tree, officer, secretary):
    figure = record_save(BaselineFigure(unit=tree.chapter, year=2024, population=100), actor=secretary)
    period_close(unit=tree.chapter, year=2024, actor=officer)
    with pytest.raises(PeriodClosed):
        record_save(BaselineFigure(unit=tree.chapter, year=2024, population=1), actor=secretary)
    figure.population = 999
    with pytest.raises(PeriodClosed):
        record_save(figure, actor=secretary)
    with pytest.raises(PeriodClosed):
        record_delete(figure, actor=secretary)
    figure.refresh_from_db()
    assert figure.population == 100
    # Moving a fact out of a closed year is a change to that year too.
    figure.year = 2025
    with pytest.raises(PeriodClosed):
        record_save(figure, actor=secretary)


def test_reopen_needs_a_reason_and_is_recorded(tree, officer):
    period_close(unit=tree.chapter, year=2024, actor=officer)
    with pytest.raises(ValidationError):
        period_reopen(unit=tree.chapter, year=2024, actor=officer, reason=" ")
    closure = period_reopen(unit=tree.chapter, year=2024, actor=officer, reason="Bổ sung phiếu thu còn thiếu")
    assert closure.reopened_by == officer and closure.reopened_at
    period_guard([(tree.chapter, 2024)])
    # Closing again is possible and both rows stay on record.
    period_close(unit=tree.chapter, year=2024, actor=officer)
    assert ClosedPeriod.objects.filter(unit=tree.chapter, year=2024).count() == 2
