"""reports.documents.title_types: the titles and the targets in force, which every dashboard and report shows,
kept by each process between requests under the catalogue's version (issue 19: two queries and ~3 ms of each
dashboard) and seen again at once after any change."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from chapters.models import Unit
from learning_models.models import TitleType
from learning_models.services.catalogue import target_save
from reports.documents import title_types


def gdht_row(unit, year):
    return next(row for row in title_types(unit, year) if row["code"] == "gdht")


def test_the_titles_are_kept_between_requests_and_every_change_is_seen_at_once(tree):
    first = title_types(tree.commune, 2025)
    with CaptureQueriesContext(connection) as queries:
        again = title_types(tree.commune, 2025)
    assert again == first
    assert len(queries) == 1, [q["sql"] for q in queries]  # the catalogue's version, nothing else
    again[0]["target"] = Decimal(99)  # each call has its own rows: a page cannot change what the next one reads
    assert title_types(tree.commune, 2025) == first

    gdht = TitleType.objects.get(code="gdht")
    target_save(unit=tree.province, title_type=gdht, year=2025, percent=Decimal(20))
    row = gdht_row(tree.commune, 2025)
    assert row["target"] == Decimal(20)
    assert row["target_basis"] == f"Chỉ tiêu của {tree.province.display_name}"
    assert gdht_row(tree.commune, 2024)["target"] != Decimal(20)  # not yet in force

    Unit.objects.filter(pk=tree.province.pk).update(name="Tỉnh Đổi Tên")
    assert gdht_row(tree.commune, 2025)["target_basis"] == "Chỉ tiêu của Hội Khuyến học tỉnh Đổi Tên"
    TitleType.objects.filter(pk=gdht.pk).update(name="Gia đình học tập (sửa)", active=True)
    assert gdht_row(tree.commune, 2025)["name"] == "Gia đình học tập (sửa)"
    TitleType.objects.filter(pk=gdht.pk).update(active=False)
    assert "gdht" not in {row["code"] for row in title_types(tree.commune, 2025)}
