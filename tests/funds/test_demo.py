import datetime
import random

from django.core.management import call_command

from chapters.demo import DemoContext
from chapters.models import Summary
from chapters.services import tree as tree_services
from funds import demo
from funds.models import Fund, Transaction, Transfer
from tests.conftest import _user_with_role
from tests.factories import CommuneFactory, UnitFactory

D = datetime.date


def _context(tree):
    """The demo's shape on the test tree: a ward merged into the commune on 01/07/2025."""
    old = CommuneFactory(parent=tree.province, name="Phường Cũ", code="OLD1", active_from=D(2000, 1, 1))
    UnitFactory(parent=old, name="Chi hội tổ 4 cũ", code="OLD1-01")
    tree_services.unit_merge(predecessors=[old], successor=tree.commune, on=D(2025, 7, 1))
    old.refresh_from_db()
    school = UnitFactory(parent=tree.commune, name="Chi hội Trường THCS", code="10001-03", host="school")
    secretary = _user_with_role("thuky", tree.chapter, "secretary")
    chapters = [
        tree.chapter,
        tree.other_chapter,
        school,
        *tree.commune.children.exclude(pk__in=[tree.chapter.pk, tree.other_chapter.pk, school.pk]),
    ]
    return DemoContext(
        province=tree.province,
        communes=[
            tree.commune,
            tree.other_commune,
            CommuneFactory(parent=tree.province, name="Phường Ba", code="10003"),
        ],
        chapters=chapters,
        users={"thuky": secretary},
        today=D(2025, 12, 31),
        rng=random.Random(2025),
        merged_communes=[old],
    )


def test_demo_writes_two_years_of_books_that_reconcile_and_is_idempotent(tree, capsys):
    ctx = _context(tree)
    demo.seed(ctx)
    vouchers = Transaction.objects.count()
    assert Fund.objects.filter(name="Vì em hiếu học", unit=tree.province).exists()
    assert vouchers > 150
    assert {2024, 2025} <= set(Transaction.objects.values_list("year", flat=True))
    assert Transaction.objects.filter(counterparty_type="anonymous").exists()
    assert Transaction.objects.filter(counterparty_name__startswith="Công ty TNHH").exists()
    assert Transaction.objects.filter(reverses__isnull=False).exists()
    assert Transfer.objects.filter(status="confirmed", to_unit__host="school").exists()
    assert Transfer.objects.filter(status="pending").exists()
    # The merged ward handed its balance over: nothing is left in its fund.
    assert Fund.objects.get(unit=ctx.merged_communes[0]).balance == 0
    assert Summary.objects.filter(figure="funds.raised", year=2024).exists()
    call_command("check_funds")
    assert "khớp đến từng đồng" in capsys.readouterr().out
    demo.seed(ctx)
    assert Transaction.objects.count() == vouchers
