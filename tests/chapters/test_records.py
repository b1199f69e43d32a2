import pytest

from chapters.models import BaselineFigure
from chapters.services.records import EditConflict, record_save


def test_second_stale_save_is_refused_with_what_changed(tree, secretary, commune_secretary):
    figure = record_save(BaselineFigure(unit=tree.chapter, year=2024, population=100), actor=secretary)
    opened_version = figure.version

    first = BaselineFigure.objects.get(pk=figure.pk)
    first.population = 120
    record_save(first, actor=commune_secretary, expected_version=opened_version)

    second = BaselineFigure.objects.get(pk=figure.pk)
    second.population = 999
    with pytest.raises(EditConflict) as error:
        record_save(second, actor=secretary, expected_version=opened_version)
    message = str(error.value)
    assert "Trần Thị Hoa" in message and "100" in message and "120" in message
    figure.refresh_from_db()
    assert figure.population == 120


def test_every_change_is_in_the_history_with_who(tree, secretary):
    figure = record_save(BaselineFigure(unit=tree.chapter, year=2024, population=100), actor=secretary)
    figure.households = 40
    record_save(figure, actor=secretary, expected_version=figure.version, reason="Sửa theo số liệu xã")
    records = list(figure.history.order_by("history_date"))
    assert [r.history_type for r in records] == ["+", "~"]
    assert records[-1].history_user == secretary
    assert records[-1].history_change_reason == "Sửa theo số liệu xã"
    assert "households" in records[-1].diff_against(records[0]).changed_fields
    assert (records[0].version, records[-1].version) == (1, 2)


def test_command_changes_are_recorded_with_the_command_line(tree, monkeypatch):
    monkeypatch.setattr("sys.argv", ["manage.py", "import_data", "baseline", "so-lieu.xlsx"])
    figure = record_save(BaselineFigure(unit=tree.chapter, year=2024, population=5))
    record = figure.history.get()
    assert record.history_user is None
    assert record.history_change_reason == "lệnh: import_data baseline so-lieu.xlsx"
