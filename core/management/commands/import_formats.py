from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.imports.formats import documented, missing
from core.imports.kinds import all_kinds


class Command(BaseCommand):
    help = "Viết lại các bảng cột trong docs/import-formats.md từ khai báo của từng loại dữ liệu (--check: chỉ so)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(Path(settings.BASE_DIR) / "docs" / "import-formats.md"))
        parser.add_argument("--write", action="store_true", help="Ghi đè tệp tài liệu.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không có tệp {path}.")
        text = path.read_text(encoding="utf-8")
        absent = missing(text, all_kinds())
        if absent:
            raise CommandError(
                f"Tài liệu chưa có bảng cột của: {', '.join(absent)} (thêm <!-- cột: KIND --> <!-- /cột -->)."
            )
        new = documented(text, all_kinds())
        if new == text:
            self.stdout.write("Tài liệu khớp với khai báo các cột.")
            return
        if not options["write"]:
            raise CommandError("Bảng cột trong tài liệu khác với khai báo: chạy lại với --write.")
        path.write_text(new, encoding="utf-8")
        self.stdout.write(f"Đã viết lại các bảng cột trong {path}.")
