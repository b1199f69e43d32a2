"""Demo awards for `seed_demo` (contract in chapters/demo.py).

- Phường Cầu Giấy's year-end 2025 decision (cash): chapters and a clan commended, teachers and students rewarded,
  paid from the ward's fund in two steps (most of the list, then the rest), so "decided" and "paid" differ in
  2025 and meet in 2026;
- the ward People's Committee's certificates of merit for the 2 October 2025 study-promotion day (no money);
- a school chapter's scholarship programme «Vì em hiếu học»: six pupils from 2024, renewed in 2025 (one stopped
  after moving school) with two newcomers, each year paid from the programme's own fund.

Everything goes through the services (history, closed years, summaries). Idempotent: nothing is written when the
demo decisions exist.
"""

import datetime

from awards.models import Decision, Recipient, Scholarship
from awards.services import (
    NumberedRecipient,
    decision_pay_all,
    decision_save,
    recipient_pay,
    recipients_add,
    recipients_pay,
    scholarship_award,
    scholarship_save,
    scholarship_stop,
)
from chapters.demo import DemoContext
from chapters.models import Unit
from funds.models import Transaction
from funds.services import balance_on, fund_create, fund_default, transaction_create

D = datetime.date
NOTE = "Dữ liệu mẫu"
YEAR_END_NUMBER = "125/QĐ-HKH"

STUDENTS = [
    ("Nguyễn Minh Anh", "Trường THCS Cầu Giấy, lớp 9A1", "Giải Nhất học sinh giỏi thành phố môn Toán", 1_000_000),
    ("Trần Gia Bảo", "Trường THCS Cầu Giấy, lớp 8A3", "Giải Nhì học sinh giỏi thành phố môn Tiếng Anh", 800_000),
    ("Lê Khánh Chi", "Trường THCS Dịch Vọng, lớp 9A2", "Huy chương Bạc Olympic Tin học", 800_000),
    ("Phạm Đức Duy", "Trường THCS Dịch Vọng, lớp 7A1", "Học sinh xuất sắc 3 năm liền", 500_000),
    ("Hoàng Thu Hà", "Trường Tiểu học Dịch Vọng B, lớp 5A", "Giải Ba Trạng nguyên Tiếng Việt cấp quốc gia", 500_000),
    ("Vũ Ngọc Hân", "Trường Tiểu học Quan Hoa, lớp 4B", "Học sinh vượt khó học giỏi", 500_000),
    ("Đỗ Quang Huy", "Trường THCS Cầu Giấy, lớp 9A5", "Giải Khuyến khích học sinh giỏi thành phố", 500_000),
    ("Bùi Thanh Lam", "Trường Tiểu học Dịch Vọng B, lớp 3C", "Học sinh vượt khó học giỏi", 500_000),
    ("Ngô Bảo Ngọc", "Trường THCS Dịch Vọng, lớp 8A4", "Giải Nhất Hội khỏe Phù Đổng cấp quận", 500_000),
    ("Đặng Minh Quân", "Trường THCS Cầu Giấy, lớp 6A2", "Học sinh giỏi toàn diện", 300_000),
    ("Dương Khánh Linh", "Trường Tiểu học Quan Hoa, lớp 5C", "Học sinh giỏi toàn diện", 300_000),
    ("Lý Gia Hưng", "Trường THCS Dịch Vọng, lớp 6A3", "Học sinh giỏi toàn diện", 300_000),
]
TEACHERS = [
    ("Cô Nguyễn Thị Thanh Hương", "Trường THCS Cầu Giấy, môn Toán", "Bồi dưỡng học sinh đạt giải thành phố", 1_000_000),
    ("Thầy Trần Văn Nam", "Trường THCS Dịch Vọng, môn Tin học", "Bồi dưỡng học sinh đạt Huy chương Bạc", 1_000_000),
    ("Cô Lê Thị Mai", "Trường Tiểu học Dịch Vọng B", "Giáo viên dạy giỏi cấp thành phố", 700_000),
    ("Cô Phạm Thu Trang", "Trường Tiểu học Quan Hoa", "Tận tụy giúp đỡ học sinh khó khăn", 700_000),
]
OTHERS = [
    ("Ông Hoàng Văn Tư", "Chi hội tổ dân phố số 3", "Hội viên tiêu biểu, vận động ủng hộ quỹ 50 triệu đồng", 500_000),
    ("Bà Nguyễn Thị Lựu", "Chi hội dòng họ Nguyễn", "Hội viên tiêu biểu 5 năm liền", 500_000),
]
SCHOLARS = [
    ("Nguyễn Thị Ánh", 2012, "6A1"),
    ("Trần Văn Bình", 2011, "7A2"),
    ("Lê Minh Châu", 2012, "6A3"),
    ("Phạm Thị Duyên", 2010, "8A1"),
    ("Hoàng Văn Đạt", 2011, "7A4"),
    ("Vũ Thị Giang", 2010, "8A2"),
]
NEW_SCHOLARS_2025 = [("Đinh Thị Hằng", 2013, "6A2"), ("Tạ Văn Khôi", 2013, "6A4")]


def _chapter(ctx: DemoContext, commune: Unit, host: str, *, open_since: datetime.date | None = None) -> Unit | None:
    for unit in ctx.chapters:
        if unit.path.startswith(commune.path) and unit.host == host:
            if open_since is None or (unit.active_from and unit.active_from <= open_since):
                return unit
    return None


def _funded(fund, amount: int, day: datetime.date, donor: str) -> None:
    """Make sure the fund can pay `amount` on `day`: a donation received a few days before, if needed."""
    if balance_on(fund, day) >= amount:
        return
    transaction_create(
        fund=fund,
        kind=Transaction.Kind.RECEIPT,
        date=day - datetime.timedelta(days=3),
        amount=amount,
        purpose=Transaction.Purpose.DONATION,
        counterparty_type=Transaction.Counterparty.ORGANISATION,
        counterparty_name=donor,
        reason="Ủng hộ quỹ khen thưởng học sinh giỏi, nhà giáo tiêu biểu",
        history_reason=NOTE,
    )


def _add(decision: Decision, rows: list[Recipient]) -> None:
    recipients_add(decision, [NumberedRecipient(i, r) for i, r in enumerate(rows, start=1)], reason=NOTE)


def _year_end(ctx: DemoContext, ward: Unit) -> Decision:
    decision = decision_save(
        Decision(
            number=YEAR_END_NUMBER,
            date=D(2025, 12, 20),
            issuer_kind=Decision.IssuerKind.ASSOCIATION,
            issuer_unit=ward,
            occasion=Decision.Occasion.YEAR_END,
            form=Decision.Form.CASH,
            subject="Về việc khen thưởng tập thể, cá nhân có thành tích xuất sắc trong công tác khuyến học, "
            "khuyến tài năm 2025",
            signer="Hoàng Văn Dũng",
            unit=ward,
            notes=NOTE,
        ),
        reason=NOTE,
    )
    residential = _chapter(ctx, ward, Unit.Host.RESIDENTIAL)
    school = _chapter(ctx, ward, Unit.Host.SCHOOL)
    clan = _chapter(ctx, ward, Unit.Host.CLAN)
    rows = []
    for unit, achievement, amount in [
        (residential, "Dẫn đầu phong trào xây dựng gia đình học tập", 2_000_000),
        (school, "Vận động quỹ khuyến học đạt 120 triệu đồng", 2_000_000),
    ]:
        if unit is not None:
            rows.append(
                Recipient(kind=Recipient.Kind.COLLECTIVE, collective_unit=unit, achievement=achievement, amount=amount)
            )
    rows.append(
        Recipient(
            kind=Recipient.Kind.COLLECTIVE,
            name="Dòng họ Nguyễn Đình",
            achievement="Dòng họ học tập tiêu biểu",
            amount=1_500_000,
            unit=clan,
        )
    )
    for kind, people in [
        (Recipient.Kind.TEACHER, TEACHERS),
        (Recipient.Kind.STUDENT, STUDENTS),
        (Recipient.Kind.INDIVIDUAL, OTHERS),
    ]:
        for name, school_text, achievement, amount in people:
            unit = school if kind != Recipient.Kind.INDIVIDUAL else residential
            rows.append(
                Recipient(kind=kind, name=name, school=school_text, achievement=achievement, amount=amount, unit=unit)
            )
    _add(decision, rows)
    return decision


def _pay_year_end(ctx: DemoContext, decision: Decision, ward: Unit) -> None:
    fund = fund_default(ward)
    first_day = min(D(2025, 12, 26), ctx.today)
    if first_day < decision.date:
        return
    recipients = list(decision.recipients.unpaid().order_by("position"))
    later = recipients[-2:]  # two pupils were away: paid in January
    total = sum(r.amount for r in recipients)
    _funded(fund, total, first_day, "Công ty Cổ phần Sách và Thiết bị giáo dục Cầu Giấy")
    recipients_pay(recipients[:-2], fund=fund, paid_on=first_day)
    second_day = min(D(2026, 1, 8), ctx.today)
    if second_day > first_day:
        for recipient in later:
            recipient_pay(recipient, fund=fund, paid_on=second_day)


def _study_day(ctx: DemoContext, ward: Unit) -> None:
    decision = decision_save(
        Decision(
            number="2156/QĐ-UBND",
            date=D(2025, 10, 2),
            issuer_kind=Decision.IssuerKind.COMMITTEE,
            issuer_name="Ủy ban nhân dân phường Cầu Giấy",
            issuer_level=Unit.Level.COMMUNE,
            occasion=Decision.Occasion.STUDY_DAY,
            form=Decision.Form.CERTIFICATE,
            subject="Về việc tặng Giấy khen nhân Ngày Khuyến học Việt Nam 2/10",
            unit=ward,
            notes=NOTE,
        ),
        reason=NOTE,
    )
    board = _chapter(ctx, ward, Unit.Host.AGENCY)
    rows = [
        Recipient(kind=Recipient.Kind.COLLECTIVE, name="Gia đình ông Bùi Văn Thắng", achievement="Gia đình học tập"),
        Recipient(kind=Recipient.Kind.INDIVIDUAL, name="Bà Ngô Thị Lan", achievement="Phó Chủ tịch Hội tiêu biểu"),
        Recipient(kind=Recipient.Kind.INDIVIDUAL, name="Ông Bùi Đức Long", achievement="Ủy viên Thường vụ tích cực"),
    ]
    if board is not None:
        rows.insert(0, Recipient(kind=Recipient.Kind.COLLECTIVE, collective_unit=board, achievement="Đơn vị học tập"))
    _add(decision, rows)


def _scholarships(ctx: DemoContext, school: Unit) -> None:
    programme = "Học bổng «Vì em hiếu học»"
    fund = school.funds.filter(name="Quỹ học bổng Vì em hiếu học").first() or fund_create(
        unit=school, name="Quỹ học bổng Vì em hiếu học", opening_year=2024, opening_amount=40_000_000
    )
    first = decision_save(
        Decision(
            number="12/QĐ-CHKH",
            date=D(2024, 9, 5),
            issuer_kind=Decision.IssuerKind.ASSOCIATION,
            issuer_unit=school,
            occasion=Decision.Occasion.SCHOOL_YEAR,
            form=Decision.Form.SCHOLARSHIP,
            subject="Về việc cấp học bổng «Vì em hiếu học» năm học 2024-2025",
            unit=school,
            notes=NOTE,
        ),
        reason=NOTE,
    )
    second = decision_save(
        Decision(
            number="15/QĐ-CHKH",
            date=D(2025, 9, 5),
            issuer_kind=Decision.IssuerKind.ASSOCIATION,
            issuer_unit=school,
            occasion=Decision.Occasion.SCHOOL_YEAR,
            form=Decision.Form.SCHOLARSHIP,
            subject="Về việc cấp học bổng «Vì em hiếu học» năm học 2025-2026",
            unit=school,
            notes=NOTE,
        ),
        reason=NOTE,
    )
    school_name = school.name.replace("Chi hội ", "")
    scholars = []
    for name, birth_year, grade in SCHOLARS:
        scholarship = scholarship_save(
            Scholarship(
                student_name=name,
                birth_year=birth_year,
                school=school_name,
                grade=grade,
                programme=programme,
                unit=school,
                start_year=2024,
                notes=NOTE,
            ),
            reason=NOTE,
        )
        scholarship_award(scholarship, decision=first, amount=2_000_000, grade=grade, reason=NOTE)
        scholars.append(scholarship)
    if ctx.today >= D(2024, 9, 10):
        decision_pay_all(first, fund=fund, paid_on=D(2024, 9, 10))
    moved = scholars[-1]
    scholarship_stop(moved, year=2025, reason="Chuyển trường theo gia đình vào TP. Hồ Chí Minh")
    for scholarship in scholars[:-1]:
        grade = str(int(scholarship.grade[0]) + 1) + scholarship.grade[1:]
        scholarship_award(scholarship, decision=second, amount=2_500_000, grade=grade, reason=NOTE)
    for name, birth_year, grade in NEW_SCHOLARS_2025:
        scholarship = scholarship_save(
            Scholarship(
                student_name=name,
                birth_year=birth_year,
                school=school_name,
                grade=grade,
                programme=programme,
                unit=school,
                start_year=2025,
                notes=NOTE,
            ),
            reason=NOTE,
        )
        scholarship_award(scholarship, decision=second, amount=2_000_000, grade=grade, reason=NOTE)
    if ctx.today >= D(2025, 9, 10):
        decision_pay_all(second, fund=fund, paid_on=D(2025, 9, 10))


def seed(ctx: DemoContext) -> None:
    ward = ctx.communes[0]
    if Decision.objects.filter(unit__path__startswith=ward.path, notes=NOTE).exists():
        return
    year_end = _year_end(ctx, ward)
    _pay_year_end(ctx, year_end, ward)
    _study_day(ctx, ward)
    school = _chapter(ctx, ward, Unit.Host.SCHOOL, open_since=D(2024, 1, 1))
    if school is not None:
        _scholarships(ctx, school)
    ctx.log.append(
        "Khen thưởng: quyết định 125/QĐ-HKH (tổng kết 2025) của phường Cầu Giấy, giấy khen ngày 2/10, "
        "học bổng «Vì em hiếu học» 2024–2025."
    )
