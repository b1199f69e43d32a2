"""Demo data (issue 2 §6): a real city with three of its wards, ~30 chapters and boards, a historic district
whose wards went into today's Phường Cầu Giấy and Phường Nghĩa Đô on 01/07/2025, terms and leadership, baseline
figures and one demo login per role. Idempotent: a second run changes nothing. Then each app adds its own demo
data (chapters/demo.py).

The city is loaded with its pre-reform tree (`load_divisions --province 01 --history`, issue 14): the historic
units (Quận Cầu Giấy, Phường Quan Hoa, Phường Dịch Vọng) are the loaded ones, with the real lineage; every
figure and person is illustrative.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chapters import demo
from chapters.demo import DemoContext
from chapters.models import BaselineFigure, LeadershipPosition, Role, Term, Unit
from chapters.services import tree as tree_services
from chapters.services.records import record_save
from chapters.summaries import summaries_refresh

D = datetime.date
DEMO_PASSWORD = "khuyenhoc2025"
PROVINCE_CODE = "01"  # Thành phố Hà Nội
COMMUNE_CODES = ["00167", "00160", "00175"]  # Phường Cầu Giấy (the merged one), Phường Nghĩa Đô, Phường Yên Hòa
REFORM_DAY = D(2025, 7, 1)
ONE_DAY = datetime.timedelta(days=1)

H = Unit.Host
CHAPTERS = {
    "00167": [
        (Unit.Kind.CHAPTER, H.RESIDENTIAL, "Chi hội tổ dân phố số 3"),
        (Unit.Kind.CHAPTER, H.RESIDENTIAL, "Chi hội tổ dân phố số 7"),
        (Unit.Kind.CHAPTER, H.SCHOOL, "Chi hội Trường THCS Cầu Giấy"),
        (Unit.Kind.CHAPTER, H.SCHOOL, "Chi hội Trường Tiểu học Dịch Vọng B"),
        (Unit.Kind.BOARD, H.AGENCY, "Ban khuyến học Công an phường Cầu Giấy"),
        (Unit.Kind.CHAPTER, H.CLAN, "Chi hội dòng họ Nguyễn"),
    ],
    "00160": [
        (Unit.Kind.CHAPTER, H.RESIDENTIAL, "Chi hội tổ dân phố số 1"),
        (Unit.Kind.CHAPTER, H.RESIDENTIAL, "Chi hội tổ dân phố số 5"),
        (Unit.Kind.CHAPTER, H.RESIDENTIAL, "Chi hội tổ dân phố số 12"),
        (Unit.Kind.CHAPTER, H.SCHOOL, "Chi hội Trường THCS Nghĩa Tân"),
        (Unit.Kind.CHAPTER, H.SCHOOL, "Chi hội Trường Mầm non Hoa Sen"),
        (Unit.Kind.BOARD, H.AGENCY, "Ban khuyến học Công an phường Nghĩa Đô"),
        (Unit.Kind.BOARD, H.ENTERPRISE, "Ban khuyến học Công ty Cổ phần May Thăng Long"),
        (Unit.Kind.CHAPTER, H.CLAN, "Chi hội dòng họ Lê"),
        (Unit.Kind.CHAPTER, H.RELIGIOUS, "Chi hội giáo xứ Nghĩa Đô"),
    ],
    "00175": [
        (Unit.Kind.CHAPTER, H.RESIDENTIAL, "Chi hội tổ dân phố số 2"),
        (Unit.Kind.CHAPTER, H.RESIDENTIAL, "Chi hội tổ dân phố số 9"),
        (Unit.Kind.CHAPTER, H.RESIDENTIAL, "Chi hội tổ dân phố số 15"),
        (Unit.Kind.CHAPTER, H.SCHOOL, "Chi hội Trường THCS Yên Hòa"),
        (Unit.Kind.CHAPTER, H.SCHOOL, "Chi hội Trường Tiểu học Yên Hòa"),
        (Unit.Kind.BOARD, H.AGENCY, "Ban khuyến học Trạm Y tế phường Yên Hòa"),
        (Unit.Kind.CHAPTER, H.CLAN, "Chi hội dòng họ Phạm"),
        (Unit.Kind.CHAPTER, H.CLAN, "Chi hội dòng họ Trần"),
        (Unit.Kind.CHAPTER, H.OTHER, "Chi hội Cựu giáo chức"),
    ],
}
HISTORIC_DISTRICT = {"code": "005", "name": "Quận Cầu Giấy", "division_type": "quận", "active_from": D(1997, 1, 1)}
OLD_COMMUNES = [
    (
        {"code": "00169", "name": "Phường Quan Hoa", "division_type": "phường"},
        [
            (Unit.Kind.CHAPTER, H.RESIDENTIAL, "Chi hội tổ dân phố Quan Hoa 4"),
            (Unit.Kind.CHAPTER, H.SCHOOL, "Chi hội Trường Tiểu học Quan Hoa"),
            (Unit.Kind.CHAPTER, H.CLAN, "Chi hội dòng họ Đỗ"),
        ],
    ),
    (
        {"code": "00166", "name": "Phường Dịch Vọng", "division_type": "phường"},
        [
            (Unit.Kind.CHAPTER, H.RESIDENTIAL, "Chi hội tổ dân phố Dịch Vọng 6"),
            (Unit.Kind.CHAPTER, H.SCHOOL, "Chi hội Trường THCS Dịch Vọng"),
            (Unit.Kind.BOARD, H.AGENCY, "Ban khuyến học Công an phường Dịch Vọng"),
        ],
    ),
]
# Leadership of each association: (position, full name, title).
LEADERS = {
    "01": [
        ("chair", "Nguyễn Văn Thành", "Nhà giáo nhân dân"),
        ("vice_chair", "Trần Thị Minh Hạnh", ""),
        ("vice_chair", "Lê Quang Vinh", ""),
        ("standing", "Phạm Thị Thu Hương", ""),
        ("standing", "Đặng Văn Khoa", ""),
    ],
    "00167": [
        ("chair", "Hoàng Văn Dũng", "Nhà giáo ưu tú"),
        ("vice_chair", "Ngô Thị Lan", ""),
        ("standing", "Bùi Đức Long", ""),
        ("standing", "Vũ Thị Ngọc Ánh", ""),
    ],
    "00160": [
        ("chair", "Đỗ Thị Bích Ngọc", ""),
        ("vice_chair", "Phan Văn Hải", ""),
        ("vice_chair", "Lý Thị Hồng", ""),
        ("standing", "Trịnh Quốc Bảo", ""),
    ],
    "00175": [
        ("chair", "Đinh Văn Tuấn", ""),
        ("vice_chair", "Mai Thị Phương", ""),
        ("standing", "Tạ Minh Đức", ""),
        ("standing", "Cao Thị Yến", ""),
    ],
    "005": [("chair", "Lương Văn Sơn", ""), ("vice_chair", "Hà Thị Thúy", "")],
    "00169": [("chair", "Kiều Văn Bình", "")],
    "00166": [("chair", "Dương Thị Mai", "")],
}
# username: (given name, family and middle names, role, unit code)
USERS = {
    "thuky": ("Hoa", "Nguyễn Thị", Role.Kind.SECRETARY, "00167-01"),
    "thuky_xa": ("Tâm", "Lê Thị", Role.Kind.SECRETARY, "00160"),
    "canbo_xa": ("Hùng", "Trần Văn", Role.Kind.OFFICER, "00167"),
    "canbo_tinh": ("Hương", "Phạm Thị Thu", Role.Kind.OFFICER, "01"),
    "kiemtra": ("Quang", "Võ Minh", Role.Kind.VIEWER, "00167"),
    "quantri": ("Đức", "Nguyễn Văn", Role.Kind.ADMINISTRATOR, "01"),
}
ROLE_LABELS = {
    Role.Kind.SECRETARY: "thư ký",
    Role.Kind.OFFICER: "cán bộ",
    Role.Kind.VIEWER: "kiểm tra (chỉ xem)",
    Role.Kind.ADMINISTRATOR: "quản trị",
}


class Command(BaseCommand):
    help = "Tạo dữ liệu mẫu (một thành phố, ba phường, chi hội, người dùng mẫu); chạy lại không thay đổi gì."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Cho phép chạy trên cấu hình vận hành thật.")

    def handle(self, *args, **options):
        if settings.PRODUCTION and not options["force"]:
            raise CommandError(
                "Đây là cấu hình vận hành thật (KHUYENHOC_ENV=production): không tạo dữ liệu mẫu. "
                "Thêm --force nếu thật sự muốn."
            )
        loaded = Unit.objects.filter(level=Unit.Level.PROVINCE, code=PROVINCE_CODE, active_until__isnull=True)
        # Phường Phúc Xá, the first commune of the pre-reform list: there once the city's history is loaded.
        history = Unit.objects.filter(level=Unit.Level.COMMUNE, code="00001", active_until=REFORM_DAY - ONE_DAY)
        if not loaded.exists() or not history.exists():
            call_command("load_divisions", province=PROVINCE_CODE, history=True, stdout=self.stdout)
        try:
            with transaction.atomic():
                ctx = self._seed()
                self._seed_apps(ctx)
        except ValidationError as error:
            raise CommandError("Không tạo được dữ liệu mẫu: " + "; ".join(error.messages)) from None
        for line in ctx.log:
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(f"Dữ liệu mẫu đã sẵn sàng. Tài khoản mẫu (mật khẩu chung: {DEMO_PASSWORD}):")
        )
        for username, (given, family, kind, code) in USERS.items():
            unit = self._unit(code)  # today's unit: old commune codes were reused by the reform
            self.stdout.write(f"  {username:<11} {family} {given} — {ROLE_LABELS[kind]}, {unit.display_name}")

    # The tree -------------------------------------------------------------------------------------------------

    def _unit(self, code: str) -> Unit:
        return (
            Unit.objects.filter(code=code).filter(Q(active_until__isnull=True) | Q(active_until__gte=REFORM_DAY)).get()
        )

    def _ensure(self, *, code: str, **fields) -> Unit:
        existing = Unit.objects.filter(code=code, level=fields["level"], kind=fields["kind"]).first()
        return existing or tree_services.unit_create(code=code, **fields)

    def _chapters(self, parent: Unit, rows, active_from: datetime.date) -> list[Unit]:
        units = []
        for number, (kind, host, name) in enumerate(rows, start=1):
            units.append(
                self._ensure(
                    code=f"{parent.code}-{number:02d}",
                    kind=kind,
                    level=Unit.Level.GRASSROOTS,
                    host=host,
                    name=name,
                    parent=parent,
                    active_from=active_from,
                )
            )
        return units

    def _seed(self) -> DemoContext:
        today = timezone.localdate()
        province = self._unit(PROVINCE_CODE)
        communes = [self._unit(code) for code in COMMUNE_CODES]
        merged_into = communes[0]

        district = self._ensure(
            kind=Unit.Kind.ASSOCIATION, level=Unit.Level.DISTRICT, parent=province, **HISTORIC_DISTRICT
        )
        old_communes = []
        for fields, chapter_rows in OLD_COMMUNES:
            old = self._ensure(
                kind=Unit.Kind.ASSOCIATION,
                level=Unit.Level.COMMUNE,
                parent=district,
                active_from=HISTORIC_DISTRICT["active_from"],
                **fields,
            )
            # The chapters are created under the old ward first, so they move with it at the merge.
            self._chapters(old, chapter_rows, D(2008, 3, 26))
            old_communes.append(old)
        pending = [old for old in old_communes if old.active_until is None]
        if pending:
            tree_services.unit_merge(
                predecessors=pending,
                successor=merged_into,
                on=REFORM_DAY,
                decision="Nghị quyết số 1656/NQ-UBTVQH15 ngày 16/6/2025",
            )
        district.refresh_from_db()
        if district.active_until is None:
            tree_services.unit_close(district, on=REFORM_DAY - datetime.timedelta(days=1))

        for commune in communes:
            self._chapters(commune, CHAPTERS[commune.code], REFORM_DAY)

        for unit in [province, *communes, district, *old_communes]:
            self._leadership(unit)
        self._baseline(communes, old_communes)
        users = self._users()
        chapters = list(
            Unit.objects.filter(
                parent__in=communes, kind__in=[Unit.Kind.CHAPTER, Unit.Kind.BOARD], active_until__isnull=True
            ).ordered()
        )
        return DemoContext(
            province=province,
            communes=communes,
            chapters=chapters,
            users=users,
            today=today,
            historic_district=district,
            merged_communes=[Unit.objects.get(pk=old.pk) for old in old_communes],
        )

    def _leadership(self, unit: Unit) -> None:
        term, created = Term.objects.get_or_create(
            unit=unit, start_year=2021, defaults={"end_year": 2026, "congress": "Đại hội lần thứ IV"}
        )
        if created:
            term.congress_on = D(2021, 9, 18) if unit.level != Unit.Level.PROVINCE else D(2021, 11, 26)
            record_save(term)
        since = term.congress_on or D(2021, 9, 18)
        for position, full_name, title in LEADERS.get(unit.code, []):
            if LeadershipPosition.objects.filter(unit=unit, full_name=full_name, position=position).exists():
                continue
            record_save(
                LeadershipPosition(
                    unit=unit,
                    term=term,
                    full_name=full_name,
                    position=position,
                    title=title,
                    since=since,
                    until=unit.active_until,
                    elected_by=f"{term.congress} (nhiệm kỳ 2021–2026)",
                )
            )

    def _baseline(self, communes: list[Unit], old_communes: list[Unit]) -> None:
        written: set[int] = set()

        def figure(unit: Unit, year: int, population: int, share: float = 1.0) -> None:
            if BaselineFigure.objects.filter(unit=unit, year=year).exists():
                return
            growth = 1 + 0.012 * (year - 2023)
            people = int(population * share * growth)
            record_save(
                BaselineFigure(
                    unit=unit,
                    year=year,
                    population=people,
                    households=people // 3,
                    adults=int(people * 0.72),
                    party_members=people // 40,
                    residential_groups=max(1, people // 1500) if unit.level != Unit.Level.GRASSROOTS else None,
                    clans=max(1, people // 4000) if unit.level != Unit.Level.GRASSROOTS else None,
                    agencies=max(1, people // 2500) if unit.level != Unit.Level.GRASSROOTS else None,
                )
            )
            written.add(unit.pk)

        for commune, population in zip(communes, [61_000, 48_500, 42_300], strict=True):
            for year in (2023, 2024, 2025):
                figure(commune, year, population)
            residential = commune.children.filter(host=Unit.Host.RESIDENTIAL, active_until__isnull=True)
            for chapter in residential.ordered():
                for year in (2023, 2024, 2025):
                    figure(chapter, year, population, 0.05)
        for old, population in zip(old_communes, [33_000, 28_000], strict=True):
            for year in (2023, 2024):
                figure(old, year, population)
        if written:
            summaries_refresh(unit_ids=written, years=[2023, 2024, 2025], providers=["baseline"])

    def _users(self) -> dict:
        User = get_user_model()
        users = {}
        for username, (given, family, kind, code) in USERS.items():
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": given, "last_name": family}
            )
            if created or not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save()
            Role.objects.get_or_create(user=user, unit=self._unit(code), kind=kind)
            users[username] = user
        return users

    # Each app's own demo data ----------------------------------------------------------------------------------

    def _seed_apps(self, ctx: DemoContext) -> None:
        for seed in demo.SEEDERS:
            seed(ctx)
