import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chapters.models import Summary
from funds.models import Fund


def test_check_funds_passes_on_consistent_books(books, capsys):
    call_command("check_funds")
    out = capsys.readouterr().out
    assert "khớp đến từng đồng" in out
    assert "3 quỹ" in out


def test_check_funds_fails_on_a_tampered_summary(tree, books, capsys):
    row = Summary.objects.get(unit=tree.commune, year=2024, period="Y", figure="funds.raised")
    row.value += 1
    row.save()
    with pytest.raises(CommandError, match="không khớp"):
        call_command("check_funds")
    err = capsys.readouterr().err
    assert "Thu trong kỳ" in err and "phường Bạch Đằng" in err
    assert "21.000.001 đồng" in err and "21.000.000 đồng" in err


def test_check_funds_fails_on_a_tampered_fund_balance(books, commune_fund, capsys):
    Fund.objects.filter(pk=commune_fund.pk).update(balance=1)
    with pytest.raises(CommandError):
        call_command("check_funds", "--unit", "10001")
    assert "số dư lưu 1 đồng" in capsys.readouterr().err


def test_check_funds_of_one_subtree_and_year(tree, books, capsys):
    call_command("check_funds", "--unit", tree.commune.code, "--year", "2024")
    assert "1 năm" in capsys.readouterr().out


def test_check_funds_refuses_an_unknown_unit(db):
    with pytest.raises(CommandError, match="Không có đơn vị nào mang mã XYZ"):
        call_command("check_funds", "--unit", "XYZ")
