import datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from chapters import scoping
from chapters.models import Role, Unit
from chapters.services import tree as tree_services
from tests.factories import CommuneFactory, ProvinceFactory, RoleFactory, UnitFactory, UserFactory


def test_restrict_filters_in_sql_by_subtree(tree, secretary, officer, outsider):
    units = Unit.objects.all()
    assert set(scoping.restrict(units, secretary)) == {tree.chapter}
    assert set(scoping.restrict(units, officer)) == {tree.commune, tree.chapter, tree.other_chapter}
    assert tree.commune not in scoping.restrict(units, outsider)
    assert list(scoping.restrict(units, officer, scoping.CHANGE)) == []


def test_roles_add_up(tree):
    user = UserFactory(username="hai_vai")
    RoleFactory(user=user, unit=tree.chapter, kind=Role.Kind.SECRETARY)
    RoleFactory(user=user, unit=tree.other_commune, kind=Role.Kind.VIEWER)
    assert scoping.can(user, scoping.CHANGE, tree.chapter)
    assert scoping.can(user, scoping.VIEW, tree.outside_chapter)
    assert not scoping.can(user, scoping.CHANGE, tree.outside_chapter)


def test_inactive_or_roleless_user_sees_nothing(tree, secretary):
    secretary.is_active = False
    assert scoping.role_paths(secretary, scoping.VIEW) == []
    assert scoping.role_paths(UserFactory(username="khong_vai"), scoping.VIEW) == []


def test_officer_of_successor_reads_merged_predecessor_and_its_secretary_keys_its_back_data(tree, client_for):
    old = CommuneFactory(parent=tree.province, code="OLD-A", active_from=datetime.date(2000, 1, 1))
    old_chapter = UnitFactory(parent=old, code="OLD-A-1")
    new = CommuneFactory(parent=tree.province, code="NEW-A", active_from=datetime.date(2025, 7, 1))
    tree_services.unit_merge(predecessors=[old], successor=new, on=datetime.date(2025, 7, 1))
    officer = UserFactory(username="canbo_moi")
    RoleFactory(user=officer, unit=new, kind=Role.Kind.OFFICER)
    secretary = UserFactory(username="thuky_moi")
    RoleFactory(user=secretary, unit=new, kind=Role.Kind.SECRETARY)

    assert scoping.can(officer, scoping.VIEW, old)
    assert client_for(officer).get(reverse("chapters:unit_detail", args=[old.pk])).status_code == 200
    # Its chapter moved to the new commune, so it is in scope the ordinary way.
    old_chapter.refresh_from_db()
    assert scoping.can(secretary, scoping.CHANGE, old_chapter)
    # The closed predecessor's back data is keyed by the successor's secretary (for the dates it was open).
    assert scoping.can(secretary, scoping.CHANGE, old)
    # Another commune's officer still sees nothing of it.
    stranger = UserFactory(username="nguoi_la")
    RoleFactory(user=stranger, unit=tree.other_commune, kind=Role.Kind.OFFICER)
    assert not scoping.can(stranger, scoping.VIEW, old)


def test_granting_and_revoking_roles_is_kept_in_history(tree, administrator):
    from chapters.services.users import role_grant, role_revoke

    user = UserFactory(username="nguoi_moi")
    RoleFactory(user=user, unit=tree.other_chapter, kind=Role.Kind.VIEWER)
    role = role_grant(actor=administrator, user=user, unit=tree.chapter, kind=Role.Kind.SECRETARY)
    role_revoke(actor=administrator, role=role)
    records = list(Role.history.filter(user=user, unit=tree.chapter).order_by("history_date"))
    assert [(r.history_type, r.history_user, r.history_change_reason) for r in records] == [
        ("+", administrator, "Giao vai trò"),
        ("-", administrator, "Thu hồi vai trò"),
    ]


def _naive_follow(edges, paths):
    """The reference: every edge tried against every path of every round."""
    found, frontier = set(), set(paths)
    while frontier:
        new = {pred for pred, succ in edges if any(succ.startswith(path) for path in frontier)} - found - paths
        found |= new
        frontier = new
    return found


_path = st.lists(st.sampled_from(["1", "2", "12", "3"]), min_size=1, max_size=4).map(
    lambda parts: "/" + "/".join(parts) + "/"
)


@settings(max_examples=300, deadline=None)
@given(edges=st.lists(st.tuples(_path, _path), max_size=30), paths=st.sets(_path, min_size=1, max_size=4))
def test_predecessors_followed_from_memory_are_those_of_trying_every_edge(edges, paths):
    assert scoping._follow(sorted(set(edges)), paths) == _naive_follow(edges, paths)


def test_a_provinces_own_old_communes_are_not_searched_again_for_its_officer(tree):
    """Hanoi's officer: ~800 reform edges inside the province. Each round searched every old commune again, one
    condition each (~60 ms of each page on the demo data); a subtree inside a searched one is skipped."""
    olds = [CommuneFactory(parent=tree.province, code=f"OLD-{i}") for i in range(3)]
    new = CommuneFactory(parent=tree.province, code="NEW-1", active_from=datetime.date(2025, 7, 1))
    tree_services.unit_merge(predecessors=olds, successor=new, on=datetime.date(2025, 7, 1))
    # A chain that leaves the province: a commune of a closed province merged into one of the old communes.
    elsewhere = ProvinceFactory(name="Tỉnh Đã Nhập", code="T99")
    far = CommuneFactory(parent=elsewhere, code="FAR-1")
    tree_services.unit_merge(predecessors=[far], successor=olds[0], on=datetime.date(2020, 1, 1))
    officer = UserFactory(username="canbo_tinh_moi")
    RoleFactory(user=officer, unit=tree.province, kind=Role.Kind.OFFICER)

    # The roles' and the tree's versions, the roles, the edges under the province, then those under the one path
    # outside it.
    with CaptureQueriesContext(connection) as queries:
        paths = scoping.role_paths(officer, scoping.VIEW)
    assert len(queries) == 4
    assert queries[3]["sql"].count(" LIKE ") == 1, queries[3]["sql"]
    assert paths == sorted([tree.province.path, far.path])
    assert scoping.can(officer, scoping.VIEW, far)
    assert not scoping.can(officer, scoping.VIEW, elsewhere)


def test_a_users_scope_is_kept_between_requests_and_every_change_to_roles_or_the_tree_is_seen_at_once(tree):
    """Issue 19: every page read the user's roles and their reforms' edges (two queries); each process now keeps
    them under the roles' and the tree's versions, which the database replaces on any change (core.DataVersion)."""
    user = UserFactory(username="thuky_giu")
    RoleFactory(user=user, unit=tree.commune, kind=Role.Kind.OFFICER)

    def request_user():  # each request loads its own user object
        return get_user_model().objects.get(pk=user.pk)

    assert scoping.role_paths(request_user(), scoping.VIEW) == [tree.commune.path]
    again = request_user()
    with CaptureQueriesContext(connection) as queries:
        assert scoping.role_paths(again, scoping.VIEW) == [tree.commune.path]
        assert scoping.role_paths(again, scoping.APPROVE) == [tree.commune.path]
    assert len(queries) == 1, [q["sql"] for q in queries]  # the two versions, nothing else

    other = tree.other_commune
    RoleFactory(user=user, unit=other, kind=Role.Kind.VIEWER)
    assert scoping.role_paths(request_user(), scoping.VIEW) == sorted([tree.commune.path, other.path])
    with connection.cursor() as cursor:  # even behind the application's back
        cursor.execute("DELETE FROM chapters_role WHERE user_id = %s AND unit_id = %s", [user.pk, other.pk])
    assert scoping.role_paths(request_user(), scoping.VIEW) == [tree.commune.path]
    assert not scoping.can(request_user(), scoping.VIEW, tree.outside_chapter)

    # A commune of another province merges into hers: its history comes into her sight at once.
    elsewhere = ProvinceFactory(name="Tỉnh Bên Cạnh", code="T98")
    old = CommuneFactory(parent=elsewhere, code="OLD-X")
    tree_services.unit_merge(predecessors=[old], successor=tree.commune, on=datetime.date(2025, 7, 1))
    assert scoping.can(request_user(), scoping.VIEW, old)
    Unit.objects.filter(pk=tree.commune.pk).update(active_until=datetime.date(2026, 1, 1))  # the tree's version
    assert scoping.role_paths(request_user(), scoping.VIEW) == sorted([tree.commune.path, old.path])

    # Another user is never given hers.
    assert scoping.role_paths(UserFactory(username="nguoi_khac"), scoping.VIEW) == []
