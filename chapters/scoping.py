"""The one scoping function (design.md §4): (user, action) → a filter in SQL over the units of the user's roles.

Every view, form choice, export, import, report and file download goes through `restrict()` or
`get_scoped_object()`. Out of scope → 404; in scope but not allowed to act → 403.
"""

import bisect

from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.models import Q, QuerySet
from django.http import Http404

from chapters.models import Role, TreeVersion, Unit
from core import versions
from core.cache import KeptEntries

VIEW = "view"
CHANGE = "change"  # enter and correct data (secretary)
APPROVE = "approve"  # approve titles and awards, write and finalise reports, close periods (officer)
MANAGE = "manage"  # users, roles, configuration (administrator)

ROLE_ACTIONS = {
    Role.Kind.VIEWER: {VIEW},
    Role.Kind.SECRETARY: {VIEW, CHANGE},
    Role.Kind.OFFICER: {VIEW, APPROVE},
    Role.Kind.ADMINISTRATOR: {VIEW, MANAGE},
}
ACTION_NAMES = {VIEW: "xem", CHANGE: "nhập, sửa dữ liệu", APPROVE: "duyệt", MANAGE: "quản trị"}


# Each user's roles and the reforms reachable from them, kept by each process between requests under the roles'
# version (core.DataVersion "roles": any change to any role) and the tree's (units' paths, lineages): a page asked
# for them in two queries, now one small query for the two tokens. Weighed by the lineage edges kept.
_scopes = KeptEntries(50_000)


def _roles(user) -> list[tuple[str, str]]:
    """(kind, unit path) of the user's roles, read once per request and kept on the user object."""
    cached = getattr(user, "_khuyenhoc_roles", None)
    if cached is None:
        _load_scope(user)
        cached = user._khuyenhoc_roles
    return cached


def _load_scope(user) -> None:
    """The user's roles and their lineage edges, from this process's memory when the roles' and the tree's
    versions are those they were read under, else from the database (and kept). The tokens are read first, on the
    database the roles are then read from (core.versions)."""
    using = router.db_for_read(Role)
    key = _scope_key(user, using)
    found = _scopes.get(key) if key else None
    if found is None:
        roles = tuple(Role.objects.using(using).filter(user=user).values_list("kind", "unit__path"))
        edges = tuple(_edges({path for _kind, path in roles}, using=using)) if roles else ()
        found = (roles, edges)
        if key:
            _scopes.put(key, found, 1 + len(edges))
    user._khuyenhoc_roles, user._khuyenhoc_lineage = list(found[0]), list(found[1])


def _scope_key(user, using: str) -> str | None:
    columns, params = versions.tokens_sql(["roles"])
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {columns[0]}, {TreeVersion.token_sql()}", params)
        roles, tree = cursor.fetchone()
    return f"{user.pk}:{roles}:{tree}" if roles and tree else None


def forget_roles(user) -> None:
    user.__dict__.pop("_khuyenhoc_roles", None)
    user.__dict__.pop("_khuyenhoc_paths", None)
    user.__dict__.pop("_khuyenhoc_lineage", None)


def role_paths(user, action: str) -> list[str] | None:
    """Paths of the subtrees where `user` may do `action`; None means everywhere (superuser).

    For every action, the closed predecessors of units in the user's subtrees are added: a merged commune's
    history is read by the officers of the commune that succeeded it (design.md §2), and its back data is keyed
    and approved by the successor's secretaries and officers. What they may key there is limited to the dates
    when it was open (`chapters.services.periods.unit_open_guard`).
    """
    if not user or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cache = user.__dict__.setdefault("_khuyenhoc_paths", {})
    if action in cache:
        return cache[action]
    paths = {path for kind, path in _roles(user) if action in ROLE_ACTIONS.get(kind, ())}
    if paths:
        paths |= _follow(_lineage_edges(user), paths)
    # Drop paths already covered by a shorter one, so the SQL filter stays small.
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(other) for other in kept):
            kept.append(path)
    cache[action] = kept
    return kept


def _lineage_edges(user) -> list[tuple[str, str]]:
    """(predecessor path, successor path) of the reforms reachable from any of the user's roles, read with the
    roles (`_load_scope`) and shared by every action."""
    cached = getattr(user, "_khuyenhoc_lineage", None)
    if cached is None:
        _load_scope(user)
        cached = user._khuyenhoc_lineage
    return cached


def _prefixes(path: str) -> list[str]:
    """The subtree paths that hold `path`: "/1/20/77/" → "/1/", "/1/20/", "/1/20/77/"."""
    return [path[: index + 1] for index, char in enumerate(path) if char == "/" and index]


def _not_searched(frontier: set[str], searched: set[str]) -> list[str]:
    """The paths of `frontier` whose subtree is not inside one already searched, each added to `searched`.

    A subtree inside a searched one holds no edge that was not already found: skipping it keeps a province's
    own hundreds of old communes from being searched again, one by one, in every round (~60 ms of each of a
    province officer's pages on the demo data)."""
    kept = []
    for path in sorted(frontier, key=len):
        if not any(prefix in searched for prefix in _prefixes(path)):
            searched.add(path)
            kept.append(path)
    return kept


def _follow(edges: list[tuple[str, str]], paths: set[str]) -> set[str]:
    """The predecessors of the units under `paths`, through chains of reforms, from the edges in memory."""
    by_successor = sorted((succ, pred) for pred, succ in edges)
    successors = [succ for succ, _pred in by_successor]
    found: set[str] = set()
    searched: set[str] = set()
    frontier = set(paths)
    while frontier:
        new = set()
        for path in _not_searched(frontier, searched):
            # The successors under `path` are one run of the sorted list.
            index = bisect.bisect_left(successors, path)
            while index < len(successors) and successors[index].startswith(path):
                new.add(by_successor[index][1])
                index += 1
        new -= found | paths
        found |= new
        frontier = new
    return found


def _edges(paths: set[str], *, using: str | None = None) -> list[tuple[str, str]]:
    from chapters.models import Lineage

    edges: set[tuple[str, str]] = set()
    frontier, seen, searched = set(paths), set(paths), set()
    for _round in range(5):  # reforms chain a few times at most (Hanoi redrew its communes twice)
        frontier = set(_not_searched(frontier, searched))
        if not frontier:
            break
        query = Q(pk__in=[])
        for path in frontier:
            query |= Q(successor__path__startswith=path)
        rows = set(Lineage.objects.db_manager(using).filter(query).values_list("predecessor__path", "successor__path"))
        edges |= rows
        frontier = {pred for pred, _succ in rows} - seen
        seen |= frontier
    return sorted(edges)


def predecessor_paths(unit: Unit) -> list[str]:
    """Paths of the closed units `unit` and its subtree succeeded (merges, splits, chains of them)."""
    return sorted(_follow(_edges({unit.path}), {unit.path}))


def scope_q(user, action: str = VIEW, *, unit_field: str = "unit") -> Q:
    """A Q object for the rows whose unit lies in the user's subtrees for `action`."""
    paths = role_paths(user, action)
    if paths is None:
        return Q()
    lookup = f"{unit_field}__path__startswith" if unit_field else "path__startswith"
    if not paths:
        return Q(pk__in=[])
    query = Q()
    for path in paths:
        query |= Q(**{lookup: path})
    return query


def restrict(queryset: QuerySet, user, action: str = VIEW, *, unit_field: str | None = None) -> QuerySet:
    """Filter any queryset to what `user` may do `action` on. For Unit itself unit_field is ""."""
    if unit_field is None:
        unit_field = "" if queryset.model is Unit else "unit"
    return queryset.filter(scope_q(user, action, unit_field=unit_field))


def can(user, action: str, unit: Unit | None) -> bool:
    if unit is None:
        return bool(user and user.is_authenticated and user.is_superuser)
    paths = role_paths(user, action)
    return paths is None or any(unit.path.startswith(path) for path in paths)


def ensure_can(user, action: str, unit: Unit) -> None:
    """404 when the unit is out of the user's sight, 403 when it is in sight but `action` is not allowed."""
    if not can(user, VIEW, unit):
        raise Http404
    if not can(user, action, unit):
        raise PermissionDenied(f"Bạn chỉ có quyền xem; không có quyền {ACTION_NAMES.get(action, action)} ở đơn vị này.")


def get_scoped_object(queryset: QuerySet, user, action: str = VIEW, *, unit_field: str | None = None, **lookups):
    """Fetch one object through the user's scope: 404 when out of scope, 403 when read-only."""
    if unit_field is None:
        unit_field = "" if queryset.model is Unit else "unit"
    try:
        obj = restrict(queryset, user, VIEW, unit_field=unit_field).get(**lookups)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if action != VIEW:
        unit = obj
        for part in filter(None, unit_field.split("__")):
            unit = getattr(unit, part)
        ensure_can(user, action, unit)
    return obj


def units_for(user, action: str = VIEW) -> QuerySet:
    """Units the user may do `action` on: the choices of every unit dropdown."""
    return restrict(Unit.objects.all(), user, action, unit_field="")


def top_units(user) -> QuerySet:
    """The units the user holds roles on (their own 'home' units), highest first."""
    if user.is_superuser:
        return Unit.objects.filter(parent__isnull=True).open_today().ordered()
    return Unit.objects.filter(roles__user=user).distinct().ordered()


# Rights that several actions share, named once so every view and form applies the same rule. ------------------

EDIT_UNIT = (CHANGE, MANAGE)  # a unit's own data: name, address, notes, host, leadership (secretary, administrator)
RESTRUCTURE = (MANAGE, APPROVE)  # create units below, move, close, merge, split (administrator, officer)
# Lists of people (names, phones, addresses) leave the application only with a role that works with them: every
# role but the viewer, who exports figures, not people (Law 91/2025: minimisation).
PERSONAL_DATA = (CHANGE, APPROVE, MANAGE)


def can_any(user, actions, unit: Unit | None) -> bool:
    return any(can(user, action, unit) for action in actions)


def ensure_can_any(user, actions, unit: Unit) -> None:
    """Like ensure_can, for a right that any of several actions grants: 404 out of sight, 403 read-only."""
    if not can(user, VIEW, unit):
        raise Http404
    if not can_any(user, actions, unit):
        names = " hoặc ".join(ACTION_NAMES.get(action, action) for action in actions)
        raise PermissionDenied(f"Bạn không có quyền {names} ở đơn vị này.")


def can_edit_unit(user, unit: Unit) -> bool:
    return can_any(user, EDIT_UNIT, unit)


def can_restructure(user, unit: Unit) -> bool:
    return can_any(user, RESTRUCTURE, unit)


def units_for_any(user, actions) -> QuerySet:
    """Units on which the user may do any of `actions`."""
    query = Q(pk__in=[])
    for action in actions:
        if role_paths(user, action) is None:
            return Unit.objects.all()
        query |= scope_q(user, action, unit_field="")
    return Unit.objects.filter(query)


def scope_any_q(user, actions, *, unit_field: str = "unit") -> Q:
    """`scope_q` for a right that any of several actions grants."""
    query = Q(pk__in=[])
    for action in actions:
        if role_paths(user, action) is None:
            return Q()
        query |= scope_q(user, action, unit_field=unit_field)
    return query
