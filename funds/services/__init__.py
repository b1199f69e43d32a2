"""Writing the fund's books: funds, opening balances, vouchers, reversals and transfers.

Every voucher write locks its fund's row first, so numbering, the balance kept on the fund and the check that a
fund does not go below zero are decided one writer at a time. Each write refreshes the fund summaries of the
unit for the years it can change (a voucher changes the closing balance of every later year).
"""

from .books import fund_create, fund_default, fund_update, opening_balance_set
from .common import balance_available, balance_on, deferred_refresh
from .transfers import transfer_cancel, transfer_confirm, transfer_create, transfer_reject
from .vouchers import (
    EDITABLE_AFTER_PRINT,
    EDITABLE_FIELDS,
    editable_fields,
    has_reversal,
    transaction_create,
    transaction_mark_printed,
    transaction_reverse,
    transaction_update,
)

__all__ = [
    "EDITABLE_AFTER_PRINT",
    "EDITABLE_FIELDS",
    "balance_available",
    "balance_on",
    "deferred_refresh",
    "editable_fields",
    "fund_create",
    "fund_default",
    "fund_update",
    "has_reversal",
    "opening_balance_set",
    "transaction_create",
    "transaction_mark_printed",
    "transaction_reverse",
    "transaction_update",
    "transfer_cancel",
    "transfer_confirm",
    "transfer_create",
    "transfer_reject",
]
