"""Titles and classes figures: incremental == rebuilt, and the ratios a report states."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from chapters.models import BaselineFigure, Summary
from chapters.services.records import record_save
from chapters.summaries import summaries_rebuild, summaries_refresh
from learning_models.models import LearningClass, TitleRecord, TitleType
from learning_models.queries import class_figures, title_figures, title_figures_children
from learning_models.services.catalogue import target_save
from learning_models.services.classes import class_delete, class_save
from learning_models.services.records import (
    record_refuse,
    record_review,
    record_score,
    records_propose,
    records_recognise,
    registration_bulk_create,
    registration_create,
    registration_delete,
)

from .conftest import DECISION, FULL, YEAR

UNIT_SCORES = {"1": 28, "2": 18, "3": 45}


def snapshot():
    figures = ("titles.", "classes.")
    rows = Summary.objects.filter(figure__regex=r"^(titles|classes)\.")
    assert all(r.figure.startswith(figures) for r in rows)
    return sorted(rows.values_list("unit_id", "year", "period", "figure", "value"))


def recognise(records, officer, decision=DECISION, scores=FULL):
    for record in records:
        record_score(record, scores=scores)
        record_review(record, review_date=datetime.date(record.year, 12, 5))
    records = list(TitleRecord.objects.filter(pk__in=[r.pk for r in records]).select_related("unit", "title_type"))
    records_propose(records, actor=officer)
    records = list(TitleRecord.objects.filter(pk__in=[r.pk for r in records]).select_related("unit", "title_type"))
    records_recognise(records, actor=officer, **decision)


def baseline(unit, year, **values):
    record_save(BaselineFigure(unit=unit, year=year, **values))
    summaries_refresh(unit_ids=[unit.pk], years=[year], providers=["baseline"])


def test_incremental_summaries_equal_rebuilt(families, gdht, dvht, tree, officer):
    registration_bulk_create(title_type=gdht, year=YEAR, unit=tree.chapter)
    recognise(list(TitleRecord.objects.filter(household__in=[families.an, families.binh])), officer)
    cuong = TitleRecord.objects.get(household=families.cuong)
    record_score(cuong, scores=FULL)
    record_review(cuong, review_date=datetime.date(YEAR, 12, 5))
    records_propose([TitleRecord.objects.get(pk=cuong.pk)], actor=officer)
    record_refuse(TitleRecord.objects.get(pk=cuong.pk), reason="Chưa đạt", actor=officer)
    unit_title = registration_create(title_type=dvht, year=2024, subject_unit=families.school)
    recognise([unit_title], officer, {**DECISION, "decision_date": datetime.date(2024, 12, 20)}, UNIT_SCORES)
    registration_create(title_type=gdht, year=YEAR, household=families.outside, registered_on=datetime.date(YEAR, 3, 1))
    clan_record = registration_create(title_type=TitleType.objects.get(code="dhht"), year=YEAR, clan=families.clan)
    registration_delete(clan_record)
    lesson = LearningClass(unit=tree.commune, topic="Tin học cho người cao tuổi", starts_on=datetime.date(YEAR, 3, 2))
    class_save(lesson, participants=["Nguyễn Văn An", "Trần Thị Bình"])
    other = LearningClass(unit=tree.commune, topic="Trồng rau sạch", starts_on=datetime.date(YEAR, 9, 1), sessions=3)
    other.attendances = 120
    class_save(other)
    gone = LearningClass(unit=tree.commune, topic="Lớp hủy", starts_on=datetime.date(YEAR, 10, 1))
    class_save(gone, participants=["A"])
    class_delete(gone)
    incremental = snapshot()
    assert incremental

    Summary.objects.all().delete()
    summaries_rebuild()
    assert snapshot() == incremental


def test_title_figures_give_recognised_out_of_all_households_and_the_target(families, gdht, tree, officer):
    baseline(tree.chapter, YEAR, households=4)
    baseline(tree.other_chapter, YEAR, households=4)
    registration_bulk_create(title_type=gdht, year=YEAR, unit=tree.commune)
    recognise(list(TitleRecord.objects.filter(household__in=[families.an, families.binh])), officer)

    row = next(f for f in title_figures(tree.commune, YEAR) if f.title_type == gdht)
    assert (row.registered, row.recognised, row.holding, row.total) == (3, 2, 2, 8)
    assert row.recognised_text == "2/3 (66,7%)"
    assert row.holding_text == "2/8 (25,0%)"
    assert row.sentence == "2/8 gia đình được công nhận (25,0%)"
    assert row.target == 70 and row.target_met is False

    # A province sets its own target; the commune and the chapters below take it.
    target_save(unit=tree.province, title_type=gdht, year=YEAR, percent=20)
    row = next(f for f in title_figures(tree.commune, YEAR) if f.title_type == gdht)
    assert row.target == 20 and row.target_met is True

    children = dict(title_figures_children(tree.commune, YEAR, title_type=gdht))
    assert children[tree.chapter].holding_text == "2/4 (50,0%)"
    assert children[tree.other_chapter].holding_text == "0/4 (0,0%)"


def test_title_figures_read_summaries_only(families, gdht, tree):
    registration_bulk_create(title_type=gdht, year=YEAR, unit=tree.chapter)
    with CaptureQueriesContext(connection) as queries:
        rows = title_figures(tree.province, YEAR)
    assert next(f for f in rows if f.title_type == gdht).registered == 3
    touched = " ".join(q["sql"] for q in queries.captured_queries)
    assert "learning_models_titlerecord" not in touched


def test_class_figures_count_classes_sessions_and_attendances(tree):
    class_save(
        LearningClass(
            unit=tree.commune, topic="Pháp luật", starts_on=datetime.date(YEAR, 2, 1), sessions=2, attendances=80
        )
    )
    class_save(
        LearningClass(
            unit=tree.commune, topic="Chăn nuôi", starts_on=datetime.date(YEAR, 8, 1), sessions=4, attendances=60
        )
    )
    assert class_figures(tree.province, YEAR) == {
        "classes.count": 2,
        "classes.sessions": 6,
        "classes.attendances": 140,
    }
    assert class_figures(tree.commune, YEAR, period="H1")["classes.attendances"] == 80


def test_dashboard_titles_and_classes_equal_the_report(
    families, gdht, tree, officer, client_for, django_capture_on_commit_callbacks
):
    """Issue 9: the commune's dashboard and its report, computed at the same moment, state the same titles and
    classes (the seeds cover members, fund and awards: tests/reports/test_seeds.py)."""
    from django.urls import reverse

    from reports.models import ReportRun
    from reports.services import report_get_or_create, report_request_run

    baseline(tree.chapter, YEAR, households=4)
    baseline(tree.other_chapter, YEAR, households=4)
    registration_bulk_create(title_type=gdht, year=YEAR, unit=tree.commune)
    page = client_for(officer).get(reverse("reports:unit_dashboard", args=[tree.commune.pk]), {"year": YEAR})
    assert "titles.gdht" in {h.key for h in page.context["headlines"]}  # registered, none recognised yet

    recognise(list(TitleRecord.objects.filter(household__in=[families.an, families.binh])), officer)
    class_save(LearningClass(unit=tree.chapter, topic="Tin học cơ bản", starts_on=datetime.date(YEAR, 3, 2)))

    page = client_for(officer).get(reverse("reports:unit_dashboard", args=[tree.commune.pk]), {"year": YEAR})
    report = report_get_or_create(unit=tree.commune, year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        run = report_request_run(report=report, tree=ReportRun.Tree.PAST)
    run.refresh_from_db()
    current = run.figures["current"]
    headlines = {h.key: h for h in page.context["headlines"]}
    assert (headlines["titles.gdht"].value, current["titles.gdht.holding"]) == (2, 2)
    assert headlines["titles.gdht"].ratio == 2 / 8
    assert (headlines["classes.count"].value, current["classes.count"]) == (1, 1)
    chapter_row = next(row for row in page.context["children"] if row["unit"] == tree.chapter)
    assert (chapter_row["values"]["families"], chapter_row["families"]) == (2, 2 / 4)
    assert "25,0%" in page.content.decode()
