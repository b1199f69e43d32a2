"""check_funds: prove that every fund balance and every fund figure reconciles, to the đồng."""

from django.core.management.base import BaseCommand, CommandError

from chapters.models import Unit
from funds.checks import funds_check


class Command(BaseCommand):
    help = "Kiểm tra sổ quỹ: số dư = đầu kỳ + thu − chi, số tổng hợp khớp với phiếu, tổng cấp trên = tổng các phần."

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="Mã đơn vị: chỉ kiểm tra đơn vị này và các đơn vị trực thuộc.")
        parser.add_argument("--year", type=int, help="Chỉ kiểm tra một năm.")

    def handle(self, *args, unit=None, year=None, **options):
        root = None
        if unit:
            root = Unit.objects.filter(code__iexact=unit.strip()).open_today().first()
            root = root or Unit.objects.filter(code__iexact=unit.strip()).order_by("-active_until").first()
            if root is None:
                raise CommandError(f"Không có đơn vị nào mang mã {unit}.")
        if year is not None and not 1990 <= year <= 2100:
            raise CommandError(f"Năm {year} không hợp lệ.")
        report = funds_check(unit=root, year=year)
        checked = report.checked
        summary = (
            f"Đã kiểm tra {checked['funds']} quỹ, {checked['years']} năm, {checked['summaries']} số tổng hợp, "
            f"{checked['identities']} đẳng thức số dư, {checked['subtrees']} tổng cấp trên."
        )
        if report.problems:
            for problem in report.problems:
                self.stderr.write(problem)
            self.stdout.write(summary)
            raise CommandError(f"Sổ quỹ không khớp: {len(report.problems)} chỗ sai (xem các dòng trên).")
        self.stdout.write(self.style.SUCCESS(f"Sổ quỹ khớp đến từng đồng. {summary}"))
