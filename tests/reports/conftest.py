"""Approval fixtures: a province officer above the commune's officer, and reports ready to finalise."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chapters.models import Role
from reports.models import Report, ReportRun
from reports.services import report_finalise, report_get_or_create, report_submit
from tests.factories import RoleFactory, UserFactory

YEAR = 2025


@pytest.fixture(autouse=True)
def default_deadlines(request):
    """The calendar migration 0002 seeds (a transactional test elsewhere may have flushed it)."""
    if "db" in request.fixturenames:
        from reports.deadlines import deadlines_seed

        request.getfixturevalue("db")
        deadlines_seed()


@pytest.fixture
def province_officer(tree):
    user = UserFactory(username="canbo_tinh", first_name="Mai", last_name="Đỗ Thị", email="mai@tinh.example")
    RoleFactory(user=user, unit=tree.province, kind=Role.Kind.OFFICER)
    return user


def scan(name: str = "ban-ky.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 ban ky, dong dau", content_type="application/pdf")


def ready(unit, *, year: int = YEAR, actor=None) -> Report:
    """A report with a finished render, as after «Tạo bản in» (the render itself is tested in test_render.py)."""
    report = report_get_or_create(unit=unit, year=year, actor=actor)
    ReportRun.objects.create(report=report, status=ReportRun.Status.DONE, requested_by=actor)
    return report


def sent(unit, actor, *, year: int = YEAR) -> Report:
    """Finalised and submitted by `actor` (an officer of the unit)."""
    report = report_finalise(report=ready(unit, year=year, actor=actor), actor=actor)
    return report_submit(report=report, scan=scan(), actor=actor)
