"""core.bulk: many rows updated with one statement per batch, every field type written as Django would, a history
row each."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chapters.models import Unit
from core import bulk
from core.bulk import bulk_update_with_history, values_update, values_update_rows
from core.models import ImportJob
from tests.factories import CommuneFactory, ProvinceFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_values_update_writes_text_numbers_dates_nulls_and_keys_in_one_statement_per_batch():
    province = ProvinceFactory()
    commune = CommuneFactory(parent=province)
    units = [UnitFactory(parent=province) for _ in range(5)]
    for index, unit in enumerate(units):
        unit.name = f"Chi hội «{index}» – đã đổi"
        unit.latitude = 21.0 + index / 10
        unit.active_until = None if index % 2 else datetime.date(2025, 6, 30)
        unit.parent = commune
    with CaptureQueriesContext(connection) as queries:
        updated = values_update(Unit, units, ["name", "latitude", "active_until", "parent"], batch_size=2)
    assert updated == 5
    writes = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 3  # five rows in batches of two
    if connection.vendor == "postgresql":
        assert all("CASE" not in sql and "unnest(" in sql for sql in writes)
    stored = {unit.pk: unit for unit in Unit.objects.filter(pk__in=[u.pk for u in units])}
    for index, unit in enumerate(units):
        row = stored[unit.pk]
        assert row.name == f"Chi hội «{index}» – đã đổi"
        assert row.latitude == pytest.approx(21.0 + index / 10)
        assert row.active_until == (None if index % 2 else datetime.date(2025, 6, 30))
        assert row.parent_id == commune.pk
    assert Unit.objects.get(pk=province.pk).name == province.name  # nothing else touched


def test_rows_given_as_values_are_written_as_their_objects_would_be():
    """`values_update_rows`: (pk, value of each field…), no model instance needed (a voucher file writes the balances
    of 10,000 funds); a foreign key by its id, a date, a null, a number given as text goes through its field."""
    province = ProvinceFactory()
    commune = CommuneFactory(parent=province)
    units = [UnitFactory(parent=province) for _ in range(3)]
    rows = [
        (units[0].pk, "Chi hội Đông", commune.pk, datetime.date(2025, 6, 30), 21.5),
        (units[1].pk, "Chi hội Tây", commune.pk, None, "21.25"),
        (units[2].pk, "Chi hội Nam", province.pk, None, None),
    ]
    with CaptureQueriesContext(connection) as queries:
        assert values_update_rows(Unit, ["name", "parent", "active_until", "latitude"], rows, batch_size=2) == 3
    assert len([q for q in queries if q["sql"].startswith("UPDATE")]) == 2
    stored = Unit.objects.in_bulk([unit.pk for unit in units])
    assert [
        (stored[u.pk].name, stored[u.pk].parent_id, stored[u.pk].active_until, stored[u.pk].latitude) for u in units
    ] == [
        ("Chi hội Đông", commune.pk, datetime.date(2025, 6, 30), 21.5),
        ("Chi hội Tây", commune.pk, None, 21.25),
        ("Chi hội Nam", province.pk, None, None),
    ]
    assert values_update_rows(Unit, ["name"], []) == 0


def test_a_value_too_long_for_its_column_is_refused_not_cut_short():
    """A name longer than its column is an error, as a save would give it, never written cut to the column's length
    (each value used to be cast to the column's type, varchar(255), which cuts silently)."""
    from django.db import DataError, transaction

    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce a column's length")
    unit = UnitFactory(name="Chi hội Đông")
    unit.name = "Chi hội " + "Đ" * 300
    with pytest.raises(DataError), transaction.atomic():
        values_update(Unit, [unit], ["name"])
    with pytest.raises(DataError), transaction.atomic():
        values_update_rows(Unit, ["name"], [(unit.pk, unit.name)])
    assert Unit.objects.get(pk=unit.pk).name == "Chi hội Đông"


def test_the_rows_of_a_batch_travel_as_one_array_per_column_on_postgresql():
    """The values of a batch as one array per column (`unnest`), not a VALUES list of a parameter per value: a voucher
    file's 10,000 balances were 20,000 parameters, each adapted and parsed on its own."""
    if connection.vendor != "postgresql":
        pytest.skip("the arrays are PostgreSQL's")
    units = [UnitFactory() for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        values_update_rows(Unit, ["name", "latitude"], [(u.pk, f"Chi hội {n}", 21.0 + n) for n, u in enumerate(units)])
    [update] = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert "unnest(" in update and "VALUES" not in update
    assert [Unit.objects.get(pk=u.pk).name for u in units] == ["Chi hội 0", "Chi hội 1", "Chi hội 2"]


def test_values_update_writes_json():
    province = ProvinceFactory()
    jobs = [ImportJob.objects.create(kind="members", file_name=f"{n}.xlsx", unit=province) for n in range(3)]
    for n, job in enumerate(jobs):
        job.counts = {"new": n, "ghi chú": "có dấu"}
        job.errors = [] if n else [{"row": 2, "message": "Sai"}]
    values_update(ImportJob, jobs, ["counts", "errors"])
    for n, job in enumerate(ImportJob.objects.filter(pk__in=[j.pk for j in jobs]).order_by("pk")):
        assert job.counts == {"new": n, "ghi chú": "có dấu"}
        assert job.errors == ([] if n else [{"row": 2, "message": "Sai"}])


def test_bulk_update_with_history_writes_one_history_row_each_with_user_and_reason(django_user_model):
    user = django_user_model.objects.create(username="ghi")
    units = [UnitFactory() for _ in range(4)]
    before = Unit.history.count()
    for unit in units:
        unit.notes = "ghi hàng loạt"
    assert bulk_update_with_history(units, Unit, ["notes"], default_user=user, default_change_reason="Nhập tệp") == 4
    rows = Unit.history.order_by("-history_id")[:4]
    assert Unit.history.count() == before + 4
    assert {row.id for row in rows} == {unit.pk for unit in units}
    assert {(row.notes, row.history_user_id, row.history_change_reason, row.history_type) for row in rows} == {
        ("ghi hàng loạt", user.pk, "Nhập tệp", "~")
    }


def test_nothing_to_write_writes_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert values_update(Unit, [], ["name"]) == 0
    assert len(queries) == 0


def test_create_fills_automatic_dates_and_json_as_bulk_create_would():
    province = ProvinceFactory()
    jobs = [ImportJob(kind="members", file_name=f"{n}.xlsx", unit=province, counts={"new": n}) for n in range(3)]
    bulk.create(ImportJob, jobs)
    stored = list(ImportJob.objects.filter(unit=province).order_by("file_name"))
    assert [(job.file_name, job.counts, job.status) for job in stored] == [
        (f"{n}.xlsx", {"new": n}, ImportJob.Status.PENDING) for n in range(3)
    ]
    assert all(job.created_at is not None for job in stored)


def test_create_with_history_gives_ids_and_one_history_row_each(django_user_model):
    user = django_user_model.objects.create(username="nhap")
    province = ProvinceFactory()
    units = [
        Unit(
            code=f"X{n}",
            name=f"Chi hội mới {n}",
            kind=Unit.Kind.CHAPTER,
            level=Unit.Level.GRASSROOTS,
            host=Unit.Host.RESIDENTIAL,
            parent=province,
            active_from=datetime.date(2025, 7, 1),
        )  # fmt: skip
        for n in range(3)
    ]
    before = Unit.history.count()
    bulk.create_with_history(Unit, units, user=user, reason="Nhập tệp đơn vị")
    assert all(unit.pk and not unit._state.adding for unit in units)
    assert set(Unit.objects.filter(code__startswith="X").values_list("pk", flat=True)) == {u.pk for u in units}
    assert Unit.history.count() == before + 3
    rows = Unit.history.filter(id__in=[u.pk for u in units])
    assert {(r.history_type, r.history_user_id, r.history_change_reason, r.name) for r in rows} == {
        ("+", user.pk, "Nhập tệp đơn vị", f"Chi hội mới {n}") for n in range(3)
    }


def test_values_are_prepared_by_their_field_unless_the_field_would_return_them_unchanged(db):
    """core.bulk.preparer: exact types pass as they are; anything else still goes through get_db_prep_save."""
    if connection.vendor != "postgresql":
        pytest.skip("the values COPY writes: PostgreSQL only")
    import datetime as dt
    from decimal import Decimal

    from django.db import models as m

    from core.bulk import preparer
    from members.models import Member

    on = preparer(Member._meta.get_field("joined_on"))
    assert on(dt.date(2025, 3, 1)) == dt.date(2025, 3, 1)
    assert on(dt.datetime(2025, 3, 1, 10, 30)) == dt.date(2025, 3, 1)  # a datetime in a DateField: its day
    assert on(None) is None
    year = preparer(Member._meta.get_field("birth_year"))
    assert year(True) == 1 and year(True) is not True and year(1958) == 1958
    unit = preparer(Member._meta.get_field("unit"))
    assert unit(7) == 7
    erased = preparer(Member._meta.get_field("erased_at"))
    aware = dt.datetime(2025, 3, 1, 10, 30, tzinfo=dt.UTC)
    assert erased(aware) is aware and erased(None) is None
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        made_aware = erased(dt.datetime(2025, 3, 1, 10, 30))  # a naive one goes through the field
    assert made_aware.tzinfo is not None
    amount = preparer(m.DecimalField(max_digits=5, decimal_places=2))  # not listed: always prepared
    assert amount("1.5") == Decimal("1.5") and not isinstance(amount("1.5"), str)


def test_pks_matching_finds_exactly_the_rows_with_one_of_the_keys():
    """Keys that share each part with a stored row but not the whole (a superset read per field would find them)
    find nothing; on PostgreSQL the keys are one query joined with the table, whatever their number."""
    north, south = ProvinceFactory(), ProvinceFactory()
    a = CommuneFactory(parent=north, name="Xã Hòa An")
    CommuneFactory(parent=north, name="Xã Đông Hòa")
    b = CommuneFactory(parent=south, name="Xã Đông Hòa")
    CommuneFactory(parent=south, name="Xã Bình Minh")
    keys = [
        (north.pk, "Xã Hòa An"),
        (south.pk, "Xã Đông Hòa"),
        (south.pk, "Xã Hòa An"),  # each part is in a stored row, the pair is not
        (north.pk, "Xã Bình Minh"),
        (north.pk, "Xã không có"),
        (north.pk, "Xã Hòa An"),  # twice: found once
    ]
    with CaptureQueriesContext(connection) as queries:
        found = bulk.pks_matching(Unit, ("parent", "name"), keys)
    assert sorted(found) == sorted([a.pk, b.pk])
    if connection.vendor == "postgresql":
        assert len(queries) == 1 and "unnest" in queries[0]["sql"]
    assert bulk.pks_matching(Unit, ("parent", "name"), []) == []


def test_pks_matching_reads_many_keys_in_batches_elsewhere_and_at_once_on_postgresql():
    province = ProvinceFactory()
    communes = [CommuneFactory(parent=province, name=f"Xã {n}") for n in range(3)]
    keys = [(province.pk, f"Xã {n}") for n in range(2500)]
    with CaptureQueriesContext(connection) as queries:
        found = bulk.pks_matching(Unit, ("parent", "name"), keys)
    assert sorted(found) == sorted(c.pk for c in communes)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)


def test_keys_longer_than_their_column_do_not_find_the_row_they_would_be_cut_to():
    province = ProvinceFactory()
    stored = CommuneFactory(parent=province, name="X" * 255)
    assert bulk.pks_matching(Unit, ("parent", "name"), [(province.pk, "X" * 256)]) == []
    assert bulk.rows_matching(Unit, ("parent", "name"), [(province.pk, "X" * 255)]) == [
        (stored.pk, province.pk, "X" * 255)
    ]


def test_insert_rows_writes_plain_rows_read_back_exactly_in_one_statement():
    from django.utils import timezone

    from chapters.models import Summary

    unit = UnitFactory()
    now = timezone.now()
    rows = [
        (unit.pk, 2020 + n % 3, "Y", f"thử.{n}\t«có dấu»", n * 1_000_000_007, now if n % 2 else None) for n in range(7)
    ]
    with CaptureQueriesContext(connection) as queries:
        assert bulk.insert_rows(Summary, ["unit_id", "year", "period", "figure", "value", "computed_at"], rows) == 7
    assert len(queries) == 1  # COPY on PostgreSQL, one executemany elsewhere
    stored = Summary.objects.filter(unit=unit, figure__startswith="thử.").values_list(
        "unit_id", "year", "period", "figure", "value", "computed_at"
    )
    assert sorted(stored, key=lambda row: row[4]) == rows
    assert (
        Summary.objects.filter(unit=unit, computed_at=now, figure__startswith="thử.").count() == 3
    )  # the timestamp compares as Django wrote it


def test_a_value_prepared_once_for_insert_is_not_taken_for_an_equal_value_of_another_type():
    prepare = bulk._prepared_for_insert(ImportJob._meta.get_field("counts"))
    assert prepare(True) is not prepare(1)  # equal keys in a dict, written "true" and "1" in JSON
    assert prepare(1) is prepare(1)  # prepared once


def test_raise_to_inserts_the_missing_rows_raises_the_lower_and_keeps_the_higher_in_one_statement():
    """Voucher counters after an import: each moves past the highest number the file wrote, never back (a file may
    fill numbers below a counter), one statement per batch on PostgreSQL and SQLite."""
    from funds.models import VoucherCounter
    from funds.services.books import fund_create

    first, second = fund_create(unit=UnitFactory()), fund_create(unit=UnitFactory())
    VoucherCounter.objects.create(fund=first, kind="receipt", year=2026, last=40)
    VoucherCounter.objects.create(fund=first, kind="payment", year=2026, last=9)
    VoucherCounter.objects.create(fund=second, kind="receipt", year=2026, last=3)
    rows = [
        (first.pk, "receipt", 2026, 12),  # below the counter: kept at 40
        (first.pk, "payment", 2026, 15),  # raised
        (second.pk, "receipt", 2025, 7),  # new
    ]
    with CaptureQueriesContext(connection) as queries:
        written = bulk.raise_to(VoucherCounter, ("fund_id", "kind", "year"), "last", rows)
    assert written == 2
    [insert] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    if connection.vendor == "postgresql":  # one array per column, as `values_update_rows`
        assert "unnest(" in insert and "VALUES" not in insert
    assert sorted(VoucherCounter.objects.values_list("fund_id", "kind", "year", "last")) == sorted(
        [
            (first.pk, "receipt", 2026, 40),
            (first.pk, "payment", 2026, 15),
            (second.pk, "receipt", 2026, 3),
            (second.pk, "receipt", 2025, 7),
        ]
    )
    assert bulk.raise_to(VoucherCounter, ("fund_id", "kind", "year"), "last", []) == 0
