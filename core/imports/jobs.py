"""Import jobs (ImportJob): the services behind the upload screens, the Celery tasks and `import_data`.

    job_create(kind=..., path=..., file_name=..., unit=..., user=...)   checks and stores the file → (job, read)
    job_start_validation(job, read)    inline for small files, a Celery task past IMPORT_SYNC_MAX_ROWS rows
    job_validate(job)                  the preview: counts, every error, conversions, column mapping
    job_remap(job, mapping=...)        the user's column mapping, then validation again
    job_start_commit(job, user=...)    inline or a Celery task
    job_commit(job, user=...)          validates again and writes all or nothing
    job_cancel(job, user=...)

A file already committed for the same kind and scope (same SHA-256) is refused with AlreadyImported: nothing
changes. A file refused as a whole (too big, not a spreadsheet, a zip bomb, no header) raises FileRejected and
creates no job.
"""

import datetime
import hashlib
import logging
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from core.formatting import number
from core.history import command_line
from core.models import ImportJob
from core.queueing import QUEUE_DOWN, QueueUnavailable, send
from core.spreadsheets.headers import find_header
from core.spreadsheets.parsing import parse_date
from core.spreadsheets.reading import FileRejected, ReadFile, check_size, read_file
from core.text import fold, person_name

from . import pipeline
from .kinds import ImportContext, get_kind

logger = logging.getLogger(__name__)
Status = ImportJob.Status


class AlreadyImported(Exception):
    def __init__(self, job: ImportJob):
        self.job = job
        when = timezone.localtime(job.finished_at or job.created_at)
        self.message = (
            f"Tệp này đã được nhập lúc {when:%H:%M} ngày {when:%d/%m/%Y} (lần nhập #{job.pk}); không có gì thay đổi."
        )
        super().__init__(self.message)


def kind_of(job: ImportJob):
    kind = get_kind(job.kind)
    if kind is None:
        raise FileRejected(f"Loại dữ liệu «{job.kind}» chưa được hỗ trợ.")
    return kind


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def local_path(uploaded):
    """A path on disk for an uploaded file or a stored one (FileSystemStorage gives it directly)."""
    path = getattr(uploaded, "temporary_file_path", None)
    if path is not None:
        yield Path(path())
        return
    try:
        yield Path(uploaded.path)
        return
    except (AttributeError, NotImplementedError, ValueError):
        pass
    with tempfile.NamedTemporaryFile(suffix=Path(uploaded.name or "").suffix) as copy:
        uploaded.open("rb")
        uploaded.seek(0)
        shutil.copyfileobj(uploaded, copy, 1 << 20)
        copy.flush()
        yield Path(copy.name)


def job_reason(job: ImportJob) -> str:
    """The change reason recorded with every row the job writes (history_change_reason holds 100 characters);
    a command's line follows, cut if need be."""
    name, suffix = job.file_name, f" (lần nhập #{job.pk})"
    room = 100 - len("Nhập từ tệp ") - len(suffix)
    if len(name) > room:
        name = name[: room - 1] + "…"
    reason = f"Nhập từ tệp {name}{suffix}"
    if job.created_by_id is None and job.actor:
        reason = f"{reason}, {job.actor}"
    return reason[:100]


def _context(job: ImportJob, user) -> ImportContext:
    return kind_of(job).context(user=user, scope_unit=job.unit, reason=job_reason(job), as_of=job.as_of)


def _already(job_kind: str, digest: str, unit) -> ImportJob | None:
    return (
        ImportJob.objects.filter(kind=job_kind, file_hash=digest, unit=unit, status=Status.DONE)
        .order_by("-finished_at")
        .first()
    )


def as_of_parse(value) -> datetime.date | None:
    """The "as of" day of a file, as the upload form and `import_data --on` take it: a date (31/12/2024) or a
    year alone (2024: its last day). Raises ParseError with a Vietnamese message."""
    text = str(value or "").strip()
    if not text:
        return None
    if text.isdigit() and len(text) == 4:
        return datetime.date(int(text), 12, 31)
    return parse_date(text)


def job_create(
    *,
    kind: str,
    path: Path,
    file_name: str,
    unit=None,
    user=None,
    actor: str = "",
    as_of: datetime.date | None = None,
):
    """Check the file (size first, then type, zip bomb, header) and keep it with a new job.

    Returns (job, read file). Raises FileRejected or AlreadyImported; no job is created then.
    """
    import_kind = get_kind(kind)
    if import_kind is None:
        raise FileRejected(f"Loại dữ liệu «{kind}» chưa được hỗ trợ.")
    path = Path(path)
    check_size(path.stat().st_size)
    read = read_file(path)
    header = find_header(read.sheets, import_kind)
    digest = file_hash(path)
    previous = _already(kind, digest, unit)
    if previous is not None:
        raise AlreadyImported(previous)
    authenticated = user if getattr(user, "is_authenticated", False) else None
    job = ImportJob(
        kind=kind,
        file_name=Path(file_name).name[:255],
        file_hash=digest,
        file_size=path.stat().st_size,
        unit=unit,
        created_by=authenticated,
        actor=(actor or (person_name(authenticated) if authenticated else ""))[:255],
        file_type=read.type_label[:60],
        sheet_name=header.sheet.name[:255],
        header_row=header.row_number,
        total_rows=len(header.data_rows),
        as_of=as_of,
    )
    with path.open("rb") as stream:
        job.file.save(get_valid_filename(Path(file_name).name) or "tep-nhap", File(stream), save=False)
    job.save()
    return job, read


def _set(job: ImportJob, **fields) -> None:
    fields["heartbeat_at"] = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _progress(job: ImportJob, start: int, span: int):
    last = [-1]

    def report(fraction: float) -> None:
        value = max(0, min(100, int(start + span * fraction)))
        if value != last[0]:
            last[0] = value
            _set(job, progress=value)

    return report


def _read(job: ImportJob) -> ReadFile:
    with local_path(job.file) as path:
        return read_file(path)


def _store(job: ImportJob, kind, result: pipeline.Result, *, status: str | None = None, message: str = "") -> None:
    counts = result.counts
    job.counts = counts
    job.errors = result.error_list(kind)
    job.warnings = result.warning_list(kind)
    job.preview = pipeline.preview(kind, result)
    if result.header is not None:
        job.sheet_name = result.header.sheet.name[:255]
        job.header_row = result.header.row_number
    job.total_rows = counts["total"]
    job.progress = 100
    if status is None:
        status = Status.VALID if result.ok else Status.INVALID
    job.status = status
    if not message:
        if result.ok:
            message = (
                f"Tệp hợp lệ: {number(counts['new'])} dòng mới, {number(counts['changed'])} dòng thay đổi, "
                f"{number(counts['unchanged'])} dòng không đổi."
            )
        else:
            message = f"Tệp có {number(len(job.errors))} lỗi ở {number(counts['errors'])} dòng: chưa có gì được lưu."
    job.message = message
    job.save()


def _refuse(job: ImportJob, message: str, status: str = Status.INVALID) -> None:
    job.status = status
    job.message = message
    job.progress = 100
    job.finished_at = timezone.now()
    job.save()


def job_validate(job: ImportJob, read: ReadFile | None = None) -> ImportJob:
    """Validate every row and keep the preview on the job; nothing else is written."""
    kind = kind_of(job)
    _set(job, status=Status.VALIDATING, progress=0)
    ctx = _context(job, job.created_by)
    try:
        read = read or _read(job)
        result = pipeline.validate(kind, ctx, read, mapping=job.mapping, progress=_progress(job, 0, 100))
    except FileRejected as error:
        _refuse(job, error.message)
        return job
    _store(job, kind, result)
    # Kept on this object only: a commit in the same process right after (import_data) need not validate the
    # file twice; the commit still re-checks versions, new keys and closed years inside its transaction.
    job._validated = (ctx, result, dict(job.mapping))
    return job


def job_start_validation(job: ImportJob, read: ReadFile | None = None) -> ImportJob:
    """Validate now, or in a Celery task (after the current transaction commits) for big files."""
    if job.total_rows > settings.IMPORT_SYNC_MAX_ROWS:
        from core.tasks import import_validate

        _set(job, status=Status.PENDING, progress=0)

        def refused():
            _refuse(job, QUEUE_DOWN.replace("Chưa có gì được lưu", "Tệp chưa được kiểm tra"), Status.FAILED)

        transaction.on_commit(lambda: _send_quietly(import_validate, job.pk, on_failure=refused))
        return job
    return job_validate(job, read)


def job_remap(job: ImportJob, *, mapping: dict[str, str], user=None) -> ImportJob:
    """Save the user's column mapping ({"<column index>": "<field>" or ""}) and validate again."""
    if job.status not in (Status.VALID, Status.INVALID):
        raise ValidationError("Chỉ ghép cột được khi tệp đã kiểm tra xong và chưa nhập.")
    kind = kind_of(job)
    known = {column.field for column in kind.columns}
    job.mapping = {str(int(index)): field if field in known else "" for index, field in mapping.items()}
    job.save(update_fields=["mapping"])
    return job_start_validation(job)


def job_start_commit(job: ImportJob, *, user=None) -> ImportJob:
    if job.status != Status.VALID:
        raise ValidationError("Chỉ nhập được tệp đã kiểm tra và không có lỗi.")
    if job.total_rows > settings.IMPORT_SYNC_MAX_ROWS:
        from core.tasks import import_commit

        committer = user if getattr(user, "is_authenticated", False) else None
        _set(job, status=Status.COMMITTING, progress=0, committed_by=committer)
        user_id = committer.pk if committer else None

        def put_back():
            ImportJob.objects.filter(pk=job.pk, status=Status.COMMITTING).update(status=Status.VALID, progress=0)
            job.status, job.progress = Status.VALID, 0

        # Raises QueueUnavailable (the job back to "valid", nothing written) when the broker is down.
        transaction.on_commit(lambda: send(import_commit, job.pk, user_id, on_failure=put_back))
        return job
    return job_commit(job, user=user)


def job_commit(job: ImportJob, *, user=None) -> ImportJob:
    """Validate the file again against today's data, then write it all or nothing, with history and summaries.

    A job already done is left alone (a retried task does nothing twice).
    """
    if job.status == Status.DONE:
        return job
    if job.status not in (Status.VALID, Status.COMMITTING):
        raise ValidationError("Chỉ nhập được tệp đã kiểm tra và không có lỗi.")
    previous = _already(job.kind, job.file_hash, job.unit)
    if previous is not None and previous.pk != job.pk:
        _refuse(job, AlreadyImported(previous).message, Status.CANCELLED)
        return job
    kind = kind_of(job)
    committer = user if getattr(user, "is_authenticated", False) else None
    _set(job, status=Status.COMMITTING, progress=0, committed_by=committer)
    acting = committer or job.created_by
    validated = getattr(job, "_validated", None)
    if validated is not None and validated[0].user == acting and validated[2] == job.mapping and validated[1].ok:
        ctx, result = validated[0], validated[1]
    else:
        try:
            read = _read(job)
            ctx = _context(job, acting)
            result = pipeline.validate(kind, ctx, read, mapping=job.mapping, progress=_progress(job, 0, 90))
        except FileRejected as error:
            _refuse(job, error.message)
            return job
    job._validated = None
    if ImportJob.objects.filter(pk=job.pk, status=Status.DONE).exists():
        job.refresh_from_db()  # committed meanwhile by a second click or a redelivered task
        return job
    if not result.ok:
        _store(job, kind, result, message="Dữ liệu đã thay đổi từ lúc kiểm tra và tệp nay có lỗi: chưa có gì được lưu.")
        return job
    try:
        with transaction.atomic():
            # The job row is locked for the whole commit: a second commit of the same job (a double click, a
            # redelivered task) waits here, then finds it done and writes nothing.
            if ImportJob.objects.select_for_update().only("status").get(pk=job.pk).status == Status.DONE:
                job.refresh_from_db()
                return job
            counts = pipeline.commit(kind, ctx, result)
            job.finished_at = timezone.now()
            _store(
                job,
                kind,
                result,
                status=Status.DONE,
                message=(
                    f"Đã nhập xong: {number(counts['new'])} dòng mới, {number(counts['changed'])} dòng cập nhật, "
                    f"{number(counts['unchanged'])} dòng không đổi."
                ),
            )
    except pipeline.CommitRefused as error:
        job.refresh_from_db()
        _refuse(job, error.message)
    except IntegrityError:
        # Another job committed the same file meanwhile (a unique constraint on done jobs): nothing was written.
        job.refresh_from_db()
        previous = _already(job.kind, job.file_hash, job.unit)
        _refuse(job, AlreadyImported(previous).message if previous else pipeline.CONFLICT_MESSAGE, Status.CANCELLED)
    return job


def job_cancel(job: ImportJob, *, user=None) -> ImportJob:
    if job.status in (Status.DONE, Status.COMMITTING, Status.CANCELLED):
        raise ValidationError(f"Không thể hủy lần nhập đang ở trạng thái «{job.get_status_display()}».")
    _refuse(job, "Đã hủy: không có gì được lưu.", Status.CANCELLED)
    return job


def _send_quietly(task, *args, on_failure) -> None:
    try:
        send(task, *args, on_failure=on_failure)
    except QueueUnavailable:
        pass  # the job says so itself


STALE_AFTER = datetime.timedelta(minutes=15)
RUNNING = (Status.PENDING, Status.VALIDATING, Status.COMMITTING)
INTERRUPTED = (
    "Việc xử lý tệp bị gián đoạn (máy xử lý nền dừng hoặc mất kết nối): không có gì được lưu. "
    "Hãy tải tệp lên và nhập lại."
)


def jobs_sweep_stale(now: datetime.datetime | None = None) -> int:
    """Jobs "running" with no heartbeat for STALE_AFTER lost their worker (killed, or never queued): they end as
    failed. A commit being written holds its job row locked, so it is skipped (never failed under a running
    transaction); a commit is one transaction, so a job that lost its worker wrote nothing."""
    now = now or timezone.now()
    cutoff = now - STALE_AFTER
    count = 0
    stale = ImportJob.objects.filter(status__in=RUNNING).filter(
        models.Q(heartbeat_at__lt=cutoff) | models.Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            job = ImportJob.objects.select_for_update(skip_locked=True).filter(pk=pk, status__in=RUNNING).first()
            if job is not None:
                _refuse(job, INTERRUPTED, Status.FAILED)
                count += 1
    return count


def _mentions(job: ImportJob, folded: set[str]) -> bool:
    try:
        with local_path(job.file) as path:
            read = read_file(path)
    except (FileRejected, FileNotFoundError, OSError, ValueError):
        return False
    return any(
        isinstance(cell, str) and fold(cell) in folded
        for sheet in read.sheets
        for _row, cells in sheet.rows
        for cell in cells
    )


def _drop_file(job: ImportJob, note: str) -> None:
    """Delete the stored file and the copies of its cells the job keeps (preview, errors, warnings)."""
    if job.file:
        job.file.delete(save=False)
    ImportJob.objects.filter(pk=job.pk).update(
        file="", preview={}, errors=[], warnings=[], message=f"{job.message} {note}".strip()[:2000]
    )


def import_files_erase(*, unit, texts: list[str], job_ids=()) -> list[int]:
    """Erasure reaches uploads (Law 91/2025): every stored import file around `unit` that holds one of `texts`
    (a person's name, card number, phone) — or that wrote the person's record (`job_ids`) — is deleted, with the
    preview and messages that copied its cells. The job rows stay (who imported what, when, how many rows).
    Returns the ids of the jobs whose file was deleted."""
    folded = {fold(text) for text in texts if text and text.strip()}
    scope = (
        models.Q(unit__isnull=True)
        | models.Q(unit_id__in=unit.ancestor_ids)
        | models.Q(unit__path__startswith=unit.path)
    )
    removed = []
    for job in ImportJob.objects.filter(scope).exclude(file="").order_by("pk"):
        if job.pk in set(job_ids) or _mentions(job, folded):
            _drop_file(job, "Tệp đã được xóa khỏi máy chủ khi xóa dữ liệu cá nhân theo yêu cầu.")
            removed.append(job.pk)
    return removed


def import_files_sweep_expired(now: datetime.datetime | None = None) -> int:
    """Uploaded files are kept IMPORT_FILE_RETENTION_DAYS (90 by default), then deleted by the periodic sweep;
    the job rows stay as the record of the import."""
    days = int(getattr(settings, "IMPORT_FILE_RETENTION_DAYS", 90))
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    expired = ImportJob.objects.filter(created_at__lt=cutoff).exclude(file="").exclude(status__in=RUNNING)
    count = 0
    for job in expired:
        _drop_file(job, f"Tệp đã được xóa sau {days} ngày lưu giữ.")
        count += 1
    return count


def job_fail(job_id: int, error: Exception) -> None:
    """For tasks: an unexpected error leaves a readable status, never a job stuck 'running'."""
    logger.exception("import job %s failed", job_id, exc_info=error)
    ImportJob.objects.filter(pk=job_id).exclude(status=Status.DONE).update(
        status=Status.FAILED,
        progress=100,
        finished_at=timezone.now(),
        message="Lỗi hệ thống khi xử lý tệp: không có gì được lưu. Hãy thử lại hoặc báo cho quản trị.",
    )


def jobs_sweep_stuck(now=None) -> int:
    """Run by Celery beat (core.tasks.sweep_stuck_imports): jobs that lost their worker end as failed
    (`jobs_sweep_stale`: no heartbeat for 15 minutes, and never a commit still holding its row)."""
    return jobs_sweep_stale(now)


def command_actor() -> str:
    return command_line()
