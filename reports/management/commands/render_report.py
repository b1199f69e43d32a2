from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from chapters.models import Unit
from reports.models import Report, ReportRun
from reports.services import report_get_or_create, report_run_render

PERIODS = {"year": Report.Period.YEAR, "h1": Report.Period.H1, "term": Report.Period.TERM}


class Command(BaseCommand):
    help = "Tạo báo cáo (PDF) cho một đơn vị và một kỳ, như khi cán bộ bấm «Tạo bản in» trên web."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="Mã đơn vị")
        parser.add_argument("--year", required=True, type=int, help="Năm (với nhiệm kỳ: năm cuối)")
        parser.add_argument("--period", choices=sorted(PERIODS), default="year")
        parser.add_argument(
            "--tree",
            choices=["past", "today"],
            default="past",
            help="past: tổ chức tại cuối kỳ; today: gom số liệu theo tổ chức hiện nay",
        )
        parser.add_argument("--out", required=True, help="Tệp PDF sẽ ghi ra")

    def handle(self, *args, unit, year, period, tree, out, **options):
        day = timezone.localdate().replace(year=min(year, timezone.localdate().year), month=12, day=31)
        # The unit open at the period's end with that code (codes are reused over time).
        candidates = (
            Unit.objects.filter(code__iexact=unit)
            .filter(Q(active_from__isnull=True) | Q(active_from__lte=day))
            .order_by("-active_until")
        )
        found = next((u for u in candidates if u.active_until is None or u.active_until.year >= year), None)
        if found is None:
            raise CommandError(f"Không tìm thấy đơn vị có mã {unit} hoạt động trong năm {year}.")
        try:
            report = report_get_or_create(unit=found, year=year, period=PERIODS[period])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        active = report.runs.filter(tree=tree, status__in=[ReportRun.Status.QUEUED, ReportRun.Status.RUNNING]).first()
        run = active or ReportRun.objects.create(report=report, tree=tree)
        try:
            run = report_run_render(run_id=run.pk)
        except Exception as error:
            raise CommandError(f"Không tạo được báo cáo: {error}") from None
        target = Path(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        with run.pdf.open("rb") as source:
            target.write_bytes(source.read())
        self.stdout.write(f"Đã ghi {target} ({run.pages} trang) – {report}.")
