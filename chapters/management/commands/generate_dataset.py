"""Synthetic data at the scale of design.md §10, for benchmarks and load tests.

`--scale province`: a real province's communes (Thanh Hóa by default: 166) with ~10,000 chapters and boards;
`--scale ward`: one commune with ~30. Baseline figures for the chosen years, then each app's `dataset`
module adds its facts (chapters/dataset.py). Everything is written in bulk, with its history.

`--scale country` (issue 19): the national association (a central unit) over the 34 provinces and all 3,321
communes, ~90 chapters and boards per commune (~300,000), their baseline figures and unit counts for five years:
what the national screens read (summaries). No members or other facts (the apps' generators are for one
province); `--provinces 01,38` and `--chapters-per-commune 3` make a small one for tests.
"""

import datetime
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
from chapters.services import tree as tree_services
from chapters.services.periods import period_guard
from chapters.services.tree import unit_build, units_create
from chapters.summaries import commune_totals_deferred, summaries_refresh
from core.formatting import number as format_number

MARKER = "Dữ liệu tổng hợp (generate_dataset)"
DEFAULT_PROVINCE = "38"  # Thanh Hóa: 166 communes, the size design.md §10 plans for
SCALES = {"ward": (1, 30), "province": (None, 10_000), "country": (None, None)}  # (communes, chapters and boards)
CHAPTERS_PER_COMMUNE = 90  # country scale: 3,321 communes × ~90 = ~300,000 chapters and boards
CENTRAL_CODE = "TW"
CENTRAL_NAME = "Hội Khuyến học Việt Nam"

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
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            required=True,
            help="ward (một xã), province (một tỉnh) hoặc country (cả nước).",
        )
        parser.add_argument("--province", metavar="MÃ", default=DEFAULT_PROVINCE, help="Mã tỉnh (mặc định 38).")
        parser.add_argument(
            "--years", type=int, default=None, help="Số năm gần nhất có số liệu (mặc định 2; quy mô country: 5)."
        )
        parser.add_argument(
            "--provinces",
            metavar="MÃ,MÃ",
            default="",
            help="Quy mô country: chỉ các tỉnh này (ví dụ 01,38); mặc định cả 34 tỉnh, thành phố.",
        )
        parser.add_argument(
            "--chapters-per-commune",
            type=int,
            default=CHAPTERS_PER_COMMUNE,
            help=f"Quy mô country: số chi hội, ban trung bình mỗi xã (mặc định {CHAPTERS_PER_COMMUNE}).",
        )
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
        if options["years"] is None:
            options["years"] = 5 if options["scale"] == "country" else 2
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
        today = timezone.localdate()
        years = list(range(today.year - options["years"] + 1, today.year + 1))
        if options["scale"] == "country":
            ctx = self._country(options, years)
            self._finish(ctx, options, started)
            return
        code = options["province"].strip().zfill(2)
        call_command("load_divisions", province=code, stdout=self.stdout)
        province = Unit.objects.get(level=Unit.Level.PROVINCE, code=code, active_until__isnull=True)
        with commune_totals_deferred(), transaction.atomic():
            ctx = self._generate(province, options["scale"], years, options["seed"])
            for generate in [] if options["tree_only"] else dataset.GENERATORS:
                app_started = time.monotonic()
                generate(ctx)
                app = generate.__module__.split(".")[0]
                self.stdout.write(f"  {app}: {time.monotonic() - app_started:.1f} giây")
        self._finish(ctx, options, started)

    def _finish(self, ctx: DatasetContext, options: dict, started: float) -> None:
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

    def _country(self, options: dict, years: list[int]) -> DatasetContext:
        """The national association over every province (or those of `--provinces`), province by province."""
        codes = [c.strip().zfill(2) for c in options["provinces"].split(",") if c.strip()]
        if codes:
            for code in codes:
                call_command("load_divisions", province=code, stdout=self.stdout)
        else:
            call_command("load_divisions", stdout=self.stdout)
        provinces = Unit.objects.filter(level=Unit.Level.PROVINCE, active_until__isnull=True).order_by("code")
        if codes:
            provinces = provinces.filter(code__in=codes)
        provinces = list(provinces)
        per = options["chapters_per_commune"]
        if per < 1:
            raise CommandError("Số chi hội mỗi xã phải từ 1 trở lên.")
        ctx = DatasetContext(scale="country", province_id=0, commune_ids=[], chapter_ids=[], years=years)
        ctx.rng.seed(options["seed"])
        # The communes' rolled-up totals are summed once at the end, not after every province's summaries.
        with commune_totals_deferred(), transaction.atomic():
            central = _central()
            ctx.province_id = central.pk
            for province in provinces:
                if province.parent_id is None:
                    tree_services.unit_move(
                        province, new_parent=central, on=province.active_from or REFORM_DAY, reason=REASON
                    )
            for province in provinces:
                province_started = time.monotonic()
                communes = list(
                    Unit.objects.filter(parent=province, level=Unit.Level.COMMUNE, active_until__isnull=True).order_by(
                        "code"
                    )
                )
                weights = [ctx.rng.uniform(0.6, 1.4) for _ in communes]
                per_commune = [max(3, round(per * w)) if per >= 3 else per for w in weights]
                self._chapters_and_baseline(ctx, communes, per_commune, years)
                self.stdout.write(f"  {province.display_name}: {time.monotonic() - province_started:.1f} giây")
        ctx.counts["Hội cấp tỉnh"] = len(provinces)
        return ctx

    def _generate(self, province: Unit, scale: str, years: list[int], seed: int) -> DatasetContext:
        commune_count, chapter_total = SCALES[scale]
        communes = list(
            Unit.objects.filter(parent=province, level=Unit.Level.COMMUNE, active_until__isnull=True).order_by("code")
        )[:commune_count]
        ctx = DatasetContext(scale=scale, province_id=province.pk, commune_ids=[], chapter_ids=[], years=years)
        rng = ctx.rng
        rng.seed(seed)
        # Uneven communes, like real ones: a share of the total proportional to a random weight.
        weights = [rng.uniform(0.6, 1.4) for _ in communes]
        per_commune = [max(5, round(chapter_total * w / sum(weights))) for w in weights]
        self._chapters_and_baseline(ctx, communes, per_commune, years)
        return ctx

    def _chapters_and_baseline(
        self, ctx: DatasetContext, communes: list[Unit], per_commune: list[int], years: list[int]
    ) -> None:
        """Chapters and boards under `communes` (so many each), the baseline figures of the communes and of the
        residential chapters, and their summaries; added to `ctx`."""
        rng = ctx.rng
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
        chapters = units_create(new, reason=REASON)
        ctx.chapter_ids += [u.pk for u in chapters]
        ctx.commune_ids += [c.pk for c in communes]
        ctx.counts["Chi hội, ban khuyến học"] = ctx.counts.get("Chi hội, ban khuyến học", 0) + len(chapters)
        ctx.counts["Hội cấp xã"] = ctx.counts.get("Hội cấp xã", 0) + len(communes)

        # Baseline figures: each commune's own entry, and each residential chapter's area.
        if ClosedPeriod.objects.in_force().filter(year__in=years).exists():
            period_guard([(unit, year) for unit in [*communes, *chapters] for year in years])
        figures = []
        for commune in communes:
            base = rng.randint(8_000, 45_000)
            figures += [_figure(rng, commune, year, base * (1 + 0.01 * i)) for i, year in enumerate(years)]
        # A commune's own entry stands for its whole area (own-or-children): at country scale the chapters' areas
        # would change no figure above the commune, and would be most of the rows; they are left out.
        for chapter in chapters if ctx.scale != "country" else []:
            if chapter.host == Unit.Host.RESIDENTIAL:
                base = rng.randint(300, 1_500)
                figures += [_figure(rng, chapter, year, base * (1 + 0.01 * i)) for i, year in enumerate(years)]
        bulk_create_with_history(figures, BaselineFigure, batch_size=2000, default_change_reason=REASON)
        ctx.counts["Số liệu nền (đơn vị × năm)"] = ctx.counts.get("Số liệu nền (đơn vị × năm)", 0) + len(figures)
        unit_ids = [*(c.pk for c in communes), *(u.pk for u in chapters)]
        summaries_refresh(unit_ids=unit_ids, providers=["units"])
        summaries_refresh(unit_ids=unit_ids, years=years, providers=["baseline"])


REASON = "lệnh: generate_dataset"
REFORM_DAY = datetime.date(2025, 7, 1)


def _central() -> Unit:
    """The national association (kept by --reset, like the real provinces and communes)."""
    found = Unit.objects.filter(level=Unit.Level.CENTRAL, active_until__isnull=True).order_by("pk").first()
    if found:
        return found
    unit = unit_build(
        kind=Unit.Kind.ASSOCIATION, level=Unit.Level.CENTRAL, code=CENTRAL_CODE, name=CENTRAL_NAME, active_from=None
    )
    return units_create([unit], reason=REASON)[0]


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
