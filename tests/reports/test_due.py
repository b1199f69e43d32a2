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


def test_the_home_page_reads_the_users_roles_with_their_units_once(client_for, tree, officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chapters import scoping
    from chapters.models import Role, Unit
    from tests.factories import CommuneFactory, RoleFactory

    # Roles on an open commune (officer), a closed commune (secretary: nothing due there) and a chapter (viewer).
    closed = CommuneFactory(parent=tree.province, name="Xã Cũ", code="10009", division_type="xã")
    Unit.objects.filter(pk=closed.pk).update(active_until=datetime.date(2025, 6, 30))
    RoleFactory(user=officer, unit=closed, kind=Role.Kind.SECRETARY)
    RoleFactory(user=officer, unit=tree.chapter, kind=Role.Kind.VIEWER)
    client = client_for(officer)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home"))
    role_queries = [q["sql"] for q in queries.captured_queries if '"chapters_role"' in q["sql"]]
    # The page's roles with their units; scoping's (kind, path) are kept between requests (chapters.scoping).
    assert len(role_queries) == 1
    # The same units, in the same order, as the queries they replace.
    assert page.context["units"] == list(scoping.top_units(officer)[:20])
    assert [entry["unit"] for entry in page.context["due"]] == [entry["unit"] for entry in what_is_due(officer)]
    assert [entry["unit"] for entry in page.context["due"]] == [tree.commune]
