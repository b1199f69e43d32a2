"""Writing award decisions, recipients and scholarships.

Every write goes through `record_save` / `record_delete` (history, closed years, stale edits) and refreshes the
"awards" summaries of the units and years it touched. Paying is in payments.py.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from awards.models import Decision, Payout, Recipient, Scholarship
from chapters.models import Unit
from chapters.services.periods import period_guard
from chapters.services.records import record_delete, record_save
from chapters.summaries import summaries_refresh
from core.formatting import money
from core.history import command_line
from core.text import fold, nfc, sort_key

PROVIDER = "awards"


def refresh(unit_ids, years) -> None:
    unit_ids = {u for u in unit_ids if u}
    years = {y for y in years if y}
    if unit_ids and years:
        summaries_refresh(unit_ids=unit_ids, years=years, providers=[PROVIDER])


def _delete_file_on_commit(file_field) -> None:
    if file_field:
        storage, name = file_field.storage, file_field.name
        transaction.on_commit(lambda: storage.delete(name))


# Decisions -------------------------------------------------------------------------------------------------


def _check_recipients_fit(decision: Decision) -> None:
    """A decision whose form changes must still fit the recipients already entered."""
    recipients = decision.recipients.all()
    rule = decision.amount_rule
    if rule == "forbidden" and recipients.filter(amount__gt=0).exists():
        raise ValidationError(
            {
                "form": f"Quyết định đã có người nhận kèm số tiền; không thể đổi sang "
                f"«{decision.form_display.lower()}». Hãy xóa số tiền của họ trước."
            }
        )
    if rule == "required":
        missing = recipients.filter(amount__isnull=True).count() + recipients.filter(amount=0).count()
        if missing:
            raise ValidationError(
                {"form": f"{missing} người nhận chưa có số tiền; hãy nhập số tiền trước khi đổi hình thức."}
            )
    if decision.form == Decision.Form.SCHOLARSHIP:
        if recipients.filter(kind=Recipient.Kind.COLLECTIVE).exists():
            raise ValidationError({"form": "Quyết định đã có người nhận là tập thể; học bổng chỉ cấp cho cá nhân."})
    elif recipients.filter(scholarship__isnull=False).exists():
        raise ValidationError({"form": "Quyết định đã cấp học bổng nhiều năm; không thể đổi sang hình thức khác."})


@transaction.atomic
def decision_save(decision: Decision, *, actor=None, expected_version: int | None = None, reason: str = "") -> Decision:
    """Create or change a decision. A new date moves its recipients to another year: both years must be open
    for every unit they belong to."""
    before = Decision.objects.filter(pk=decision.pk).first() if decision.pk else None
    recipient_units = []
    if before is not None:
        recipient_units = list(Unit.objects.filter(pk__in=decision.recipients.values("unit_id")))
        if before.date != decision.date:
            period_guard([(unit, day) for unit in recipient_units for day in (before.date, decision.date)])
        decision.clean()
        _check_recipients_fit(decision)
    old_scan = before.scan if before is not None and before.scan and before.scan.name != decision.scan.name else None
    record_save(decision, actor=actor, expected_version=expected_version, reason=reason)
    if old_scan:
        _delete_file_on_commit(old_scan)
    unit_ids = {decision.unit_id, *(u.pk for u in recipient_units)}
    years = {decision.date.year}
    if before is not None:
        unit_ids.add(before.unit_id)
        years.add(before.date.year)
    refresh(unit_ids, years)
    return decision


@transaction.atomic
def decision_delete(decision: Decision, *, actor=None, reason: str = "") -> None:
    """Delete a decision with its recipients; refused once any of them has been paid."""
    if Payout.objects.filter(recipient__decision=decision).exists():
        raise ValidationError(
            "Quyết định này đã có khoản chi ghi trong sổ quỹ (kể cả khoản đã hủy): không thể xóa. "
            "Nếu quyết định bị bãi bỏ, hãy hủy các khoản chi và ghi chú vào quyết định."
        )
    recipients = list(decision.recipients.select_related("unit"))
    period_guard([(r.unit, decision.date) for r in recipients])
    for recipient in recipients:
        recipient.decision = decision
        record_delete(recipient, actor=actor, reason=reason)
    unit_ids = {decision.unit_id, *(r.unit_id for r in recipients)}
    scan = decision.scan if decision.scan else None
    year = decision.date.year
    record_delete(decision, actor=actor, reason=reason)
    if scan:
        _delete_file_on_commit(scan)
    refresh(unit_ids, [year])


# Recipients ------------------------------------------------------------------------------------------------


def _scholarship_stage(scholarship: Scholarship, decision: Decision, exclude_pk=None) -> str:
    """New in the scholarship's first year (unless an earlier award exists), renewal after."""
    if decision.date.year > scholarship.start_year:
        return Recipient.Stage.RENEWAL
    earlier = scholarship.awards.filter(decision__date__lt=decision.date).exclude(pk=exclude_pk)
    return Recipient.Stage.RENEWAL if earlier.exists() else Recipient.Stage.NEW


def _check_scholarship(recipient: Recipient) -> None:
    scholarship, decision = recipient.scholarship, recipient.decision
    if decision.date.year < scholarship.start_year:
        raise ValidationError(
            {
                "scholarship": f"Quyết định năm {decision.date.year} có trước năm bắt đầu học bổng "
                f"({scholarship.start_year})."
            }
        )
    if scholarship.status == Scholarship.Status.STOPPED and decision.date.year >= (scholarship.stopped_year or 0):
        raise ValidationError(
            {
                "scholarship": f"Học bổng của {scholarship.student_name} đã dừng từ năm {scholarship.stopped_year} "
                f"({scholarship.stop_reason})."
            }
        )
    recipient.stage = _scholarship_stage(scholarship, decision, exclude_pk=recipient.pk)
    recipient.kind = Recipient.Kind.STUDENT
    recipient.name = recipient.name or scholarship.student_name
    recipient.school = recipient.school or scholarship.school
    recipient.grade = recipient.grade or scholarship.grade
    if not recipient.unit_id:
        recipient.unit = scholarship.unit


@transaction.atomic
def recipient_save(
    recipient: Recipient, *, actor=None, expected_version: int | None = None, reason: str = ""
) -> Recipient:
    """Add or correct one recipient. A paid recipient's amount and unit are frozen (its voucher exists)."""
    before = Recipient.objects.select_related("unit").filter(pk=recipient.pk).first() if recipient.pk else None
    if before is not None:
        payout = before.active_payout()
        if payout and (before.amount != recipient.amount or before.unit_id != recipient.unit_id):
            raise ValidationError(
                f"Đã chi {money(payout.amount)} cho {before.name} theo phiếu chi {payout.voucher.number}; "
                "không thể sửa số tiền hoặc đơn vị. Hãy hủy khoản chi trước."
            )
    if recipient.scholarship_id:
        _check_scholarship(recipient)
    recipient.fill_defaults()
    if not recipient.position:
        last = recipient.decision.recipients.order_by("-position").values_list("position", flat=True).first()
        recipient.position = (last or 0) + 1
    record_save(recipient, actor=actor, expected_version=expected_version, reason=reason)
    refresh({recipient.unit_id, before.unit_id if before else None}, [recipient.decision.date.year])
    return recipient


class RowsInvalid(ValidationError):
    """Some rows of a list cannot be saved; `rows` holds (row number, field label, message) for each problem."""

    def __init__(self, rows: list[tuple[int, str, str]]):
        self.rows = rows
        super().__init__([f"Dòng {line}: {message}" for line, _label, message in rows])


def row_errors(error: ValidationError, model=Recipient) -> list[tuple[str, str]]:
    """(field label, message) pairs of a model ValidationError, labels in Vietnamese."""
    result = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            try:
                label = str(model._meta.get_field(field).verbose_name)
            except Exception:
                label = ""
            for item in errors:
                result.extend((label, message) for message in item.messages)
    else:
        result.extend(("", message) for message in error.messages)
    return result


def recipient_derive(recipient: Recipient) -> Recipient:
    """The derived columns `Recipient.save` fills in, for rows written in bulk."""
    recipient.name = nfc(recipient.name)
    recipient.search_key = fold(recipient.name)[:255]
    recipient.sort_key = sort_key(recipient.name)[:600]
    recipient.version = 1
    return recipient


@dataclass
class NumberedRecipient:
    line: int
    recipient: Recipient


def recipients_validate(decision: Decision, rows: list[NumberedRecipient]) -> list[tuple[int, str, str]]:
    """Validate unsaved recipients of one decision; returns every problem with its row number."""
    problems: list[tuple[int, str, str]] = []
    for row in rows:
        recipient = row.recipient
        recipient.decision = decision
        try:
            if recipient.scholarship_id:
                _check_scholarship(recipient)
            recipient.fill_defaults()
            recipient.full_clean(exclude=["position"])
        except ValidationError as error:
            problems.extend((row.line, label, message) for label, message in row_errors(error))
    return problems


@transaction.atomic
def recipients_add(decision: Decision, rows: list[NumberedRecipient], *, actor=None, reason: str = "") -> list:
    """Add many recipients to a decision at once (a pasted list, an import): all or nothing.

    Raises RowsInvalid listing every bad row, saving nothing. History is recorded for every row."""
    problems = recipients_validate(decision, rows)
    if problems:
        raise RowsInvalid(problems)
    recipients = [row.recipient for row in rows]
    period_guard({(r.unit, decision.date) for r in recipients})
    last = decision.recipients.order_by("-position").values_list("position", flat=True).first() or 0
    for offset, recipient in enumerate(recipients, start=1):
        recipient.position = last + offset
        recipient_derive(recipient)
    user = actor if getattr(actor, "is_authenticated", False) else None
    created = bulk_create_with_history(
        recipients,
        Recipient,
        batch_size=1000,
        default_user=user,
        default_change_reason=(reason or ("" if actor is not None else command_line()))[:100],
    )
    refresh({r.unit_id for r in recipients}, [decision.date.year])
    return created


@transaction.atomic
def recipient_delete(recipient: Recipient, *, actor=None, reason: str = "") -> None:
    if Payout.objects.filter(recipient=recipient).exists():
        raise ValidationError(
            f"{recipient.name} đã có khoản chi ghi trong sổ quỹ (kể cả khoản đã hủy): không thể xóa khỏi quyết định."
        )
    unit_id, year = recipient.unit_id, recipient.decision.date.year
    record_delete(recipient, actor=actor, reason=reason)
    refresh([unit_id], [year])


# Scholarships ----------------------------------------------------------------------------------------------


@transaction.atomic
def scholarship_save(
    scholarship: Scholarship, *, actor=None, expected_version: int | None = None, reason: str = ""
) -> Scholarship:
    if scholarship.pk:
        first = scholarship.awards.order_by("decision__date").select_related("decision").first()
        if first and first.decision.date.year < scholarship.start_year:
            raise ValidationError(
                {"start_year": f"Học bổng đã được cấp từ năm {first.decision.date.year}; năm bắt đầu không thể sau đó."}
            )
    record_save(scholarship, actor=actor, expected_version=expected_version, reason=reason)
    return scholarship


@transaction.atomic
def scholarship_award(
    scholarship: Scholarship,
    *,
    decision: Decision,
    amount: int | None,
    actor=None,
    school: str = "",
    grade: str = "",
    achievement: str = "",
    reason: str = "",
) -> Recipient:
    """This year's award of a scholarship under a scholarship decision: new in its first year, renewal after."""
    if decision.form != Decision.Form.SCHOLARSHIP:
        raise ValidationError({"decision": f"{decision} không phải quyết định cấp học bổng."})
    if decision.recipients.filter(scholarship=scholarship).exists():
        raise ValidationError({"decision": f"{scholarship.student_name} đã có trong {decision}."})
    recipient = Recipient(
        decision=decision,
        scholarship=scholarship,
        kind=Recipient.Kind.STUDENT,
        name=scholarship.student_name,
        school=nfc(school) or scholarship.school,
        grade=nfc(grade) or scholarship.grade,
        achievement=nfc(achievement),
        unit=scholarship.unit,
        amount=amount,
    )
    return recipient_save(recipient, actor=actor, reason=reason)


@transaction.atomic
def scholarship_stop(scholarship: Scholarship, *, year: int, reason: str, actor=None) -> Scholarship:
    """Stop a scholarship from `year` (no award can be made in that year or later)."""
    later = scholarship.awards.filter(decision__date__year__gte=year).select_related("decision").first()
    if later:
        raise ValidationError(
            {
                "stopped_year": f"Học bổng đã được cấp theo {later.decision} (năm {later.decision.date.year}); "
                "hãy chọn năm dừng sau năm đó."
            }
        )
    scholarship.status = Scholarship.Status.STOPPED
    scholarship.stopped_year = year
    scholarship.stop_reason = nfc(reason)
    return record_save(scholarship, actor=actor, reason="Dừng học bổng")


def scholarship_history(scholarship: Scholarship) -> list[Recipient]:
    """The yearly awards of a scholarship, oldest first, with their decisions and payments."""
    return list(
        scholarship.awards.with_payment().select_related("decision", "unit").order_by("decision__date", "position")
    )
