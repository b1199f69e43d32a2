"""Paying awards through the funds app: vouchers and award payments written in one transaction, and cancelled
together (ghi âm)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from awards.models import Decision, Payout, Recipient
from chapters.services.periods import period_guard
from core.history import command_line
from core.text import fold, nfc
from funds.models import Transaction
from funds.services import transaction_create, transaction_reverse

from .records import refresh


def payment_purpose(recipient: Recipient) -> str:
    """The fund's purpose for the money of one recipient (what the cash book and the fund figures show)."""
    Purpose = Transaction.Purpose
    if recipient.decision.form == Decision.Form.SCHOLARSHIP:
        return Purpose.SCHOLARSHIP
    if recipient.kind == Recipient.Kind.STUDENT:
        return Purpose.STUDENT_REWARD
    if recipient.kind == Recipient.Kind.TEACHER:
        return Purpose.TEACHER_REWARD
    if recipient.kind == Recipient.Kind.COLLECTIVE and not recipient.collective_unit_id:
        # Families, clans, schools and other collectives outside the association's own tree.
        return Purpose.FAMILY_REWARD
    return Purpose.OTHER


def _counterparty(recipient: Recipient) -> str:
    Counterparty = Transaction.Counterparty
    if recipient.kind != Recipient.Kind.COLLECTIVE:
        return Counterparty.MEMBER if recipient.member_id else Counterparty.PERSON
    if recipient.collective_unit_id:
        return Counterparty.UNIT
    return Counterparty.CLAN if "ho" in fold(recipient.name).split()[:2] else Counterparty.ORGANISATION


def _check_fund(fund, decision: Decision) -> None:
    """The fund must belong to the association of the decision, one above it, or one below it."""
    if not (decision.unit.path.startswith(fund.unit.path) or fund.unit.path.startswith(decision.unit.path)):
        raise ValidationError(
            {
                "fund": f"{fund.name} của {fund.unit.display_name} không thuộc {decision.unit.display_name}, "
                "cấp trên hoặc cấp dưới của đơn vị này."
            }
        )


@transaction.atomic
def recipients_pay(recipients: list[Recipient], *, fund, paid_on, actor=None) -> list:
    """Pay recipients of one decision from `fund`: the fund's payment vouchers and the award's payments are
    written in one transaction, so either both exist or neither does.

    One recipient gets a voucher in their own name. Several get one voucher per purpose (student rewards,
    teacher rewards, ...) made out to "the attached list", as treasurers do: the printed recipient list, signed
    on receipt, is the voucher's supporting document. Returns the vouchers written.
    """
    if not recipients:
        raise ValidationError("Không có người nhận nào cần chi tiền.")
    decisions = {r.decision_id for r in recipients}
    if len(decisions) != 1:
        raise ValidationError("Chỉ chi cho người nhận của cùng một quyết định trong một lần.")
    decision = recipients[0].decision
    _check_fund(fund, decision)
    # Lock the recipients so two people paying the same list at once cannot pay anybody twice.
    locked = list(
        Recipient.objects.select_for_update()
        .filter(pk__in=[r.pk for r in recipients])
        .select_related("unit", "decision", "decision__unit")
        .order_by("position", "pk")
    )
    already = set(Payout.objects.active().filter(recipient__in=locked).values_list("recipient_id", flat=True))
    problems = []
    for recipient in locked:
        if recipient.pk in already:
            problems.append(f"{recipient.name} đã được chi tiền.")
        elif not recipient.amount:
            problems.append(f"{recipient.name} không có số tiền để chi.")
    if problems:
        raise ValidationError(problems)
    if paid_on < decision.date:
        raise ValidationError({"paid_on": f"Ngày chi không được trước ngày quyết định ({decision.date:%d/%m/%Y})."})
    period_guard({(r.unit, paid_on) for r in locked})

    in_kind = decision.form == Decision.Form.GIFT
    what = "Tặng quà" if in_kind else "Chi"
    reference = f"Quyết định số {decision.number} ngày {decision.date:%d/%m/%Y}"
    groups: dict[str, list[Recipient]] = {}
    for recipient in locked:
        groups.setdefault(payment_purpose(recipient), []).append(recipient)
    vouchers, payouts = [], []
    for purpose, members in groups.items():
        total = sum(r.amount for r in members)
        label = Transaction.Purpose(purpose).label.lower()
        if len(members) == 1:
            person = members[0]
            counterparty = {
                "counterparty_type": _counterparty(person),
                "counterparty_name": person.name,
                "counterparty_address": person.school_and_grade[:255],
                "member_id": person.member_id,
            }
            reason = f"{what} {label} theo {reference}"
        else:
            counterparty = {
                "counterparty_type": Transaction.Counterparty.PERSON,
                "counterparty_name": f"Danh sách {len(members)} người nhận kèm theo",
            }
            reason = f"{what} {label} cho {len(members)} người theo {reference}"
        voucher = transaction_create(
            fund=fund,
            kind=Transaction.Kind.PAYMENT,
            date=paid_on,
            amount=total,
            purpose=purpose,
            actor=actor,
            reason=reason[:255],
            in_kind=in_kind,
            in_kind_description=f"Quà tặng theo {reference}"[:255] if in_kind else "",
            attachments=f"{reference}; danh sách ký nhận"[:255],
            history_reason=f"Chi khen thưởng theo quyết định {decision.number}"[:100],
            **counterparty,
        )
        vouchers.append(voucher)
        payouts.extend(
            Payout(recipient=r, paid_on=paid_on, amount=r.amount, voucher=voucher, version=1) for r in members
        )
    user = actor if getattr(actor, "is_authenticated", False) else None
    bulk_create_with_history(
        payouts,
        Payout,
        batch_size=1000,
        default_user=user,
        default_change_reason=(f"Chi tiền theo quyết định {decision.number}" if actor else command_line())[:100],
    )
    refresh({r.unit_id for r in locked}, [paid_on.year])
    return vouchers


def recipient_pay(recipient: Recipient, *, fund, paid_on, actor=None):
    """Pay one recipient: one payment voucher in their name. Returns the voucher."""
    return recipients_pay([recipient], fund=fund, paid_on=paid_on, actor=actor)[0]


def decision_pay_all(decision: Decision, *, fund, paid_on, actor=None, unit=None) -> list:
    """Pay every recipient of the decision who has an amount and has not been paid yet (optionally only those
    of one unit's subtree: lists are often handed out school by school)."""
    recipients = decision.recipients.unpaid()
    if unit is not None:
        recipients = recipients.filter(unit__path__startswith=unit.path)
    return recipients_pay(list(recipients.select_related("decision")), fund=fund, paid_on=paid_on, actor=actor)


@transaction.atomic
def payout_cancel(payout: Payout, *, actor=None, date=None, reason: str = "") -> list[Payout]:
    """Cancel a payment: the fund's voucher is reversed (ghi âm) and every payment it carried gets its opposite
    row, dated on the cancellation. Those recipients become unpaid again and can be paid anew."""
    date = date or timezone.localdate()
    voucher = payout.voucher
    active = list(Payout.objects.active().filter(voucher=voucher).select_related("recipient__unit"))
    if not active:
        raise ValidationError(f"Khoản chi theo phiếu {voucher.number} đã được hủy trước đó.")
    period_guard({(p.recipient.unit, date) for p in active})
    reversal = transaction_reverse(voucher, actor=actor, date=date, reason=reason)
    rows = [
        Payout(recipient=p.recipient, paid_on=date, amount=-p.amount, voucher=reversal, reverses=p, version=1)
        for p in active
    ]
    user = actor if getattr(actor, "is_authenticated", False) else None
    created = bulk_create_with_history(
        rows,
        Payout,
        default_user=user,
        default_change_reason=(nfc(reason) or f"Hủy phiếu chi {voucher.number}")[:100],
    )
    refresh({p.recipient.unit_id for p in active}, [date.year])
    return created
