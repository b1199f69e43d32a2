"""Issue 15, item 11: an export of anything imports back unchanged, for every kind, from the whole scope and from
one commune (the file's unit)."""

import io
import pprint

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from chapters.models import Unit
from core.imports import jobs
from core.imports.kinds import KINDS, get_kind
from core.models import ImportJob
from core.spreadsheets.writing import export_xlsx
from tests.conftest import install_shipped_catalogue


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module (the tests only validate files) and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        install_shipped_catalogue()  # gone if a transactional test flushed the database before this module
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_data, db):
    return demo_data


def _reimport(kind, user, unit, tmp_path):
    stream, count = export_xlsx(kind, user, unit, purpose="Kiểm tra nhập lại")
    path = tmp_path / f"{kind.name}-{unit.code if unit else 'all'}.xlsx"
    path.write_bytes(stream.getvalue())
    job, read = jobs.job_create(kind=kind.name, path=path, file_name=path.name, unit=unit, user=user)
    job = jobs.job_validate(job, read)
    return count, job


# Since the pre-reform history (issue 14) joined the demo data, the file holds old wards and districts next to the
# new communes that took their codes: each row must find its own unit again (by its dates, and by its unit name
# where the data of a new commune predate its opening), and each unit its own parent and predecessors.
@pytest.mark.parametrize("username, code", [("thuky_xa", "00160"), (None, "01")])
def test_every_kind_exported_imports_back_unchanged(demo, tmp_path, username, code):
    """A commune secretary's export of her commune (and of her whole scope), and a command's export of the
    province (and of everything), each imported back by the same person: valid, nothing new, nothing changed."""
    user = get_user_model().objects.get(username=username) if username else None
    unit = Unit.objects.filter(code=code).order_by("active_until").first()
    problems, exported = {}, 0
    for name in sorted(KINDS):
        kind = get_kind(name)
        for scope in (unit, None):
            count, job = _reimport(kind, user, scope, tmp_path)
            exported += count
            if count and (job.status != ImportJob.Status.VALID or job.counts["new"] or job.counts["changed"]):
                problems[(name, scope.code if scope else "")] = (count, job.counts, job.errors[:3], job.message)
    assert exported > 100
    assert problems == {}, pprint.pformat(problems, width=200)
