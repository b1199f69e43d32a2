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


def test_the_commit_locks_the_funds_and_reads_their_balances_as_values(tmp_path, tree, chapter_fund, monkeypatch):
    """Issue 19: a province-wide file locks 10,000 funds with their units; the commit built every fund and its unit
    to read the balances. It reads them as values now, and writes the new ones as values; the funds a payment may
    take below zero are still read whole for the balance check, after the new balances are written."""
    from django.db.models.signals import post_init

    from chapters.models import Unit
    from funds.imports import TransactionKind

    other = services.fund_create(unit=tree.other_chapter)
    built = []
    real = TransactionKind.write

    def write(self, ctx, created, updated):
        def count(sender, instance, **kwargs):
            built.append((sender.__name__, instance.pk))

        post_init.connect(count, sender=Unit, weak=False)
        post_init.connect(count, sender=Fund, weak=False)
        try:
            return real(self, ctx, created, updated)
        finally:
            post_init.disconnect(count, sender=Unit)
            post_init.disconnect(count, sender=Fund)

    monkeypatch.setattr(TransactionKind, "write", write)
    receipts = [ROWS[0], "10001-02;;PT-2024-0001;;05/03/2024;700.000;Bà Lê Thị Thu;;;;;"]
    call_command("import_data", "transactions", sheet(tmp_path, *receipts))
    assert ("Unit", tree.chapter.pk) not in built and ("Unit", tree.other_chapter.pk) not in built
    assert built == []  # the new balances are written as values too
    assert (Fund.objects.get(pk=chapter_fund.pk).balance, Fund.objects.get(pk=other.pk).balance) == (1_500_000, 700_000)

    built.clear()
    call_command("import_data", "transactions", sheet(tmp_path, ROWS[1], name="chi.csv"))  # a payment: checked whole
    assert ("Unit", tree.chapter.pk) in built and ("Unit", tree.other_chapter.pk) not in built
    assert Fund.objects.get(pk=chapter_fund.pk).balance == 1_000_000


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


def test_only_a_file_that_pays_out_of_a_fund_is_checked_for_overdraft(tmp_path, tree, capsys):
    """As on the screens (a receipt never asks), a file whose vouchers only add to a fund is not refused for a
    day below zero it did not cause: a book kept in the red while the fund allowed it takes receipts again."""
    fund = services.fund_create(unit=tree.chapter, allow_negative=True)
    services.transaction_create(
        fund=fund, kind="payment", date=D(2024, 3, 10), amount=500_000, purpose="scholarship", counterparty_name="Em A"
    )
    Fund.objects.filter(pk=fund.pk).update(allow_negative=False)  # the committee ends the advance
    receipt = "10001-01;;PT-2024-0001;;20/03/2024;800.000;Ông Nguyễn Văn Đức;;;Ủng hộ;;"
    call_command("import_data", "transactions", sheet(tmp_path, receipt))
    assert Fund.objects.get(pk=fund.pk).balance == 300_000
    payment = "10001-01;;PC-2024-0002;;15/03/2024;100.000;Em Lê Thị Bình;;Học bổng;Học bổng;;"
    with pytest.raises(CommandError):
        call_command("import_data", "transactions", sheet(tmp_path, payment, name="chi.csv"))
    assert "Không đủ số dư" in capsys.readouterr().err  # a payment on a day still in the red is refused
    assert fund.transactions.count() == 2


def test_export_then_import_changes_nothing(tmp_path, tree, chapter_fund, commune_fund, capsys):
    call_command("import_data", "transactions", sheet(tmp_path, *ROWS))
    services.transfer_create(from_fund=commune_fund, to_unit=tree.chapter, amount=1_000, date=D(2024, 5, 1))
    out = tmp_path / "xuat.xlsx"
    call_command("export_data", "transactions", "--unit", tree.commune.code, "--out", str(out))
    before = Transaction.history.count()
    call_command("import_data", "transactions", str(out))
    assert "0 mới" in capsys.readouterr().out
    assert Transaction.history.count() == before


def _funds_summaries():
    return set(
        Summary.objects.filter(figure__startswith="funds.").values_list("unit_id", "year", "period", "figure", "value")
    )


@pytest.mark.parametrize("writer", ["postgresql", "orm"])
def test_an_import_adds_to_the_summaries_what_a_rebuild_from_the_books_gives(
    tmp_path, tree, chapter_fund, commune_fund, receive, pay, writer, monkeypatch
):
    from chapters import summaries
    from funds import providers

    if writer == "orm":  # the embedded SQLite's path, on this database
        monkeypatch.setattr(summaries, "_summaries_upsert", summaries._summaries_upsert_orm)
    gift = receive(commune_fund, 2_000_000, D(2024, 2, 1), counterparty_name="Ông Hoàng Văn Nam")
    receive(chapter_fund, 500_000, D(2024, 8, 1), counterparty_name="Bà Trần Thị Hoa")
    later = receive(chapter_fund, 400_000, D(2025, 7, 1), counterparty_name="Bà Phạm Thị Mai")
    pay(commune_fund, 1_000_000, D(2025, 3, 1))
    lines = [
        # A giver of the second half gives in the first half too; a gift in kind to the commune's fund.
        "10001-01;;PT-2024-0101;;05/03/2024;1.500.000;Bà Trần Thị Hoa;Cá nhân;Ủng hộ;;;",
        "10001;;PT-2025-0102;;10/09/2025;3.000.000;Công ty Ánh Dương;Tổ chức;Ủng hộ;;50 chiếc xe đạp;",
        "10001;;PC-2025-0101;;12/01/2025;700.000;Em Lê Thị Bình;;Học bổng;;;",
        # The commune's only gift of 2024 cancelled the next year: 2024 loses its giver, 2025 on their balances.
        f"10001;;PT-2025-0101;;15/02/2025;2.000.000;Ông Hoàng Văn Nam;;;Nhập nhầm;;{gift.number}",
        # The only gift of the chapter's 2025 second half cancelled: its figures there come back to nothing.
        f"10001-01;;PT-2025-0102;;02/07/2025;400.000;Bà Phạm Thị Mai;;;Nhập trùng;;{later.number}",
        # A gift and its reversal in the same file.
        "10001-01;;PT-2025-0103;;03/07/2025;900.000;Bà Vũ Thị Hạnh;;;;;",
        "10001-01;;PT-2025-0104;;04/07/2025;900.000;Bà Vũ Thị Hạnh;;;Nhập trùng;;PT-2025-0103",
    ]
    before = {(u, y, p, f): v for u, y, p, f, v in _funds_summaries()}
    chapter, commune = tree.chapter.pk, tree.commune.pk
    assert before[(commune, 2024, "Y", "funds.donors")] == 1
    assert (chapter, 2024, "H1", "funds.donors") not in before
    assert before[(chapter, 2025, "H2", "funds.raised")] == 400_000

    def recomputed(unit_ids, years):
        raise AssertionError("the import recomputed the fund's figures from the books")

    with monkeypatch.context() as during_import:
        during_import.setattr(providers.provider, "compute", recomputed)
        call_command("import_data", "transactions", sheet(tmp_path, *lines))
    imported = _funds_summaries()
    summaries.summaries_refresh(unit_ids=None, providers=["funds"])
    assert imported == _funds_summaries()
    after = {(u, y, p, f): v for u, y, p, f, v in imported}
    assert (commune, 2024, "Y", "funds.donors") not in after
    assert after[(chapter, 2024, "Y", "funds.donors")] == after[(chapter, 2024, "H1", "funds.donors")] == 1
    assert after[(commune, 2025, "Y", "funds.in_kind")] == 3_000_000
    assert after[(commune, 2025, "Y", "funds.raised")] == 3_000_000 - 2_000_000
    opening = 10_000_000 + 2_000_000 - 700_000 - 2_000_000 - 1_000_000 + 3_000_000
    assert after[(commune, 2026, "H2", "funds.opening")] == opening
    assert after[(chapter, 2026, "Y", "funds.balance")] == 500_000 + 1_500_000
    for figure in ("funds.raised", "funds.donors", "funds.donations"):
        assert (chapter, 2025, "H2", figure) not in after


def test_the_givers_of_a_file_s_units_are_counted_again_from_the_vouchers_of_its_years_only(
    tmp_path, tree, chapter_fund, receive
):
    """The givers are counted again for the units and years a file gives to; the query reads those units' vouchers
    of those years through the index on (unit, date), not every voucher of the units (a province-wide file read every
    voucher of its 10,000 units, of every year, and dropped the years it did not touch after reading them)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    receive(chapter_fund, 300_000, D(2023, 5, 1), counterparty_name="Bà Trần Thị Hoa")
    with CaptureQueriesContext(connection) as captured:
        call_command("import_data", "transactions", sheet(tmp_path, ROWS[0]))
    recounts = [q["sql"] for q in captured if "GROUPING SETS" in q["sql"] and '"funds_transaction"' in q["sql"]]
    assert len(recounts) == 1
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + recounts[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "transaction_unit_date" in plan, plan
    condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "date >= '2024-01-01'" in condition and "date <= '2024-12-31'" in condition, plan
    assert Summary.objects.get(unit=tree.chapter, year=2024, period="Y", figure="funds.donors").value == 1
    assert Summary.objects.get(unit=tree.chapter, year=2023, period="Y", figure="funds.donors").value == 1


@pytest.mark.django_db(transaction=True)
def test_a_file_and_a_receipt_on_two_funds_of_one_chapter_at_once_both_count_their_givers(
    tmp_path, tree, chapter_fund, receive
):
    """A secretary's receipt on the scholarship fund is saved while a file of vouchers for the chapter's main fund
    is committed: the file counts the chapter's givers again from the books (`summaries_add`), and must not write
    its count over the receipt's, which it could not see yet. Both lock their fund with its unit, so the file
    waits for the receipt's commit and counts both givers."""
    import threading

    from django.db import connection, transaction

    scholarships = services.fund_create(unit=tree.chapter, name="Quỹ học bổng")
    written, release, errors = threading.Event(), threading.Event(), []

    def secretary():
        try:
            with transaction.atomic():
                receive(scholarships, 300_000, D(2024, 3, 10), counterparty_name="Bà Lê Thị Thu")
                written.set()
                release.wait(timeout=30)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            written.set()
            connection.close()

    def file():
        try:
            written.wait(timeout=30)
            call_command("import_data", "transactions", sheet(tmp_path, ROWS[0]))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=secretary), threading.Thread(target=file)]
    for thread in threads:
        thread.start()
    with connection.cursor() as cursor:  # the file's transaction waits for the receipt's: let the receipt commit
        for _attempt in range(300):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.1)
    release.set()
    for thread in threads:
        thread.join()
    assert not errors
    assert Transaction.objects.filter(unit=tree.chapter).count() == 2
    donors = Summary.objects.get(unit=tree.chapter, year=2024, period="Y", figure="funds.donors")
    assert donors.value == 2  # Bà Thu (the receipt) and Ông Đức (the file)
