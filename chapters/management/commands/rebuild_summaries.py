from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from chapters.models import Unit
from chapters.summaries import commune_totals_refresh, summaries_rebuild
from core.formatting import number


class Command(BaseCommand):
    help = "Tính lại toàn bộ số liệu tổng hợp từ dữ liệu gốc (cho một đơn vị và cấp dưới, hoặc một năm)."

    def add_arguments(self, parser):
        parser.add_argument("--unit", metavar="MÃ", help="Mã đơn vị: chỉ tính lại đơn vị này và các đơn vị trực thuộc.")
        parser.add_argument("--year", metavar="NĂM", help="Chỉ tính lại một năm, ví dụ 2025.")
        parser.add_argument(
            "--communes-only",
            action="store_true",
            help="Chỉ tính lại số liệu cộng dồn của các xã từ số liệu tổng hợp đã có (sau khi nâng cấp).",
        )

    def handle(self, *args, **options):
        if options["communes_only"]:
            rows = commune_totals_refresh(None)
            self.stdout.write(self.style.SUCCESS(f"Đã tính lại {number(rows)} dòng số liệu cộng dồn của xã."))
            return
        unit = None
        if options["unit"]:
            code = options["unit"].strip()
            matches = Unit.objects.filter(code__iexact=code)
            # A code reused by the 2025 reform names several units: the open one is meant.
            unit = matches.filter(Q(active_until__isnull=True)).first() or matches.order_by("-active_until").first()
            if unit is None:
                raise CommandError(f"Không có đơn vị nào mang mã «{code}».")
        year = None
        if options["year"]:
            try:
                year = int(options["year"])
            except ValueError:
                raise CommandError(f"Năm «{options['year']}» không hợp lệ: hãy viết bốn chữ số, ví dụ 2025.") from None
            if not 1990 <= year <= 2100:
                raise CommandError(f"Năm {year} nằm ngoài khoảng 1990–2100.")
        rows = summaries_rebuild(unit=unit, year=year)
        scope = unit.display_name if unit else "toàn bộ đơn vị"
        when = f"năm {year}" if year else "mọi năm"
        self.stdout.write(self.style.SUCCESS(f"Đã tính lại {number(rows)} dòng số liệu tổng hợp ({scope}, {when})."))
