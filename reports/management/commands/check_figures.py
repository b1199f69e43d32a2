"""check_figures: recompute every figure a report prints from the facts, and say where they differ."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from chapters.models import Unit
from reports.checks import figures_check

PERIODS = {"year": "Y", "h1": "H1", "term": "term"}


class Command(BaseCommand):
    help = "Tính lại mọi số liệu in trong báo cáo của một đơn vị từ dữ liệu gốc (không qua bảng tổng hợp) và so sánh."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="Mã đơn vị")
        parser.add_argument("--year", required=True, type=int, help="Năm (với nhiệm kỳ: năm cuối)")
        parser.add_argument("--period", choices=sorted(PERIODS), default="year", help="year, h1 hoặc term")
        parser.add_argument(
            "--tree",
            choices=["past", "today"],
            default="past",
            help="past: tổ chức tại cuối kỳ; today: gom số liệu theo tổ chức hiện nay",
        )
        parser.add_argument("--term-start", type=int, help="Năm đầu nhiệm kỳ (mặc định: năm cuối − 4)")

    def handle(self, *args, unit, year, period, tree, term_start=None, **options):
        if not 1990 <= year <= timezone.localdate().year:
            raise CommandError(f"Năm {year} không hợp lệ.")
        day = timezone.localdate().replace(year=year, month=12, day=31) if year < timezone.localdate().year else None
        candidates = Unit.objects.filter(code__iexact=unit.strip())
        if day:
            candidates = candidates.filter(Q(active_from__isnull=True) | Q(active_from__lte=day))
        # The unit open in that year with that code (codes are reused over time).
        found = next(
            (u for u in candidates.order_by("-active_until") if u.active_until is None or u.active_until.year >= year),
            None,
        )
        if found is None:
            raise CommandError(f"Không tìm thấy đơn vị có mã {unit} hoạt động trong năm {year}.")
        result = figures_check(unit=found, year=year, period=PERIODS[period], tree=tree, term_start=term_start)
        summary = f"Đã so sánh {result.compared} số liệu của {found.display_name}."
        if result.problems:
            for problem in result.problems:
                self.stderr.write(problem)
            self.stdout.write(summary)
            raise CommandError(f"Số liệu báo cáo không khớp với dữ liệu gốc: {len(result.problems)} chỗ (xem trên).")
        self.stdout.write(self.style.SUCCESS(f"Mọi số liệu khớp với dữ liệu gốc. {summary}"))
