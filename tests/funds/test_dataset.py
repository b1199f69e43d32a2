import random

import pytest
from django.core.management import call_command
from django.db import connection

from chapters.dataset import DatasetContext
from funds import dataset
from funds.models import Fund, Transaction, VoucherCounter


def _context(tree):
    return DatasetContext(
        scale="ward",
        province_id=tree.province.pk,
        commune_ids=[tree.commune.pk],
        chapter_ids=[tree.chapter.pk, tree.other_chapter.pk, tree.outside_chapter.pk],
        years=[2025, 2026],
        rng=random.Random(7),
    )


@pytest.mark.parametrize("vendor", ["postgresql", "fallback"])
def test_dataset_writes_numbered_vouchers_with_history_that_reconcile(tree, monkeypatch, capsys, vendor):
    if vendor == "fallback":
        monkeypatch.setattr(connection, "vendor", "sqlite")
    ctx = _context(tree)
    dataset.generate(ctx)
    assert ctx.counts["Phiếu thu, chi"] == Transaction.objects.count() == 2 * dataset.PER_YEAR["ward"]
    assert Transaction.history.count() == Transaction.objects.count()
    assert Fund.objects.count() == 3
    for counter in VoucherCounter.objects.all():
        seqs = sorted(
            Transaction.objects.filter(fund=counter.fund, kind=counter.kind, year=counter.year).values_list(
                "seq", flat=True
            )
        )
        assert seqs == list(range(1, counter.last + 1))
    monkeypatch.undo()
    call_command("check_funds")
    assert "khớp đến từng đồng" in capsys.readouterr().out
