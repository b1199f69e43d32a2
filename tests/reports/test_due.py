import datetime

from django.urls import reverse
from django.utils import timezone

from chapters.models import BaselineFigure
from chapters.services.records import record_save
from chapters.summaries import summaries_refresh
from reports.due import what_is_due


def labels(due):
    return [item["label"] for entry in due for item in entry["items"]]


def test_secretary_sees_what_is_missing_and_it_goes_once_entered(client_for, secretary, tree):
    year = timezone.localdate().year
    page = client_for(secretary).get(reverse("home"))
    assert page.status_code == 200
    assert any(f"số liệu nền năm {year}" in label for label in labels(page.context["due"]))
    assert "Việc còn phải làm năm nay" in page.content.decode()

    record_save(BaselineFigure(unit=tree.chapter, year=year, population=900), actor=secretary)
    summaries_refresh(unit_ids=[tree.chapter.pk], years=[year], providers=["baseline"])
    assert not any("số liệu nền" in label for label in labels(what_is_due(secretary)))


def test_officer_is_told_last_years_report_is_not_sent(officer, tree):
    due = what_is_due(officer)
    assert [entry["unit"] for entry in due] == [tree.commune]
    last = timezone.localdate().year - 1
    report_items = [item for item in due[0]["items"] if "Báo cáo tổng kết" in item["label"]]
    assert report_items and str(last) in report_items[0]["label"]
    assert report_items[0]["late"] == (timezone.localdate() > datetime.date(last, 12, 15))


def test_viewer_has_nothing_due(viewer):
    assert what_is_due(viewer) == []
