"""`field__any`: the rows of a long list of values, as `field__in` finds them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chapters.models import Unit


def test_any_finds_what_in_finds_with_one_array_on_postgresql(tree):
    ids = [tree.chapter.pk, tree.commune.pk, None, tree.chapter.pk, 10**12]
    with CaptureQueriesContext(connection) as queries:
        found = set(Unit.objects.filter(pk__any=ids).values_list("pk", flat=True))
    assert (
        found
        == set(Unit.objects.filter(pk__in=ids).values_list("pk", flat=True))
        == {
            tree.chapter.pk,
            tree.commune.pk,
        }
    )
    if connection.vendor == "postgresql":
        assert "= ANY(" in queries[0]["sql"]
    codes = Unit.objects.filter(code__any=["10001", "10001-01"]).values_list("code", flat=True)
    assert sorted(codes) == ["10001", "10001-01"]
    children = Unit.objects.filter(parent_id__any={tree.commune.pk})
    assert set(children) == {tree.chapter, tree.other_chapter}


@pytest.mark.parametrize("values", [[], [None]])
def test_any_of_nothing_finds_nothing(tree, values):
    assert not Unit.objects.filter(pk__any=values).exists()
    assert Unit.objects.exclude(pk__any=values).count() == Unit.objects.count()
