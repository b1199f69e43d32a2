"""Transfers between funds: the sender's payment, then the receiver's receipt (at once, or when confirmed)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from chapters import scoping
from chapters.models import Unit
from chapters.services.periods import closure_for
from chapters.services.records import record_save
from core import formatting
from core.text import nfc
from funds.models import Fund, Transaction, Transfer

from .books import fund_default
from .vouchers import transaction_create, transaction_reverse

Kind = Transaction.Kind
Purpose = Transaction.Purpose
Counterparty = Transaction.Counterparty


@transaction.atomic
def transfer_create(
    *,
    from_fund: Fund,
    to_unit: Unit | None,
    amount: int,
    date: datetime.date,
    actor=None,
    reason: str = "",
    to_fund: Fund | None = None,
    received_on: datetime.date | None = None,
) -> Transfer:
    """Pass money from `from_fund` to a fund of `to_unit`.

    The sender's payment is written now. When the actor may also enter data for the receiving unit (or a
    command runs it), the receipt is written in the same operation, dated `received_on` (default: the same
    day); otherwise the transfer waits for the receiving side to confirm it.
    """
    if to_unit is None:
        raise ValidationError({"to_unit": "Không tìm thấy đơn vị nhận: hãy kiểm tra lại mã đơn vị."})
    if to_unit.active_until and to_unit.active_until < date:
        closed = formatting.date(to_unit.active_until)
        raise ValidationError({"to_unit": f"{to_unit.display_name} đã ngừng hoạt động từ sau ngày {closed}."})
    if to_fund is not None:
        if to_fund.unit_id != to_unit.pk:
            raise ValidationError({"to_fund": "Quỹ nhận không thuộc đơn vị nhận."})
        if to_fund.pk == from_fund.pk:
            raise ValidationError({"to_fund": "Quỹ nhận phải khác quỹ chuyển."})
    reason = nfc(reason)
    payment = transaction_create(
        fund=from_fund,
        kind=Kind.PAYMENT,
        date=date,
        amount=amount,
        purpose=Purpose.TRANSFER,
        actor=actor,
        counterparty_type=Counterparty.UNIT,
        counterparty_name=to_unit.display_name,
        reason=reason or f"Chuyển quỹ cho {to_unit.display_name}",
        internal=True,
    )
    transfer = Transfer(
        from_fund=payment.fund,
        to_unit=to_unit,
        date=date,
        amount=amount,
        reason=reason,
        payment=payment,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_save(transfer, actor=actor)
    if actor is None or scoping.can(actor, scoping.CHANGE, to_unit):
        receiving = to_fund or fund_default(to_unit, actor=actor)
        if receiving.pk == from_fund.pk:
            # A unit passing money between its own funds must name the other fund.
            raise ValidationError({"to_fund": "Hãy chọn quỹ nhận khác quỹ chuyển."})
        transfer_confirm(transfer, actor=actor, to_fund=receiving, date=received_on or date)
    return transfer


def _ensure_receiver(actor, transfer: Transfer) -> None:
    if actor is not None and not scoping.can(actor, scoping.CHANGE, transfer.to_unit):
        raise PermissionDenied("Chỉ thư ký của đơn vị nhận mới xác nhận hoặc từ chối được khoản chuyển này.")


def _locked_pending(transfer: Transfer) -> Transfer:
    current = Transfer.objects.select_for_update().select_related("from_fund__unit", "to_unit").get(pk=transfer.pk)
    if current.status != Transfer.Status.PENDING:
        raise ValidationError(f"Khoản chuyển này đã ở trạng thái «{current.get_status_display()}».")
    return current


@transaction.atomic
def transfer_confirm(
    transfer: Transfer, *, actor=None, to_fund: Fund | None = None, date: datetime.date | None = None, note: str = ""
) -> Transfer:
    """The receiving side confirms the money arrived: its receipt is written (dated the day it arrived)."""
    current = _locked_pending(transfer)
    _ensure_receiver(actor, current)
    to_fund = to_fund or fund_default(current.to_unit, actor=actor)
    if to_fund.unit_id != current.to_unit_id:
        raise ValidationError({"to_fund": "Quỹ nhận không thuộc đơn vị nhận."})
    if to_fund.pk == current.from_fund_id:
        raise ValidationError({"to_fund": "Quỹ nhận phải khác quỹ chuyển."})
    date = date or timezone.localdate()
    if date < current.date:
        raise ValidationError({"date": f"Ngày nhận không được trước ngày chuyển ({formatting.date(current.date)})."})
    sender = current.from_fund.unit
    receipt = transaction_create(
        fund=to_fund,
        kind=Kind.RECEIPT,
        date=date,
        amount=current.amount,
        purpose=Purpose.TRANSFER,
        actor=actor,
        counterparty_type=Counterparty.UNIT,
        counterparty_name=sender.display_name,
        reason=current.reason or f"Nhận chuyển quỹ từ {sender.display_name}",
        internal=True,
    )
    current.to_fund = receipt.fund
    current.receipt = receipt
    current.status = Transfer.Status.CONFIRMED
    current.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    current.decided_at = timezone.now()
    current.decision_note = nfc(note)
    record_save(current, actor=actor, reason="Xác nhận đã nhận")
    transfer.refresh_from_db()
    return current


def _undo(current: Transfer, *, actor, status: str, note: str, history_reason: str) -> Transfer:
    """Reverse the sender's payment. The money never left the association, so the reversal is dated on the
    payment's own day while that year is open (the year's figures then show no transfer at all), else today."""
    day = current.payment.date
    if closure_for(current.from_fund.unit, day.year):
        day = max(timezone.localdate(), day)
    transaction_reverse(
        current.payment,
        actor=actor,
        date=day,
        reason=history_reason + (f": {nfc(note)}" if note else ""),
        internal=True,
    )
    current.status = status
    current.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    current.decided_at = timezone.now()
    current.decision_note = nfc(note)
    # The transfer's own row is dated at the sender's date; a decision taken later is not a change of that year.
    record_save(current, actor=actor, reason=history_reason, validate=True)
    return current


@transaction.atomic
def transfer_reject(transfer: Transfer, *, actor=None, note: str = "") -> Transfer:
    """The receiving side says the money did not arrive: the sender's payment is reversed."""
    current = _locked_pending(transfer)
    _ensure_receiver(actor, current)
    result = _undo(current, actor=actor, status=Transfer.Status.REJECTED, note=note, history_reason="Bên nhận từ chối")
    transfer.refresh_from_db()
    return result


@transaction.atomic
def transfer_cancel(transfer: Transfer, *, actor=None, note: str = "") -> Transfer:
    """The sender withdraws a transfer not yet confirmed: its payment is reversed."""
    current = _locked_pending(transfer)
    if actor is not None and not scoping.can(actor, scoping.CHANGE, current.from_fund.unit):
        raise PermissionDenied("Chỉ thư ký của đơn vị chuyển mới hủy được khoản chuyển này.")
    result = _undo(current, actor=actor, status=Transfer.Status.CANCELLED, note=note, history_reason="Bên chuyển hủy")
    transfer.refresh_from_db()
    return result
