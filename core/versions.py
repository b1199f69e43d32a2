"""Reading `core.DataVersion` tokens: what answers kept between requests are named by (core.cache.KeptEntries).

Read a token on the same database, in the same function, just before the data it names: a token read on the
primary and data read on a lagging replica would keep old data under the new token. Read in that order, data newer
than its token is harmless (the next request reads a newer token and computes again); data older than its token
cannot happen."""

from django.db import connections

from core.models import DataVersion


def tokens_sql(names: list[str]) -> tuple[list[str], list[str]]:
    """Scalar subqueries ([SQL], [parameters]) giving the tokens of `names`, in order (NULL where the row is
    missing), for a caller to select beside other values in one query."""
    table = DataVersion._meta.db_table
    return [f"(SELECT token FROM {table} WHERE name = %s)" for _name in names], list(names)


def tokens(names: list[str], *, using: str) -> list[str | None]:
    """The tokens of `names` on the database `using`, in one query."""
    columns, params = tokens_sql(names)
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", params)
        return list(cursor.fetchone())
