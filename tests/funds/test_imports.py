import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chapters.models import Summary
from chapters.services.periods import period_close
from funds import services
from funds.models import Fund, Transaction

D = datetime.date
HEADER = "Mã đơn vị;Quỹ;Số phiếu;Loại phiếu;Ngày;Số tiền;Họ và tên;Là;Mục đích;Diễn giải;Hiện vật;Ghi âm phiếu số"


def sheet(tmp_path, *lines, name="so-quy.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8-sig")
    return str(path)


ROWS = [
    "10001-01;;PT-2024-0001;;05/03/2024;1.500.000;Ông Nguyễn Văn Đức;Cá nhân;Ủng hộ;Ủng hộ quỹ;;",
    "10001-01;Quỹ Khuyến học;1;Chi;10/03/2024;500.000;Em Lê Thị Bình;;Học bổng;Học bổng học kỳ I;;",
    "10001-01;;PT-2024-0002;Thu;12/03/2024;300.000;;Giấu tên;;;;",
]


def test_import_writes_vouchers_with_their_numbers_balance_history_and_summaries(tmp_path, tree, chapter_fund, capsys):
    call_command("import_data", "transactions", sheet(tmp_path, *ROWS))
    vouchers = {v.number: v for v in chapter_fund.transactions.all()}
    assert set(vouchers) == {"PT-2024-0001", "PC-2024-0001", "PT-2024-0002"}
    assert vouchers["PC-2024-0001"].purpose == "scholarship" and vouchers["PC-2024-0001"].delta == -500_000
    assert vouchers["PT-2024-0002"].counterparty_display == "Nhà hảo tâm giấu tên"
    assert Fund.objects.get(pk=chapter_fund.pk).balance == 1_300_000
    assert vouchers["PT-2024-0001"].history.first().history_change_reason.startswith("Nhập từ tệp so-quy")
    assert Summary.objects.get(unit=tree.chapter, year=2024, period="Y", figure="funds.raised").value == 1_800_000
    # The counters moved past the imported numbers: the next voucher never reuses one.
    later = services.transaction_create(
        fund=chapter_fund, kind="receipt", date=D(2024, 4, 1), amount=1_000, purpose="donation", counterparty_name="A"
    )
    assert later.number == "PT-2024-0003"
    call_command("check_funds")


def test_reimporting_the_same_vouchers_changes_nothing(tmp_path, chapter_fund):
    call_command("import_data", "transactions", sheet(tmp_path, *ROWS))
    history = Transaction.history.count()
    extra = "10001-01;;PT-2024-0003;;20/03/2024;200.000;Bà Trần Thị Hoa;;;;;"
    call_command("import_data", "transactions", sheet(tmp_path, *ROWS, extra, name="lan-2.csv"))
    assert chapter_fund.transactions.count() == 4
    assert Transaction.history.count() == history + 1


def test_duplicate_voucher_number_in_a_file_is_refused_and_nothing_saved(tmp_path, chapter_fund, capsys):
    duplicate = "10001-01;;PT-2024-0001;;06/03/2024;900.000;Bà Vũ Thị Hạnh;;;;;"
    with pytest.raises(CommandError):
        call_command("import_data", "transactions", sheet(tmp_path, *ROWS, duplicate))
    err = capsys.readouterr().err
    assert "Dòng 5" in err and "Trùng với dòng 2" in err
    assert not chapter_fund.transactions.exists()


def test_a_voucher_in_the_books_cannot_be_changed_by_a_file(tmp_path, chapter_fund, capsys):
    call_command("import_data", "transactions", sheet(tmp_path, *ROWS))
    changed = ROWS[0].replace("1.500.000", "2.500.000")
    with pytest.raises(CommandError):
        call_command("import_data", "transactions", sheet(tmp_path, changed, name="sua.csv"))
    assert "đã có trong sổ với nội dung khác" in capsys.readouterr().err
    assert chapter_fund.transactions.get(number="PT-2024-0001").amount == 1_500_000


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("10001-01;;PC-2024-0001;;10/03/2024;5.000.000;Em A;;Học bổng;;;", "Không đủ số dư"),
        ("10001-01;;PT-2024-0009;;10/03/2024;-5.000;Ông A;;;;;", "Số tiền"),
        ("10001-01;;PT-2024-0009;;10/03/2024;1.500,50;Ông A;;;;;", "số nguyên"),
        ("10001-01;;PT-2025-0009;;10/03/2024;1.000;Ông A;;;;;", "thuộc năm 2025"),
        ("10001-01;Quỹ không có;PT-2024-0009;;10/03/2024;1.000;Ông A;;;;;", "chưa có quỹ «Quỹ không có»"),
        ("99999;;PT-2024-0009;;10/03/2024;1.000;Ông A;;;;;", "Mã đơn vị 99999 không tồn tại"),
        ("10001-01;;9;;10/03/2024;1.000;Ông A;;;;;", "Hãy ghi loại phiếu"),
        ("10001-01;;PT-2024-0009;;10/03/2024;1.000;Ông A;;Chuyển quỹ giữa các đơn vị;;;", "Chuyển quỹ"),
    ],
)
def test_bad_rows_are_refused_with_a_vietnamese_message(tmp_path, chapter_fund, capsys, line, message):
    with pytest.raises(CommandError):
        call_command("import_data", "transactions", sheet(tmp_path, line))
    assert message in capsys.readouterr().err
    assert not chapter_fund.transactions.exists()


def test_voucher_in_a_closed_year_is_refused(tmp_path, tree, chapter_fund, capsys):
    period_close(unit=tree.commune, year=2024)
    with pytest.raises(CommandError):
        call_command("import_data", "transactions", sheet(tmp_path, ROWS[0]))
    assert "khóa sổ" in capsys.readouterr().err
    assert not chapter_fund.transactions.exists()


def test_a_reversal_in_the_same_file_takes_the_opposite_sign(tmp_path, chapter_fund):
    reversal = "10001-01;;PT-2024-0003;;15/03/2024;300.000;;Giấu tên;;Nhập trùng;;PT-2024-0002"
    call_command("import_data", "transactions", sheet(tmp_path, *ROWS, reversal))
    voucher = chapter_fund.transactions.get(number="PT-2024-0003")
    assert voucher.reverses.number == "PT-2024-0002" and voucher.delta == -300_000
    assert Fund.objects.get(pk=chapter_fund.pk).balance == 1_000_000


def test_a_reversal_that_would_overdraw_the_fund_is_refused(tmp_path, chapter_fund, capsys):
    reversal = "10001-01;;PT-2024-0003;;15/03/2024;1.500.000;Ông Nguyễn Văn Đức;;;Nhập trùng;;PT-2024-0001"
    with pytest.raises(CommandError):
        call_command("import_data", "transactions", sheet(tmp_path, *ROWS, reversal))
    assert "Không đủ số dư" in capsys.readouterr().err
    assert not chapter_fund.transactions.exists()


def test_export_then_import_changes_nothing(tmp_path, tree, chapter_fund, commune_fund, capsys):
    call_command("import_data", "transactions", sheet(tmp_path, *ROWS))
    services.transfer_create(from_fund=commune_fund, to_unit=tree.chapter, amount=1_000, date=D(2024, 5, 1))
    out = tmp_path / "xuat.xlsx"
    call_command("export_data", "transactions", "--unit", tree.commune.code, "--out", str(out))
    before = Transaction.history.count()
    call_command("import_data", "transactions", str(out))
    assert "0 mới" in capsys.readouterr().out
    assert Transaction.history.count() == before
