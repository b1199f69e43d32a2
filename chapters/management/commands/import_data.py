"""import_data KIND FILE [--dry-run] [--as USER]: one spreadsheet import from the command line (design.md §9)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.formatting import number
from core.history import command_line
from core.imports import jobs
from core.imports.kinds import KINDS
from core.models import ImportJob
from core.spreadsheets.parsing import ParseError
from core.spreadsheets.reading import FileRejected

MAX_LISTED_ERRORS = 200


class Command(BaseCommand):
    help = "Nhập dữ liệu từ tệp Excel (.xlsx, .xls) hoặc .csv: kiểm tra toàn bộ rồi ghi tất cả hoặc không ghi gì."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="Loại dữ liệu: " + ", ".join(sorted(KINDS)))
        parser.add_argument("file", help="Đường dẫn tệp cần nhập")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không ghi gì")
        parser.add_argument(
            "--as", dest="username", help="Nhập với quyền của người dùng này (mặc định: toàn quyền, ghi là dòng lệnh)"
        )
        parser.add_argument(
            "--on",
            metavar="NGÀY",
            help="Số liệu tính đến ngày (dd/mm/yyyy) hoặc năm (yyyy): các dòng không ghi ngày được gắn vào đơn vị "
            "mang mã đó vào ngày này (mặc định: hôm nay).",
        )

    def handle(self, *args, kind, file, dry_run=False, username=None, on=None, **options):
        if kind not in KINDS:
            raise CommandError(f"Loại dữ liệu «{kind}» không có; hãy chọn một trong: {', '.join(sorted(KINDS))}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp «{file}».")
        try:
            as_of = jobs.as_of_parse(on)
        except ParseError as error:
            raise CommandError(f"--on: {error}") from None
        user = None
        if username:
            user = get_user_model().objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"Không có người dùng «{username}» (hoặc tài khoản đã bị khóa).")
        try:
            job, read = jobs.job_create(
                kind=kind, path=path, file_name=path.name, user=user, actor=command_line(), as_of=as_of
            )
        except jobs.AlreadyImported as already:
            self.stdout.write(already.message)
            return
        except FileRejected as rejected:
            raise CommandError(rejected.message) from None
        jobs.job_validate(job, read)
        self._report(job)
        if job.status != ImportJob.Status.VALID:
            raise CommandError(job.message)
        if dry_run:
            jobs.job_cancel(job)
            self.stdout.write("Chạy thử (--dry-run): không có gì được lưu.")
            return
        jobs.job_commit(job, user=user)
        if job.status != ImportJob.Status.DONE:
            self._report(job)
            raise CommandError(job.message)
        self.stdout.write(self.style.SUCCESS(f"{job.message} (lần nhập #{job.pk})"))

    def _report(self, job: ImportJob) -> None:
        counts = job.counts or {}
        if counts:
            self.stdout.write(
                f"Tệp {job.file_name} ({job.file_type}), trang «{job.sheet_name}», tiêu đề ở dòng {job.header_row}: "
                f"{number(counts.get('total', 0))} dòng dữ liệu — {number(counts.get('new', 0))} mới, "
                f"{number(counts.get('changed', 0))} thay đổi, {number(counts.get('unchanged', 0))} không đổi, "
                f"{number(counts.get('errors', 0))} có lỗi."
            )
        conversions = (job.preview or {}).get("conversion_count")
        if conversions:
            encoding = job.preview.get("encoding") or "TCVN3/VNI"
            self.stdout.write(f"Đã chuyển {number(conversions)} ô từ bảng mã cũ ({encoding}) sang Unicode.")
        for row, column, message in (job.warnings or [])[:MAX_LISTED_ERRORS]:
            self.stdout.write(f"Cần xem lại – dòng {row}, cột «{column}»: {message}")
        for row, column, message in job.errors[:MAX_LISTED_ERRORS]:
            where = ", ".join(
                part for part in (f"Dòng {row}" if row else "", f"cột «{column}»" if column else "") if part
            )
            self.stderr.write(f"{where}: {message}" if where else message)
        if len(job.errors) > MAX_LISTED_ERRORS:
            self.stderr.write(f"... và {number(len(job.errors) - MAX_LISTED_ERRORS)} lỗi khác.")
