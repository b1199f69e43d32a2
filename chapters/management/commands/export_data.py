"""export_data KIND [--unit CODE] [--as USER] --out FILE: the same columns as the import, as .xlsx (design.md §9)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from chapters import scoping
from chapters.models import Unit
from core.formatting import number
from core.imports.kinds import KINDS, get_kind
from core.spreadsheets.writing import ExportRefused, export_xlsx


class Command(BaseCommand):
    help = "Xuất dữ liệu ra tệp Excel (.xlsx) theo đúng các cột của mẫu nhập, trong phạm vi được xem."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="Loại dữ liệu: " + ", ".join(sorted(KINDS)))
        parser.add_argument("--unit", help="Mã đơn vị: chỉ xuất đơn vị này và các đơn vị trực thuộc")
        parser.add_argument("--as", dest="username", help="Xuất trong phạm vi của người dùng này")
        parser.add_argument("--out", required=True, help="Tệp .xlsx sẽ ghi ra")
        parser.add_argument(
            "--purpose",
            default="Xuất bằng lệnh quản trị",
            help="Mục đích xuất (ghi vào nhật ký; bắt buộc với danh sách người, có sẵn giá trị mặc định)",
        )

    def handle(self, *args, kind, unit=None, username=None, out, purpose="", **options):
        import_kind = get_kind(kind)
        if import_kind is None:
            raise CommandError(f"Loại dữ liệu «{kind}» không có; hãy chọn một trong: {', '.join(sorted(KINDS))}.")
        user = None
        if username:
            user = get_user_model().objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"Không có người dùng «{username}» (hoặc tài khoản đã bị khóa).")
        root = None
        if unit:
            units = Unit.objects.filter(code__iexact=unit.strip())
            if user is not None:
                units = scoping.restrict(units, user, scoping.VIEW, unit_field="")
            root = units.open_today().first() or units.order_by("-active_from").first()
            if root is None:
                raise CommandError(f"Mã đơn vị {unit} không tồn tại hoặc nằm ngoài phạm vi của bạn.")
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"Thư mục «{path.parent}» không tồn tại.")
        try:
            stream, count = export_xlsx(import_kind, user, root, purpose=purpose)
        except ExportRefused as error:
            raise CommandError(error.message) from None
        path.write_bytes(stream.getvalue())
        self.stdout.write(self.style.SUCCESS(f"Đã xuất {number(count)} dòng «{import_kind.label}» ra {path}."))
