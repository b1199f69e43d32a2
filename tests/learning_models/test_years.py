"""Criteria sets and targets by year (issue #13, item 7): years before the shipped sets take a "recognition only"
set, so their back data imports; the target of a year is the one in force that year, named by its decision."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from learning_models.imports import titles_kind
from learning_models.models import CriteriaSet, TitleRecord, TitleType
from learning_models.queries import targets_in_force, title_figures
from learning_models.services.catalogue import CriterionRow, criteria_set_for, criteria_set_update, target_save
from learning_models.services.records import (
    records_propose,
    records_recognise,
    records_review,
    registration_create,
)
from reports.documents import title_types
from reports.sections import learning_society

from .test_imports import errors, run, sheet


def test_years_before_the_shipped_sets_take_a_recognition_only_set(tree, families, dvht):
    old = criteria_set_for(title_type=dvht, unit=families.school, year=2019)
    assert old is not None and old.recognition_only and not old.criteria.exists()
    assert (old.year_from, old.year_until) == (1990, 2023)
    current = criteria_set_for(title_type=dvht, unit=families.school, year=2024)
    assert not current.recognition_only and current.criteria.exists()
    # Every shipped title has a set for every year it can be recorded in.
    for title_type in TitleType.objects.all():
        for year in (1995, 2015, 2020, 2025):
            assert criteria_set_for(title_type=title_type, unit=tree.chapter, year=year) is not None, (title_type, year)


def test_back_data_of_a_year_before_the_criteria_imports_and_is_recognised_without_scores(
    tmp_path, tree, families, commune_secretary, officer
):
    path = sheet(
        tmp_path,
        [
            ["Mã chi hội", "Danh hiệu", "Năm", "Tên", "Ngày đăng ký"],
            [families.school.code, "Đơn vị học tập cấp xã", 2020, "", "15/01/2020"],
            [tree.chapter.code, "Công dân học tập", 2021, "Phạm Thị Hoa", "10/02/2021"],
        ],
    )
    result = run(titles_kind, path, commune_secretary)
    assert result.ok, errors(result)
    records = list(TitleRecord.objects.order_by("year"))
    assert [(r.year, r.criteria_set.recognition_only, r.scores) for r in records] == [
        (2020, True, {}),
        (2021, True, {}),
    ]

    records_review(records, review_date=datetime.date(2021, 12, 1), actor=commune_secretary)
    records_propose(records, actor=officer, proposed_on=datetime.date(2021, 12, 5))
    records_recognise(
        records,
        decision_number="12/QĐ-UBND",
        decision_date=datetime.date(2021, 12, 20),
        decision_issuer="UBND phường Bạch Đằng",
        actor=officer,
    )
    assert set(TitleRecord.objects.values_list("status", flat=True)) == {TitleRecord.Status.RECOGNISED}


def test_a_recognition_only_set_takes_no_criteria(tree, dvht, families):
    old = criteria_set_for(title_type=dvht, unit=families.school, year=2019)
    with pytest.raises(ValidationError, match="không có tiêu chí chấm điểm"):
        criteria_set_update(old, rows=[CriterionRow("1", "Tiêu chí", "", "50")])
    assert not CriteriaSet.objects.get(pk=old.pk).criteria.exists()


def test_the_target_of_a_year_is_the_one_in_force_that_year(tree, gdht):
    # Decision 387 (2022) sets 70% by 2025: it says nothing of 2019, nor of 2026.
    assert targets_in_force(tree.commune, [gdht], 2019)[gdht.pk] == (None, "")
    target, basis = targets_in_force(tree.commune, [gdht], 2023)[gdht.pk]
    assert target == 70 and basis.startswith("Quyết định 387/QĐ-TTg")
    assert targets_in_force(tree.commune, [gdht], 2026)[gdht.pk] == (None, "")

    # A province's own target from 2023 to 2024 replaces it in those years only.
    target_save(
        unit=tree.province,
        title_type=gdht,
        year=2023,
        year_until=2024,
        percent=Decimal(60),
        basis="Nghị quyết 05/NQ-HKH",
    )
    assert targets_in_force(tree.commune, [gdht], 2024)[gdht.pk] == (60, "Nghị quyết 05/NQ-HKH")
    assert targets_in_force(tree.commune, [gdht], 2025)[gdht.pk][0] == 70
    # Open-ended: until the province sets a later one.
    target_save(unit=tree.province, title_type=gdht, year=2026, percent=Decimal(75))
    assert targets_in_force(tree.commune, [gdht], 2028)[gdht.pk][0] == 75
    row = next(f for f in title_figures(tree.commune, 2019) if f.title_type == gdht)
    assert row.target is None and row.target_met is None


def test_the_report_names_the_decision_its_target_comes_from_and_gives_none_before_it(tree, gdht):
    class Figures(dict):
        """The part of PeriodFigures the paragraph reads: a year's figures, no term."""

        period, year, current = "year", 2024, {}

        def get(self, name, default=0):
            return super().get(name, default)

    figures = Figures({"titles.gdht.registered": 80, "titles.gdht.recognised": 60, "titles.gdht.holding": 60,
                       "baseline.households": 100})  # fmt: skip
    from unittest import mock

    with mock.patch("reports.sections.compared", return_value=""):
        text_2024 = " ".join(learning_society(figures, title_types(tree.commune, 2024)).paragraphs)
        text_2019 = " ".join(learning_society(figures, title_types(tree.commune, 2019)).paragraphs)
    assert "chưa đạt chỉ tiêu 70% (chỉ tiêu đến năm 2025 theo Quyết định 387/QĐ-TTg ngày 25/3/2022)" in text_2024
    assert "((" not in text_2024 and "))" not in text_2024
    assert "chỉ tiêu" not in text_2019
    assert next(t for t in title_types(tree.commune, 2019) if t["code"] == "gdht")["target"] is None


def test_registration_of_a_year_before_the_criteria_works_for_a_unit_title(tree, families, dvht, commune_secretary):
    record = registration_create(
        title_type=dvht, year=2018, subject_unit=families.school, registered_on=datetime.date(2018, 1, 10)
    )
    assert record.criteria_set.recognition_only


@pytest.fixture
def keyer(tree, officer):
    """The commune's officer who also keys data (roles add up): she imports back data with its decisions."""
    from chapters.models import Role
    from tests.factories import RoleFactory

    RoleFactory(user=officer, unit=tree.commune, kind=Role.Kind.SECRETARY)
    return officer


def test_back_data_recognised_on_paper_imports_with_its_decision(tmp_path, tree, families, keyer, commune_secretary):
    from chapters.models import Summary

    officer = keyer
    header = [
        "Mã chi hội",
        "Danh hiệu",
        "Năm",
        "Mã hộ",
        "Ngày đăng ký",
        "Số quyết định",
        "Ngày QĐ",
        "Cơ quan ra quyết định",
    ]
    rows = [
        header,
        [tree.chapter.code, "gdht", 2015, "H01", "10/01/2015", "45/QĐ-UBND", "20/12/2015", "UBND phường Bạch Đằng"],
        [tree.chapter.code, "gdht", 2015, "H02", "10/01/2015", "", "", ""],
    ]
    # A secretary keys registrations, not decisions.
    refused = run(titles_kind, sheet(tmp_path, rows), commune_secretary, commit=False)
    assert [(row, column) for row, column, _message in errors(refused)] == [(3, "Số quyết định")]
    assert not TitleRecord.objects.exists()

    result = run(titles_kind, sheet(tmp_path, rows, name="cu.xlsx"), officer)
    assert result.ok, errors(result)
    an = TitleRecord.objects.get(household=families.an)
    assert (an.status, an.locked, an.decision_number, an.valid_until_year) == (
        TitleRecord.Status.RECOGNISED,
        True,
        "45/QĐ-UBND",
        2015,
    )
    assert an.criteria_set.recognition_only and an.history.get().history_user == officer
    assert TitleRecord.objects.get(household=families.binh).status == TitleRecord.Status.REGISTERED
    figure = Summary.objects.get(unit=tree.chapter, year=2015, period="Y", figure="titles.gdht.recognised")
    assert figure.value == 1

    again = run(titles_kind, sheet(tmp_path, rows, name="lai.xlsx"), officer)
    assert again.counts["unchanged"] == 2
    other = [header, [tree.chapter.code, "gdht", 2015, "H01", "", "99/QĐ-UBND", "21/12/2015", "UBND phường"]]
    clash = run(titles_kind, sheet(tmp_path, other, name="khac.xlsx"), officer)
    assert "đã khóa với quyết định 45/QĐ-UBND" in errors(clash)[0][2]


def test_a_decision_for_a_scored_record_below_the_criteria_is_refused(tmp_path, tree, families, keyer):
    officer = keyer
    rows = [
        ["Mã chi hội", "Danh hiệu", "Năm", "Mã hộ", "Ngày đăng ký", "Điểm 1.1", "Điểm 1.2", "Điểm 1.3", "Điểm 2",
         "Điểm 3", "Điểm 4", "Số quyết định", "Ngày QĐ", "Cơ quan ra quyết định"],
        [tree.chapter.code, "gdht", 2024, "H01", "10/01/2024", 5, 5, 5, 20, 15, 15, "7/QĐ", "20/12/2024", "UBND"],
    ]  # fmt: skip
    result = run(titles_kind, sheet(tmp_path, rows), officer)
    assert "chưa đạt tiêu chí" in errors(result)[0][2]
    assert not TitleRecord.objects.exists()
