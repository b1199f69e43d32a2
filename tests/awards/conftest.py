"""Helpers for the awards tests: decisions and recipients written through the services."""

import datetime

import pytest

from awards.models import Decision, Recipient
from awards.services import decision_save, recipient_save

D = datetime.date


def make_decision(unit, *, number="125/QĐ-HKH", date=None, form=Decision.Form.CASH, **fields):
    values = {
        "number": number,
        "date": date or D(2025, 12, 20),
        "issuer_kind": Decision.IssuerKind.ASSOCIATION,
        "issuer_unit": unit,
        "occasion": Decision.Occasion.YEAR_END,
        "form": form,
        "unit": unit,
        "subject": "Về việc khen thưởng tập thể, cá nhân có thành tích trong công tác khuyến học năm 2025",
    }
    values.update(fields)
    return decision_save(Decision(**values))


def add_recipient(decision, *, name, kind=Recipient.Kind.STUDENT, unit=None, amount=None, **fields):
    recipient = Recipient(decision=decision, name=name, kind=kind, unit=unit, amount=amount, **fields)
    return recipient_save(recipient)


@pytest.fixture
def decision(tree):
    """A year-end cash decision of the commune, 20/12/2025."""
    return make_decision(tree.commune)
