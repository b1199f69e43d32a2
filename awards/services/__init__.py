"""Writing awards: decisions, recipients and scholarships (records.py), and paying them through the funds app
(payments.py). Every write records history, respects closed years and keeps the "awards" summaries current."""

from .payments import decision_pay_all, payment_purpose, payout_cancel, recipient_pay, recipients_pay
from .records import (
    NumberedRecipient,
    RowsInvalid,
    decision_delete,
    decision_save,
    recipient_delete,
    recipient_derive,
    recipient_save,
    recipients_add,
    recipients_validate,
    row_errors,
    scholarship_award,
    scholarship_history,
    scholarship_save,
    scholarship_stop,
)

__all__ = [
    "NumberedRecipient",
    "RowsInvalid",
    "decision_delete",
    "decision_pay_all",
    "decision_save",
    "payment_purpose",
    "payout_cancel",
    "recipient_delete",
    "recipient_derive",
    "recipient_pay",
    "recipient_save",
    "recipients_add",
    "recipients_pay",
    "recipients_validate",
    "row_errors",
    "scholarship_award",
    "scholarship_history",
    "scholarship_save",
    "scholarship_stop",
]
