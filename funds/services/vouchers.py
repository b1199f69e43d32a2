"""Receipt and payment vouchers: numbering, the checks every voucher passes, corrections and reversals."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from chapters.services.periods import period_guard
from chapters.services.records import record_save
from core import formatting
from core.text import nfc
from funds.models import ANONYMOUS_NAME, MAX_AMOUNT, Fund, OpeningBalance, Transaction, VoucherCounter

from .common import balance_on, lock, refresh

Kind = Transaction.Kind
Purpose = Transaction.Purpose
Counterparty = Transaction.Counterparty

# Fields of a voucher a secretary may change while it has not been printed; only `notes` once it has.
EDITABLE_FIELDS = [
    "date",
    "amount",
    "counterparty_type",
    "counterparty_name",
    "counterparty_address",
    "member_id",
    "purpose",
    "reason",
    "in_kind",
    "in_kind_description",
    "attachments",
    "notes",
]
EDITABLE_AFTER_PRINT = ["notes"]


def check_amount(amount, *, allow_zero=False, allow_negative=False, field="amount") -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationError({field: "Số tiền phải là số nguyên đồng (không có phần lẻ)."})
    if amount < 0 and not allow_negative:
        raise ValidationError({field: "Số tiền không được âm."})
    if amount == 0 and not allow_zero:
        raise ValidationError({field: "Số tiền phải lớn hơn 0."})
    if abs(amount) > MAX_AMOUNT:
        raise ValidationError({field: "Số tiền quá lớn, hãy kiểm tra lại."})


def _check_date(fund: Fund, day, *, field="date") -> None:
    if not isinstance(day, datetime.date):
        raise ValidationError({field: "Hãy nhập ngày theo dạng ngày/tháng/năm."})
    if day > timezone.localdate():
        raise ValidationError({field: "Ngày của phiếu không được sau hôm nay."})
    unit = fund.unit
    if unit.active_from and day < unit.active_from:
        raise ValidationError(
            {field: f"{unit.display_name} chỉ hoạt động từ ngày {formatting.date(unit.active_from)}."}
        )
    if unit.active_until and day > unit.active_until:
        raise ValidationError(
            {field: f"{unit.display_name} đã ngừng hoạt động sau ngày {formatting.date(unit.active_until)}."}
        )
    opening = OpeningBalance.objects.filter(fund=fund).first()
    if opening and day.year < opening.year:
        raise ValidationError(
            {field: f"Sổ quỹ {fund.name} bắt đầu từ năm {opening.year}: không thể ghi phiếu của năm {day.year}."}
        )


def _check_counterparty(values: dict) -> None:
    kind = values.get("counterparty_type") or Counterparty.PERSON
    if kind not in Counterparty.values:
        raise ValidationError({"counterparty_type": "Loại người nộp, người nhận không hợp lệ."})
    if kind == Counterparty.ANONYMOUS:
        values["counterparty_name"] = values.get("counterparty_name") or ANONYMOUS_NAME
        values["member_id"] = None
    elif not nfc(values.get("counterparty_name")) and not (kind == Counterparty.MEMBER and values.get("member_id")):
        raise ValidationError({"counterparty_name": "Hãy ghi họ tên người nộp, người nhận (hoặc chọn giấu tên)."})
    if values.get("in_kind") and not nfc(values.get("in_kind_description")):
        raise ValidationError({"in_kind_description": "Hãy ghi hiện vật là gì (ví dụ: 100 bộ sách giáo khoa)."})


def _check_purpose(kind: str, purpose: str, *, internal: bool) -> None:
    if purpose == Purpose.TRANSFER and not internal:
        raise ValidationError({"purpose": "Chuyển quỹ giữa các đơn vị hãy dùng chức năng Chuyển quỹ."})
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": "Mục đích không hợp lệ."})
    allowed = Transaction.RECEIPT_PURPOSES if kind == Kind.RECEIPT else Transaction.PAYMENT_PURPOSES
    if purpose != Purpose.TRANSFER and purpose not in allowed:
        label = "phiếu thu" if kind == Kind.RECEIPT else "phiếu chi"
        raise ValidationError({"purpose": f"Mục đích «{Purpose(purpose).label}» không dùng cho {label}."})


def _allocate(fund: Fund, kind: str, year: int) -> int:
    """The next number of `kind` for `fund` in `year`: the counter row is created if missing, then locked."""
    VoucherCounter.objects.bulk_create([VoucherCounter(fund=fund, kind=kind, year=year)], ignore_conflicts=True)
    counter = VoucherCounter.objects.select_for_update().get(fund=fund, kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _overdraft(fund: Fund, balance: int, day: datetime.date) -> ValidationError:
    """The one refusal of a write that would take a fund below zero (forms, imports, API)."""
    return ValidationError(
        {
            "amount": f"Không đủ số dư: {fund.name} của {fund.unit.display_name} sẽ âm "
            f"{formatting.money(-balance)} vào ngày {formatting.date(day)}. "
            "Quỹ này không được chi quá số dư."
        }
    )


def ensure_not_negative(fund: Fund, from_day: datetime.date) -> None:
    """Refuse a change that takes the balance below zero on any day from `from_day` on (a payment dated in the
    past must not overdraw the fund on a later day either), unless the fund allows it."""
    if fund.allow_negative:
        return
    balance = balance_on(fund, from_day - datetime.timedelta(days=1))
    if balance < 0:
        day = from_day
    else:
        day = None
        rows = fund.transactions.filter(date__gte=from_day).values_list("date").annotate(total=Sum("delta"))
        for when, total in rows.order_by("date"):
            balance += total
            if balance < 0:
                day = when
                break
    if day is not None:
        raise _overdraft(fund, balance, day)


def funds_overdrafts(
    first_days: dict[Fund, datetime.date], pending: dict[int, dict[datetime.date, int]] | None = None
) -> dict[Fund, tuple[datetime.date, int]]:
    """For each fund that may not go below zero: the first day from its day in `first_days` on that would close
    below zero, with that balance (funds that stay at or above zero are left out).

    `pending`: what vouchers not written yet move, per fund and day (an import's validation). The balance before a
    fund's first day is its stored balance less what its vouchers from that day on moved (the stored balance is
    opening + every voucher, kept under the fund's lock by every writer and proven by `check_funds`), so only the
    vouchers from the earliest of the days are read, in one query, not every voucher the funds ever had."""
    first_days = {fund: day for fund, day in first_days.items() if not fund.allow_negative}
    if not first_days:
        return {}
    pending = pending or {}
    daily: dict[int, dict[datetime.date, int]] = {}
    for fund_id, when, total in (
        Transaction.objects.filter(fund_id__any=[fund.pk for fund in first_days], date__gte=min(first_days.values()))
        .values_list("fund_id", "date")
        .annotate(total=Sum("delta"))
        .values_list("fund_id", "date", "total")
    ):
        daily.setdefault(fund_id, {})[when] = total
    found = {}
    for fund, from_day in sorted(first_days.items(), key=lambda item: item[0].pk):
        stored = {when: total for when, total in daily.get(fund.pk, {}).items() if when >= from_day}
        moves = pending.get(fund.pk, {})
        balance = fund.balance - sum(stored.values()) + sum(total for when, total in moves.items() if when < from_day)
        if balance < 0:
            found[fund] = (from_day, balance)
            continue
        for when in sorted(stored.keys() | {when for when in moves if when >= from_day}):
            balance += stored.get(when, 0) + moves.get(when, 0)
            if balance < 0:
                found[fund] = (when, balance)
                break
    return found


def funds_ensure_not_negative(first_days: dict[Fund, datetime.date]) -> None:
    """`ensure_not_negative` for many funds at once (an import touching thousands of funds), their rows locked and
    their stored balances current (`funds_overdrafts`)."""
    for fund, (day, balance) in funds_overdrafts(first_days).items():
        raise _overdraft(fund, balance, day)


@transaction.atomic
def transaction_create(
    *,
    fund: Fund,
    kind: str,
    date: datetime.date,
    amount: int,
    purpose: str,
    actor=None,
    counterparty_type: str = Counterparty.PERSON,
    counterparty_name: str = "",
    counterparty_address: str = "",
    member_id: int | None = None,
    reason: str = "",
    in_kind: bool = False,
    in_kind_description: str = "",
    attachments: str = "",
    notes: str = "",
    reverses: Transaction | None = None,
    internal: bool = False,
    history_reason: str = "",
) -> Transaction:
    """Write a receipt or payment with the next number of its kind in the fund and year.

    Raises ValidationError (field → Vietnamese message) and saves nothing when the voucher is not acceptable.
    `internal` lets the transfer service write vouchers with the purpose "transfer".
    """
    fund = lock(fund)
    if kind not in Kind.values:
        raise ValidationError({"kind": "Loại phiếu không hợp lệ."})
    if not fund.is_active:
        raise ValidationError(f"{fund.name} của {fund.unit.display_name} đã ngừng sử dụng: không thể lập phiếu.")
    check_amount(amount)
    _check_date(fund, date)
    _check_purpose(kind, purpose, internal=internal or reverses is not None)
    values = {
        "counterparty_type": counterparty_type,
        "counterparty_name": counterparty_name,
        "member_id": member_id,
        "in_kind": in_kind,
        "in_kind_description": in_kind_description,
    }
    _check_counterparty(values)
    voucher = Transaction(
        fund=fund,
        unit=fund.unit,
        kind=kind,
        date=date,
        amount=amount,
        purpose=purpose,
        counterparty_type=values["counterparty_type"],
        counterparty_name=values["counterparty_name"],
        counterparty_address=counterparty_address,
        member_id=values["member_id"],
        reason=reason,
        in_kind=in_kind,
        in_kind_description=in_kind_description if in_kind else "",
        attachments=nfc(attachments),
        notes=notes.strip(),
        reverses=reverses,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # The closed-year guard runs before a number is taken, so a refused voucher leaves no trace at all.
    period_guard(voucher.period_keys())
    voucher.year = date.year
    voucher.seq = _allocate(fund, kind, date.year)
    voucher.fill_derived()
    record_save(voucher, actor=actor, reason=history_reason)
    Fund.objects.filter(pk=fund.pk).update(balance=F("balance") + voucher.delta)
    if voucher.delta < 0:
        ensure_not_negative(fund, date)
    refresh([fund.unit_id], date)
    return voucher


def editable_fields(voucher: Transaction) -> list[str]:
    """What may still change on a voucher: everything while unprinted, only the notes once printed, nothing of
    amounts on reversals, reversed vouchers and transfer vouchers."""
    if voucher.is_reversal or voucher.is_transfer or has_reversal(voucher) or voucher.printed_at:
        return EDITABLE_AFTER_PRINT
    return EDITABLE_FIELDS


def has_reversal(voucher: Transaction) -> bool:
    try:
        return voucher.reversal is not None
    except Transaction.DoesNotExist:
        return False


@transaction.atomic
def transaction_update(
    voucher: Transaction, *, actor=None, expected_version: int | None = None, reason: str = "", **fields
) -> Transaction:
    """Correct a voucher. Once printed (or reversed, or when it is a reversal or a transfer) only its notes may
    change: amounts are corrected by a reversal and a new voucher."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"transaction_update() cannot change {sorted(unknown)}")
    fund = lock(voucher.fund)
    current = Transaction.objects.select_for_update().get(pk=voucher.pk)
    allowed = editable_fields(current)
    changed = {name: value for name, value in fields.items() if getattr(current, name) != value}
    refused = [name for name in changed if name not in allowed]
    if refused:
        if current.printed_at:
            why = f"Phiếu {current.number} đã in lúc {timezone.localtime(current.printed_at):%H:%M %d/%m/%Y}"
        elif current.is_reversal:
            why = f"Phiếu {current.number} là phiếu ghi âm"
        elif current.is_transfer:
            why = f"Phiếu {current.number} là phiếu chuyển quỹ"
        else:
            why = f"Phiếu {current.number} đã được ghi âm"
        raise ValidationError(
            f"{why}: chỉ còn sửa được phần ghi chú. Muốn sửa số tiền hay nội dung, hãy ghi âm (hủy) phiếu này "
            "rồi lập phiếu mới."
        )
    if "amount" in changed:
        check_amount(changed["amount"])
    if "date" in changed:
        _check_date(fund, changed["date"])
        if changed["date"].year != current.year:
            raise ValidationError(
                {
                    "date": f"Phiếu {current.number} được đánh số theo năm {current.year}: không thể chuyển sang năm "
                    "khác. Hãy ghi âm phiếu này rồi lập phiếu mới ở năm đúng."
                }
            )
    if "purpose" in changed:
        _check_purpose(current.kind, changed["purpose"], internal=False)
    values = {name: fields.get(name, getattr(current, name)) for name in EDITABLE_FIELDS}
    _check_counterparty(values)
    old_date, old_delta = current.date, current.delta
    for name in EDITABLE_FIELDS:
        setattr(voucher, name, values[name])
    if not voucher.in_kind:
        voucher.in_kind_description = ""
    voucher.notes = (voucher.notes or "").strip()
    voucher.fill_derived()
    record_save(voucher, actor=actor, expected_version=expected_version, reason=reason)
    if voucher.delta != old_delta:
        Fund.objects.filter(pk=fund.pk).update(balance=F("balance") + voucher.delta - old_delta)
    first_day = min(old_date, voucher.date)
    if voucher.delta != old_delta or voucher.date != old_date:
        ensure_not_negative(fund, first_day)
    refresh([fund.unit_id], first_day)
    return voucher


@transaction.atomic
def transaction_reverse(
    voucher: Transaction,
    *,
    actor=None,
    date: datetime.date | None = None,
    reason: str = "",
    internal: bool = False,
) -> Transaction:
    """Cancel `voucher` by a reversal: a voucher of the same kind, with its own number, whose effect is the
    opposite (ghi âm). The original stays in the books, marked as cancelled by it."""
    original = Transaction.objects.select_for_update().select_related("fund__unit").get(pk=voucher.pk)
    if original.is_reversal:
        raise ValidationError(f"Phiếu {original.number} là phiếu ghi âm: không thể ghi âm tiếp.")
    if has_reversal(original):
        raise ValidationError(f"Phiếu {original.number} đã được ghi âm bởi phiếu {original.reversal.number}.")
    if original.is_transfer and not internal:
        raise ValidationError(
            f"Phiếu {original.number} là phiếu chuyển quỹ: hãy hủy hoặc từ chối lần chuyển quỹ, hoặc lập một lần "
            "chuyển quỹ ngược lại."
        )
    date = date or timezone.localdate()
    if date < original.date:
        raise ValidationError(
            {"date": f"Ngày ghi âm không được trước ngày của phiếu gốc ({formatting.date(original.date)})."}
        )
    why = nfc(reason)
    return transaction_create(
        fund=original.fund,
        kind=original.kind,
        date=date,
        amount=original.amount,
        purpose=original.purpose,
        actor=actor,
        counterparty_type=original.counterparty_type,
        counterparty_name=original.counterparty_name,
        counterparty_address=original.counterparty_address,
        member_id=original.member_id,
        reason=f"Ghi âm (hủy) phiếu {original.number}" + (f": {why}" if why else ""),
        in_kind=original.in_kind,
        in_kind_description=original.in_kind_description,
        reverses=original,
        internal=True,
        history_reason=f"Ghi âm phiếu {original.number}",
    )


def transaction_mark_printed(voucher: Transaction, *, actor=None) -> Transaction:
    """Record that the voucher was printed for signing: from then on its amount can no longer be edited.

    Printing changes no figure, so it is allowed in a closed year; it is recorded in the voucher's history.
    """
    with transaction.atomic():
        current = Transaction.objects.select_for_update().get(pk=voucher.pk)
        first = current.printed_at is None
        now = timezone.now()
        Transaction.objects.filter(pk=current.pk).update(
            printed_at=current.printed_at or now, print_count=F("print_count") + 1
        )
        current.refresh_from_db()
        if first:
            record = current.history.model(
                **{f.attname: getattr(current, f.attname) for f in current.history.model.tracked_fields},
                history_date=now,
                history_type="~",
                history_change_reason="In phiếu",
                history_user=actor if getattr(actor, "is_authenticated", False) else None,
            )
            record.save()
    return current
