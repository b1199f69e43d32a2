"""Bulk writes through the import machinery (core/imports): JSON rows become the same kind of sheet a
secretary uploads, and go through the same validation, all-or-nothing commit, history and summaries."""

import csv
import datetime
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.imports import jobs
from core.imports.kinds import get_kind
from core.models import ImportJob

# The names other API endpoints use for the same thing, so a client can send what it reads.
ALIASES = {"birth_year": "birth", "birth_date": "birth", "title_type": "title"}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def rows_to_csv(kind_name: str, rows: list[dict], path: Path) -> None:
    """Write `rows` as a CSV the importer reads: a key naming a column's field becomes its Vietnamese header;
    any other key is used as a header as it is (the importer matches headers and their variants); a `scores`
    object becomes one «Điểm <criterion>» column per criterion."""
    headers = {column.field: column.header for column in get_kind(kind_name).columns}
    flat_rows = []
    names: dict[str, None] = {}
    for row in rows:
        flat = {}
        for key, value in row.items():
            if key == "scores" and isinstance(value, dict):
                for code, score in value.items():
                    flat[f"Điểm {code}"] = score
            else:
                key = ALIASES.get(key, key) if ALIASES.get(key) in headers else key
                flat[headers.get(key, key)] = value
        flat_rows.append(flat)
        names.update(dict.fromkeys(flat))
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(list(names))
        for flat in flat_rows:
            writer.writerow([_cell(flat.get(name)) for name in names])


def bulk_start(*, kind: str, rows: list[dict], user, unit=None) -> tuple[ImportJob, bool]:
    """Create the import job for `rows` and run it: inline up to IMPORT_SYNC_MAX_ROWS rows (validate, then
    commit when valid), else in a Celery task started after this transaction commits.

    Returns (job, already): `already` when the same rows were imported before (nothing changes; the job
    returned is that earlier one). Raises FileRejected for rows the importer cannot read at all.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"api-{kind}-{timezone.now():%Y%m%d-%H%M%S}.csv"
        rows_to_csv(kind, rows, path)
        try:
            job, read = jobs.job_create(kind=kind, path=path, file_name=path.name, unit=unit, user=user)
        except jobs.AlreadyImported as error:
            return error.job, True
    if job.total_rows > settings.IMPORT_SYNC_MAX_ROWS:
        from .tasks import bulk_import

        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.PENDING)
        job.status = ImportJob.Status.PENDING
        transaction.on_commit(lambda: bulk_import.delay(job.pk, user.pk))
        return job, False
    job = jobs.job_validate(job, read)
    if job.status == ImportJob.Status.VALID:
        job = jobs.job_commit(job, user=user)
    return job, False


def bulk_run(job: ImportJob, user) -> ImportJob:
    """The background half: validate, then commit when valid (no preview to confirm: the API asked for it)."""
    job = jobs.job_validate(job)
    if job.status == ImportJob.Status.VALID:
        job = jobs.job_commit(job, user=user)
    return job
