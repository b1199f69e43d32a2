"""Synthetic data at the scale of design.md §10, for benchmarks and load tests.

`--scale province`: a real province's communes (Thanh Hóa by default: 166) with ~10,000 chapters and boards;
`--scale ward`: one commune with ~30. Baseline figures for the chosen years, then each app's `dataset`
module adds its facts (chapters/dataset.py). Everything is written in bulk, with its history.
"""

import time

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from chapters import dataset
from chapters.dataset import DatasetContext
from chapters.models import BaselineFigure, ClosedPeriod, Unit
from chapters.services.periods import period_guard
from chapters.services.tree import unit_build, units_create
from chapters.summaries import summaries_refresh
from core.formatting import number as format_number

MARKER = "Dữ liệu tổng hợp (generate_dataset)"
DEFAULT_PROVINCE = "38"  # Thanh Hóa: 166 communes, the size design.md §10 plans for
SCALES = {"ward": (1, 30), "province": (None, 10_000)}  # (communes, chapters and boards in all)

FAMILIES = ["Nguyễn", "Lê", "Trần", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng", "Ngô", "Mai", "Trịnh", "Lương"]
PLACE_WORDS = ["Đông", "Tây", "Nam", "Bắc", "Thượng", "Hạ", "Trung", "Phú", "Yên", "Hòa", "Tân", "Vĩnh", "An"]
SCHOOLS = ["Mầm non", "Tiểu học", "THCS"]
AGENCIES = ["Công an", "Trạm Y tế", "Ủy ban nhân dân", "Bưu điện văn hóa", "Đảng ủy"]
ENTERPRISES = ["Công ty TNHH May", "Hợp tác xã Nông nghiệp", "Công ty Cổ phần Xây dựng", "Công ty TNHH Gạch men"]
# Share of each host among chapters and boards: mostly residential, then schools, agencies, clans.
HOST_WEIGHTS = [
    (Unit.Host.RESIDENTIAL, 55),
    (Unit.Host.SCHOOL, 18),
    (Unit.Host.AGENCY, 10),
    (Unit.Host.CLAN, 12),
    (Unit.Host.ENTERPRISE, 3),
    (Unit.Host.RELIGIOUS, 2),
]


class Command(BaseCommand):
    help = "Tạo dữ liệu tổng hợp ở quy mô một phường hoặc một tỉnh (để đo tốc độ)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), required=True, help="ward (một xã) hoặc province.")
        parser.add_argument("--province", metavar="MÃ", default=DEFAULT_PROVINCE, help="Mã tỉnh (mặc định 38).")
        parser.add_argument("--years", type=int, default=2, help="Số năm gần nhất có số liệu (mặc định 2).")
        parser.add_argument("--seed", type=int, default=7, help="Hạt giống ngẫu nhiên (mặc định 7).")
        parser.add_argument("--reset", action="store_true", help="Xóa dữ liệu tổng hợp đã tạo trước rồi tạo lại.")
        parser.add_argument(
            "--tree-only",
            action="store_true",
            help="Chỉ tạo cây đơn vị và số liệu nền, bỏ qua dữ liệu của các phân hệ.",
        )
        parser.add_argument("--force", action="store_true", help="Cho phép chạy trên cấu hình vận hành thật.")

    def handle(self, *args, **options):
        if settings.PRODUCTION and not options["force"]:
            raise CommandError(
                "Đây là cấu hình vận hành thật: không tạo dữ liệu tổng hợp. Thêm --force nếu thật sự muốn."
            )
        if not 1 <= options["years"] <= 20:
            raise CommandError("Số năm phải từ 1 đến 20.")
        started = time.monotonic()
        generated = Unit.objects.filter(notes=MARKER)
        if generated.exists():
            if not options["reset"]:
                raise CommandError(
                    f"Cơ sở dữ liệu đã có {generated.count()} đơn vị tổng hợp từ lần chạy trước. "
                    "Thêm --reset để xóa chúng rồi tạo lại."
                )
            with transaction.atomic():
                removed = dataset_delete()
            self.stdout.write(f"Đã xóa {removed} đơn vị tổng hợp cũ và dữ liệu của chúng.")
        code = options["province"].strip().zfill(2)
        call_command("load_divisions", province=code, stdout=self.stdout)
        province = Unit.objects.get(level=Unit.Level.PROVINCE, code=code, active_until__isnull=True)
        today = timezone.localdate()
        years = list(range(today.year - options["years"] + 1, today.year + 1))
        with transaction.atomic():
            ctx = self._generate(province, options["scale"], years, options["seed"])
            for generate in [] if options["tree_only"] else dataset.GENERATORS:
                app_started = time.monotonic()
                generate(ctx)
                app = generate.__module__.split(".")[0]
                self.stdout.write(f"  {app}: {time.monotonic() - app_started:.1f} giây")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh planner statistics after a bulk load
        for label, value in ctx.counts.items():
            self.stdout.write(f"  {label}: {format_number(value)}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tạo dữ liệu tổng hợp quy mô {options['scale']} trong {time.monotonic() - started:.0f} giây."
            )
        )

    def _generate(self, province: Unit, scale: str, years: list[int], seed: int) -> DatasetContext:
        commune_count, chapter_total = SCALES[scale]
        communes = list(
            Unit.objects.filter(parent=province, level=Unit.Level.COMMUNE, active_until__isnull=True).order_by("code")
        )[:commune_count]
        ctx = DatasetContext(
            scale=scale, province_id=province.pk, commune_ids=[c.pk for c in communes], chapter_ids=[], years=years
        )
        rng = ctx.rng
        rng.seed(seed)
        # Uneven communes, like real ones: a share of the total proportional to a random weight.
        weights = [rng.uniform(0.6, 1.4) for _ in communes]
        per_commune = [max(5, round(chapter_total * w / sum(weights))) for w in weights]
        hosts, host_weights = zip(*HOST_WEIGHTS, strict=True)
        new = []
        for commune, count in zip(communes, per_commune, strict=True):
            place = commune.name.split(" ", 1)[-1]
            is_ward = commune.division_type == "phường"
            for number in range(1, count + 1):
                host = rng.choices(hosts, host_weights)[0]
                kind, name = _chapter_name(rng, host, place, is_ward, number)
                new.append(
                    unit_build(
                        kind=kind,
                        level=Unit.Level.GRASSROOTS,
                        host=host,
                        code=f"{commune.code}-{number:03d}",
                        name=name,
                        parent=commune,
                        active_from=commune.active_from,
                        notes=MARKER,
                    )
                )
        chapters = units_create(new, reason="lệnh: generate_dataset")
        ctx.chapter_ids = [u.pk for u in chapters]
        ctx.counts["Chi hội, ban khuyến học"] = len(chapters)
        ctx.counts["Hội cấp xã"] = len(communes)

        # Baseline figures: each commune's own entry, and each residential chapter's area.
        if ClosedPeriod.objects.in_force().filter(year__in=years).exists():
            period_guard([(unit, year) for unit in [*communes, *chapters] for year in years])
        figures = []
        for commune in communes:
            base = rng.randint(8_000, 45_000)
            figures += [_figure(rng, commune, year, base * (1 + 0.01 * i)) for i, year in enumerate(years)]
        for chapter in chapters:
            if chapter.host == Unit.Host.RESIDENTIAL:
                base = rng.randint(300, 1_500)
                figures += [_figure(rng, chapter, year, base * (1 + 0.01 * i)) for i, year in enumerate(years)]
        bulk_create_with_history(
            figures, BaselineFigure, batch_size=2000, default_change_reason="lệnh: generate_dataset"
        )
        ctx.counts["Số liệu nền (đơn vị × năm)"] = len(figures)
        unit_ids = [*ctx.commune_ids, *ctx.chapter_ids]
        summaries_refresh(unit_ids=unit_ids, providers=["units"])
        summaries_refresh(unit_ids=unit_ids, years=years, providers=["baseline"])
        return ctx


def _chapter_name(rng, host: str, place: str, is_ward: bool, number: int) -> tuple[str, str]:
    if host == Unit.Host.RESIDENTIAL:
        name = f"Chi hội tổ dân phố số {number}" if is_ward else f"Chi hội thôn {rng.choice(PLACE_WORDS)} {number}"
        return Unit.Kind.CHAPTER, name
    if host == Unit.Host.SCHOOL:
        return Unit.Kind.CHAPTER, f"Chi hội Trường {rng.choice(SCHOOLS)} {place} {number}"
    if host == Unit.Host.AGENCY:
        return (
            Unit.Kind.BOARD,
            f"Ban khuyến học {rng.choice(AGENCIES)} {'phường' if is_ward else 'xã'} {place} {number}",
        )
    if host == Unit.Host.CLAN:
        return Unit.Kind.CHAPTER, f"Chi hội dòng họ {rng.choice(FAMILIES)} {number}"
    if host == Unit.Host.ENTERPRISE:
        return Unit.Kind.BOARD, f"Ban khuyến học {rng.choice(ENTERPRISES)} {rng.choice(PLACE_WORDS)} {number}"
    return Unit.Kind.CHAPTER, f"Chi hội giáo xứ {rng.choice(PLACE_WORDS)} {place} {number}"


def _figure(rng, unit: Unit, year: int, population: float) -> BaselineFigure:
    people = int(population)
    is_commune = unit.level == Unit.Level.COMMUNE
    return BaselineFigure(
        unit=unit,
        year=year,
        population=people,
        households=int(people / rng.uniform(3.2, 4.1)),
        adults=int(people * rng.uniform(0.65, 0.75)),
        party_members=int(people * rng.uniform(0.02, 0.04)),
        residential_groups=max(1, people // 900) if is_commune else None,
        clans=max(1, people // 2500) if is_commune else None,
        agencies=max(1, people // 3000) if is_commune else None,
        notes=MARKER,
        version=1,
    )


def dataset_delete() -> int:
    """Delete the generated units and every row that points at them (facts of every app, summaries, history),
    plus the generated baseline figures of real communes. Returns the number of units deleted."""
    unit_ids = list(Unit.objects.filter(notes=MARKER).values_list("pk", flat=True))
    BaselineFigure.objects.filter(notes=MARKER).delete()
    _delete_referencing(unit_ids)
    depths = sorted(set(Unit.objects.filter(pk__in=unit_ids).values_list("depth", flat=True)), reverse=True)
    for depth in depths:
        Unit.objects.filter(pk__in=unit_ids, depth=depth).delete()
    # Deleting records history rows of its own: those go too.
    Unit.history.filter(id__in=unit_ids).delete()
    BaselineFigure.history.filter(notes=MARKER).delete()
    _delete_referencing(unit_ids)
    communes = Unit.objects.filter(level=Unit.Level.COMMUNE)
    summaries_refresh(unit_ids=communes.values_list("pk", flat=True), providers=["baseline"])
    return len(unit_ids)


def _delete_referencing(unit_ids: list[int]) -> None:
    referencing = [
        (model, field.name)
        for model in apps.get_models()
        if model is not Unit
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is Unit
    ]
    # Rows may protect one another (a member referenced by a household); a few passes settle the order.
    for _ in range(6):
        blocked = False
        for model, field in referencing:
            queryset = model._base_manager.filter(**{f"{field}__in": unit_ids})
            try:
                with transaction.atomic():
                    queryset.delete()
            except (ProtectedError, RestrictedError):
                blocked = True
        if not blocked:
            return
    raise CommandError("Không xóa được dữ liệu tổng hợp cũ: còn dữ liệu khác tham chiếu tới các đơn vị này.")
