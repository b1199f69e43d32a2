"""Reports and dashboards on the loaded pre-reform tree (issue 14): a merged province's 2024 as it was, and the
same year regrouped under today's communes; a 2024 member list keyed by old commune codes."""

import datetime
import io
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse

from chapters.models import BaselineFigure, Lineage, Role, Unit
from chapters.services.records import record_save
from chapters.summaries import summaries_refresh
from reports import documents
from reports.services import report_get_or_create
from tests.factories import RoleFactory, UserFactory

D = datetime.date
LAST_DAY = D(2025, 6, 30)


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


@pytest.fixture
def tuyen_quang(db):
    """Today's Tuyên Quang (code 08): old Tuyên Quang carried on, Hà Giang (02) merged into it."""
    call_command("load_divisions", province="08", history=True, stdout=io.StringIO(), stderr=io.StringIO())
    return Unit.objects.get(code="08", level=Unit.Level.PROVINCE)


@pytest.fixture
def figures_2024(tuyen_quang):
    """Population of two old communes in 2024: one of old Tuyên Quang, one of Hà Giang."""
    ha_giang = Unit.objects.get(code="02", level=Unit.Level.PROVINCE)
    ours = Unit.objects.filter(level=Unit.Level.COMMUNE, active_until=LAST_DAY, path__startswith=tuyen_quang.path)
    theirs = Unit.objects.filter(level=Unit.Level.COMMUNE, path__startswith=ha_giang.path)
    own, merged = ours.order_by("code").first(), theirs.order_by("code").first()
    record_save(BaselineFigure(unit=own, year=2024, population=10_000, households=2_500))
    record_save(BaselineFigure(unit=merged, year=2024, population=7_000, households=1_800))
    summaries_refresh(unit_ids=[own.pk, merged.pk], years=[2024], providers=["baseline"])
    return own, merged


def test_a_2024_report_of_a_merged_province_on_its_past_tree_and_on_todays(tuyen_quang, figures_2024, tmp_path):
    own, merged = figures_2024
    report = report_get_or_create(unit=tuyen_quang, year=2024)

    past = documents.build_content(report, tree="past")
    assert past["figures"].get("baseline.population") == 10_000  # Hà Giang was another province in 2024
    past_rows = {row["name"] for row in past["return_rows"]}
    assert len(past_rows) == 7 and own.parent.display_name in past_rows  # old Tuyên Quang's seven districts
    assert all(name.startswith(("Hội Khuyến học huyện", "Hội Khuyến học thành phố")) for name in past_rows)
    text = pdf_text(documents.render_pdf(past)[0], tmp_path)
    assert "TỈNH TUYÊN QUANG" in text and "thành phố Tuyên Quang 0 0 10.000" in text

    today = documents.build_content(report, tree="today")
    assert today["figures"].get("baseline.population") == 17_000
    rows = {row["name"]: row for row in today["return_rows"]}
    successor = Lineage.objects.get(predecessor=merged, primary=True).successor
    assert rows[successor.display_name]["values"][2] == 7_000  # "Dân số", regrouped under today's commune
    assert [name for name in rows if "huyện" in name or "tỉnh Hà Giang" in name] == []
    assert len(rows) == 124  # today's communes of Tuyên Quang
    text = pdf_text(documents.render_pdf(today)[0], tmp_path)
    assert "theo tổ chức hiện nay" in text and f"{successor.name.split(' ', 1)[1]} 0 0 7.000" in text


def test_the_dashboard_of_2024_shows_the_districts_and_today_the_communes(tuyen_quang, figures_2024, client_for):
    officer = UserFactory(username="canbo_tinh")
    RoleFactory(user=officer, unit=tuyen_quang, kind=Role.Kind.OFFICER)
    client = client_for(officer)
    url = reverse("reports:unit_dashboard", args=[tuyen_quang.pk])
    own, merged = figures_2024

    past = client.get(url, {"year": 2024}).content.decode()
    assert own.parent.display_name in past and "tỉnh Hà Giang" not in past
    today = client.get(url, {"year": 2024, "tree": "today"}).content.decode()
    successor = Lineage.objects.get(predecessor=merged, primary=True).successor
    assert successor.display_name in today and own.parent.display_name not in today


def test_render_report_for_an_old_code_finds_the_unit_of_that_year(tuyen_quang, figures_2024, tmp_path):
    out = io.StringIO()
    call_command("render_report", unit="02", year=2024, out=str(tmp_path / "hg.pdf"), stdout=out)
    assert "Tỉnh Hà Giang" in out.getvalue() or "tỉnh Hà Giang" in out.getvalue()
    text = pdf_text((tmp_path / "hg.pdf").read_bytes(), tmp_path)
    assert "TỈNH HÀ GIANG" in text
