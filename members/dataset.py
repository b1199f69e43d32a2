"""Synthetic members, households, clans and dues for `generate_dataset` (contract in chapters/dataset.py).

Province scale: 3,000,000 members and 3,500,000 households over ~10,000 chapters; ward scale: a few thousand.
Rows are written with PostgreSQL COPY (psycopg `cursor.copy()`), each with its history row ("+", the command
line as the reason) and its membership, then the "members" summaries are computed once, from facts, with the
provider's GROUP BY queries. On other databases the same rows go through bulk_create.
"""

import datetime
import itertools
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from chapters.dataset import DatasetContext
from chapters.models import Unit
from chapters.summaries import summaries_refresh
from core.bulk import insert_rows
from core.text import fold, sort_key

from .demo import FAMILY, GIVEN_FEMALE, GIVEN_MALE, MIDDLE_FEMALE, MIDDLE_MALE, OCCUPATIONS
from .models import Clan, Due, Household, Member, Membership

SCALES = {"ward": (5_000, 6_000), "province": (3_000_000, 3_500_000)}  # (members, households)
REASON = "lệnh: generate_dataset"
D = datetime.date
FAMILY_NAMES = [name for name, _weight in FAMILY]
FAMILY_WEIGHTS = list(itertools.accumulate(weight for _name, weight in FAMILY))


class _Names:
    """Names built from parts, with their derived keys computed once per distinct name (~50,000 of them)."""

    def __init__(self, rng):
        self.rng = rng
        self.cache: dict[str, tuple[str, str]] = {}

    def pick(self, gender: str) -> tuple[str, str, str]:
        rng = self.rng
        family = rng.choices(FAMILY_NAMES, cum_weights=FAMILY_WEIGHTS)[0]
        if gender == "M":
            name = f"{family} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
        else:
            name = f"{family} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"
        keys = self.cache.get(name)
        if keys is None:
            keys = self.cache[name] = (fold(name), sort_key(name))
        return name, keys[0], keys[1]


def _reserve_ids(model, count: int) -> int:
    """The first of `count` consecutive ids reserved for rows written with explicit ids (PostgreSQL)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        first = max(cursor.fetchone()[0], 0) + 1
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count])
    return first


HISTORY = ["history_date", "history_change_reason", "history_type", "history_user_id"]


@contextmanager
def _indexes_rebuilt(models):
    """On PostgreSQL, drop the tables' secondary indexes for the load and build them again afterwards: building
    an index once is much faster than updating it row by row (the trigram indexes above all)."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) AND NOT x.indisunique",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        # Deferred foreign-key checks of the loaded rows must run before an index can be built on their table.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _with_history(model, columns: list[str], rows: list[tuple], now) -> None:
    """Rows and their "+" history rows (the history table's tracked columns are the model's, minus exclusions)."""
    insert_rows(model, columns, rows)
    historical = model.history.model
    tracked = {field.attname for field in historical._meta.concrete_fields}
    kept = [index for index, column in enumerate(columns) if column in tracked]
    history_columns = [columns[index] for index in kept] + HISTORY
    insert_rows(
        historical,
        history_columns,
        (tuple(row[index] for index in kept) + (now, REASON, "+", None) for row in rows),
    )


def generate(ctx: DatasetContext) -> None:
    rng = ctx.rng
    total_members, total_households = SCALES.get(ctx.scale, SCALES["ward"])
    today = timezone.localdate()
    now = timezone.now()
    units = {
        pk: (host, parent_id, active_from)
        for pk, host, parent_id, active_from in Unit.objects.filter(pk__in=ctx.chapter_ids).values_list(
            "pk", "host", "parent_id", "active_from"
        )
    }
    residential = [pk for pk in ctx.chapter_ids if units[pk][0] == Unit.Host.RESIDENTIAL] or list(ctx.chapter_ids)
    names = _Names(rng)
    postgres = connection.vendor == "postgresql"

    # Clans: a few per commune, written with the ORM (a few thousand rows).
    clans = []
    for commune_id in ctx.commune_ids:
        for family in rng.sample(FAMILY_NAMES, 6):
            clan = Clan(
                unit_id=commune_id,
                name=f"Dòng họ {family} {rng.choice(['Văn', 'Đình', 'Đức', 'Công', 'Hữu', 'Quang'])}",
                representative=names.pick("M")[0],
            )
            clan.prepare()
            clans.append(clan)
    bulk_create_with_history(clans, Clan, batch_size=2000, default_change_reason=REASON)
    clans_by_commune: dict[int, list[int]] = {}
    for clan in clans:
        clans_by_commune.setdefault(clan.unit_id, []).append(clan.pk)

    # Households of the residential chapters.
    weights = [rng.uniform(0.5, 1.5) for _ in residential]
    scale = total_households / sum(weights)
    per_chapter = [int(w * scale) for w in weights]
    per_chapter[0] += total_households - sum(per_chapter)
    first_household = _reserve_ids(Household, total_households) if postgres else None
    household_columns = ["id", "unit_id", "code", "head_name", "search_key", "sort_key", "address", "people",
                          "phone", "clan_id", "notes", "version"]  # fmt: skip
    households_of: dict[int, range] = {}
    rows = []
    next_id = first_household or 1
    for unit_id, count in zip(residential, per_chapter, strict=True):
        households_of[unit_id] = range(next_id, next_id + count)
        commune_clans = clans_by_commune.get(units[unit_id][1], [])
        for number in range(1, count + 1):
            head, head_key, head_sort = names.pick("M" if rng.random() < 0.7 else "F")
            address = f"Số {rng.randint(1, 300)}, tổ {rng.randint(1, 40)}"
            code = f"H{number:05d}"
            rows.append(
                (next_id, unit_id, code, head, f"{head_key} | {fold(address)} | {code.lower()}", head_sort, address,
                 rng.randint(1, 7), "", rng.choice(commune_clans) if commune_clans and rng.random() < 0.3 else None,
                 "", 1)
            )  # fmt: skip
            next_id += 1
    if postgres:
        with _indexes_rebuilt([Household, Household.history.model]):
            _with_history(Household, household_columns, rows, now)
    else:
        objects = [Household(**dict(zip(household_columns[1:], row[1:], strict=True))) for row in rows]
        bulk_create_with_history(objects, Household, batch_size=5000, default_change_reason=REASON)
        ids = iter(Household.objects.filter(unit_id__in=residential).order_by("pk").values_list("pk", flat=True))
        households_of = {unit_id: [next(ids) for _ in households_of[unit_id]] for unit_id in residential}
    del rows

    # Members, their memberships and this year's dues.
    shares = ctx.share(total_members)
    first_member = _reserve_ids(Member, total_members) if postgres else 1
    member_columns = ["id", "unit_id", "full_name", "name_key", "search_key", "sort_key", "gender", "birth_date",
                      "birth_year", "ethnicity", "phone", "address", "joined_on", "left_on", "left_reason",
                      "card_number", "card_issued_on", "party_member", "occupation", "notes", "citizen_id",
                      "household_id", "erased_at", "version", "card_scope"]  # fmt: skip
    province_path = Unit.objects.get(pk=ctx.province_id).path
    members, memberships, dues = [], [], []
    next_id = first_member
    card = 0
    span = (today - D(2010, 1, 1)).days
    reasons = Member.LeftReason.values
    for unit_id in ctx.chapter_ids:
        homes = households_of.get(unit_id)
        for _ in range(shares[unit_id]):
            gender = "F" if rng.random() < 0.56 else "M"
            full_name, key, order = names.pick(gender)
            birth_year = rng.randint(1940, 2002)
            joined = max(D(2010, 1, 1) + datetime.timedelta(days=rng.randrange(span)), D(birth_year + 18, 1, 1))
            joined = min(joined, today)
            left_on, reason = None, ""
            if rng.random() < 0.06:
                left_on = joined + datetime.timedelta(days=rng.randint(1, 3000))
                if left_on > today:
                    left_on = None
                else:
                    reason = rng.choice(reasons)
            phone = f"09{rng.randint(0, 99_999_999):08d}" if rng.random() < 0.75 else ""
            card_number = ""
            if rng.random() < 0.6:
                card += 1
                card_number = f"TH-{card:07d}"
            # The search key as Member.prepare() writes it, from the name's cached fold.
            search = " | ".join(filter(None, [key, phone, card_number.lower()]))
            members.append(
                (next_id, unit_id, full_name, key, search, order, gender,
                 None, birth_year, "Kinh", phone, "", joined, left_on, reason, card_number, None,
                 rng.random() < (0.3 if birth_year < 1965 else 0.1), rng.choice(OCCUPATIONS), "", "",
                 rng.choice(homes) if homes and rng.random() < 0.8 else None, None, 1,
                 province_path if card_number else "")
            )  # fmt: skip
            memberships.append((next_id, unit_id, joined, left_on, "joined", "left" if left_on else "", now))
            for year in ctx.years:
                if joined.year <= year and (left_on is None or left_on.year > year) and rng.random() < 0.6:
                    paid = max(joined, D(year, 1, 1)) + datetime.timedelta(days=rng.randint(0, 200))
                    dues.append((next_id, unit_id, year, 60_000, min(paid, today), "", 1))
            next_id += 1
    if postgres:
        tables = [Member, Member.history.model, Membership, Due, Due.history.model]
        with _indexes_rebuilt(tables):
            _with_history(Member, member_columns, members, now)
            insert_rows(
                Membership, ["member_id", "unit_id", "since", "until", "start", "end", "recorded_at"], memberships
            )
            first_due = _reserve_ids(Due, len(dues))
            dues = [(first_due + index, *row) for index, row in enumerate(dues)]
            due_columns = ["id", "member_id", "unit_id", "year", "amount", "paid_on", "notes", "version"]
            _with_history(Due, due_columns, dues, now)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE members_member; ANALYZE members_membership; ANALYZE members_due")
    else:
        objects = [Member(**dict(zip(member_columns[1:], row[1:], strict=True))) for row in members]
        bulk_create_with_history(objects, Member, batch_size=5000, default_change_reason=REASON)
        by_position = {row[0]: obj.pk for row, obj in zip(members, objects, strict=True)}
        Membership.objects.bulk_create(
            [
                Membership(member_id=by_position[m], unit_id=u, since=s, until=t, start=a, end=b)
                for m, u, s, t, a, b, _at in memberships
            ],
            batch_size=5000,
        )
        bulk_create_with_history(
            [Due(member_id=by_position[m], unit_id=u, year=y, amount=a, paid_on=p) for m, u, y, a, p, _n, _v in dues],
            Due,
            batch_size=5000,
            default_change_reason=REASON,
        )
    summaries_refresh(unit_ids=ctx.chapter_ids, years=None, providers=["members"])
    ctx.counts["Hội viên"] = len(members)
    ctx.counts["Hộ gia đình"] = total_households
    ctx.counts["Dòng họ"] = len(clans)
    ctx.counts["Lượt nộp hội phí"] = len(dues)
