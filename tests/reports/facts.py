"""Writing facts the way the application does (its services), for the figures tests: members, fund vouchers,
classes, baseline figures and title records. Each write keeps the summaries current as the forms do."""

import datetime

from django.db.models import Q

from chapters.models import BaselineFigure
from chapters.services.records import record_save
from chapters.summaries import summaries_refresh
from funds.models import Transaction
from funds.services import fund_create, transaction_create
from learning_models.models import CriteriaSet, LearningClass, TitleRecord, TitleType
from learning_models.services.classes import class_save
from members.models import Clan, Household, Member
from members.services import member_create, member_leave


def baseline(unit, year, **values):
    row = BaselineFigure.objects.filter(unit=unit, year=year).first() or BaselineFigure(unit=unit, year=year)
    for name, value in values.items():
        setattr(row, name, value)
    record_save(row)
    summaries_refresh(unit_ids=[unit.pk], years=[year], providers=["baseline"])
    return row


def member(unit, joined: datetime.date, left: datetime.date | None = None, n: int = 0) -> Member:
    person = member_create(
        unit=unit,
        joined_on=joined,
        full_name=f"Nguyễn Văn Hội Viên {unit.pk}-{joined.isoformat()}-{n}",
        gender=Member.Gender.MALE,
        birth_year=1960,
    )
    if left:
        member_leave(person, on=left, reason=Member.LeftReason.MOVED_AWAY)
    return person


def fund(unit, opening_year: int | None = None, opening: int = 0):
    return fund_create(unit=unit, opening_year=opening_year, opening_amount=opening)


def receipt(book, amount: int, day: datetime.date):
    return transaction_create(
        fund=book,
        kind=Transaction.Kind.RECEIPT,
        date=day,
        amount=amount,
        purpose=Transaction.Purpose.DONATION,
        counterparty_type=Transaction.Counterparty.PERSON,
        counterparty_name="Ông Trần Văn Hảo Tâm",
    )


def payment(book, amount: int, day: datetime.date):
    return transaction_create(
        fund=book,
        kind=Transaction.Kind.PAYMENT,
        date=day,
        amount=amount,
        purpose=Transaction.Purpose.SCHOLARSHIP,
        counterparty_type=Transaction.Counterparty.PERSON,
        counterparty_name="Em Lê Thị Học Giỏi",
    )


def lesson(unit, day: datetime.date, attendances: int) -> LearningClass:
    return class_save(
        LearningClass(unit=unit, topic="Tin học cho người cao tuổi", starts_on=day, attendances=attendances)
    )


def titles(unit, code: str, year: int, *, registered: int, recognised: int, registered_on=None) -> None:
    """`registered` subjects (households or clans of `unit`) registered for the title in `year`, the first
    `recognised` of them recognised by a decision of 20 December; written as an import does (bulk, then one
    summaries refresh)."""
    title = TitleType.objects.get(code=code)
    criteria = (
        CriteriaSet.objects.filter(title_type=title, year_from__lte=year)
        .filter(Q(year_until__isnull=True) | Q(year_until__gte=year))
        .first()
    ) or CriteriaSet.objects.create(title_type=title, name=f"Tiêu chí {title.name} (thử nghiệm)", year_from=2015)
    records = []
    for index in range(registered):
        if title.subject_kind == TitleType.Subject.CLAN:
            subject = {"clan": Clan.objects.get_or_create(unit=unit, name=f"Dòng họ {unit.code}-{index}")[0]}
        else:
            subject = {
                "household": Household.objects.get_or_create(
                    unit=unit, code=f"H{index:04d}", defaults={"head_name": f"Chủ hộ {unit.code} {index}"}
                )[0]
            }
        done = index < recognised
        records.append(
            TitleRecord(
                title_type=title,
                criteria_set=criteria,
                year=year,
                unit=unit,
                registered_on=registered_on or datetime.date(year, 3, 1),
                status=TitleRecord.Status.RECOGNISED if done else TitleRecord.Status.REGISTERED,
                decision_number="12/QĐ-UBND" if done else "",
                decision_date=datetime.date(year, 12, 20) if done else None,
                valid_until_year=year + title.years_valid - 1 if done else None,
                **subject,
            )
        )
    for record in records:
        record.save()
    summaries_refresh(unit_ids=[unit.pk], years=[year], providers=["titles"])
