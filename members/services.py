"""Writing member data: every path records history, respects closed years and keeps the summaries current.

Rules kept here:
- A member's memberships (Membership rows) are the dated facts counts come from; `Member.unit` mirrors the open
  one (or the last one, once she has left). Leaving keeps the record.
- A move inside the actor's CHANGE scope is immediate; to a chapter outside it, it is a MoveRequest that the
  receiving chapter's secretary accepts or declines.
- After each write the "members" summaries of the touched units are refreshed for the years the change can
  affect (stocks carry forward, so from the change's year on).
"""

import datetime
import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from chapters import scoping
from chapters.models import Unit
from chapters.services.periods import period_guard
from chapters.services.records import record_delete, record_save
from chapters.signals import member_erased
from chapters.summaries import summaries_add, summaries_refresh, years_from
from core import bulk
from core.bulk import bulk_update_with_history
from core.imports.jobs import import_files_erase
from core.text import fold, person_name

from .models import Due, Erasure, Member, Membership, MoveRequest, PersonalDataAccess
from .models.members import ERASED_NAME
from .privacy import access_log

PROVIDER = "members"
# Fields a member's page can edit; the unit changes only through a move, erasure through member_erase.
EDITABLE_FIELDS = {
    "full_name",
    "gender",
    "birth_date",
    "birth_year",
    "ethnicity",
    "phone",
    "address",
    "joined_on",
    "left_on",
    "left_reason",
    "card_number",
    "card_issued_on",
    "party_member",
    "occupation",
    "notes",
    "citizen_id",
    "household",
}


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _refresh(unit_ids: Iterable[int], since: datetime.date | int | None) -> None:
    summaries_refresh(unit_ids=set(unit_ids), years=years_from(since), providers=[PROVIDER])


def _require(actor, action: str, unit: Unit, what: str = "nhập, sửa dữ liệu hội viên") -> None:
    """Services check scope too, so imports and commands acting for a user can't step outside it."""
    if actor is not None and not scoping.can(actor, action, unit):
        raise PermissionDenied(f"Bạn không có quyền {what} ở {unit.display_name}.")


def _save_membership(membership: Membership, *, actor=None) -> Membership:
    period_guard(membership.period_keys())
    if actor is not None and getattr(actor, "is_authenticated", False) and not membership.pk:
        membership.recorded_by = actor
    membership.save()
    return membership


# Members ---------------------------------------------------------------------------------------------------


def commune_of(unit: Unit) -> Unit:
    """The nearest association at or above `unit` (a chapter's commune): where duplicates are looked for."""
    if unit.kind == Unit.Kind.ASSOCIATION:
        return unit
    above = Unit.objects.filter(pk__in=unit.ancestor_ids, kind=Unit.Kind.ASSOCIATION).order_by("-depth").first()
    return above or unit


def likely_duplicates(*, full_name: str, birth_year: int | None, unit: Unit, exclude_pk: int | None = None):
    """Members with the same name (without accents) and birth year in the same commune: shown to a person to
    decide, never merged silently."""
    key = fold(full_name)
    if not key or not birth_year:
        return Member.objects.none()
    qs = Member.objects.filter(name_key=key, birth_year=birth_year, unit__path__startswith=commune_of(unit).path)
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


@transaction.atomic
def member_create(*, actor=None, unit: Unit, joined_on: datetime.date, reason: str = "", **fields) -> Member:
    """Add a member with her first membership. Raises ValidationError (saving nothing) on bad input."""
    _require(actor, scoping.CHANGE, unit)
    member = Member(unit=unit, joined_on=joined_on, **fields)
    record_save(member, actor=actor, reason=reason)
    _save_membership(first_membership(member), actor=actor)
    # What one new member adds, written to the stored rows (rather than her chapter's figures of every year from
    # her joining counted again from all its memberships and dues).
    summaries_add(PROVIDER, [member])
    return member


def _first_membership_dates(member: Member) -> dict:
    """Where and when a new member's first membership runs: in her unit from the joining date (to the leaving
    date)."""
    return {
        "unit_id": member.unit_id,
        "since": member.joined_on,
        "start": Membership.Start.JOINED,
        "until": member.left_on,
        "end": Membership.End.LEFT if member.left_on else "",
    }


def first_membership(member: Member, *, recorded_by=None) -> Membership:
    """The membership a new member starts with (`_first_membership_dates`)."""
    membership = Membership(member=member, recorded_by=recorded_by, **_first_membership_dates(member))
    membership.unit = member.unit  # her loaded chapter: the closed-period check does not read it again
    return membership


FIRST_MEMBERSHIP_COLUMNS = ("member_id", "unit_id", "since", "start", "until", "end", "recorded_by_id", "recorded_at")


def members_bulk_create(members: list[Member], *, user=None, reason: str = "") -> list[Member]:
    """The bulk path of `member_create` for imports: members the caller has built and fully validated (scope,
    closed periods, model rules), written with their history and first memberships (COPY on PostgreSQL).
    The caller brings the summaries up to date once (`summaries_add` of the members, when all are new)."""
    bulk.create_with_history(Member, members, user=user, reason=reason)
    # The first memberships as rows: a large import built 50,000 model instances only to write them.
    recorded = {
        "recorded_by_id": user.pk if getattr(user, "is_authenticated", False) else None,
        "recorded_at": timezone.now(),
    }
    rows = ({"member_id": member.pk, **_first_membership_dates(member), **recorded} for member in members)
    bulk.insert_rows(
        Membership, FIRST_MEMBERSHIP_COLUMNS, ([row[name] for name in FIRST_MEMBERSHIP_COLUMNS] for row in rows)
    )
    return members


def members_bulk_update(
    changes: list[tuple[Member, list[str]]], *, fields: list[str], user=None, reason: str = "", batch_size: int = 1000
) -> None:
    """The bulk path of `member_update`: `fields` written for every member with history; a corrected joining or
    leaving date moves her memberships' ends; a member who left has her pending move requests cancelled."""
    members = [member for member, _changed in changes]
    bulk_update_with_history(
        members, Member, fields, batch_size=batch_size, default_user=user, default_change_reason=reason
    )
    for member, changed in changes:
        if {"joined_on", "left_on"} & set(changed):
            membership_ends_sync(member, actor=user)
    left = [member.pk for member, changed in changes if "left_on" in changed and member.left_on]
    MoveRequest.objects.filter(member_id__in=left, status=MoveRequest.Status.PENDING).update(
        status=MoveRequest.Status.CANCELLED, decision_note="Hội viên đã ra hội."
    )


@transaction.atomic
def member_update(
    member: Member, *, actor=None, expected_version: int | None = None, reason: str = "", **fields
) -> Member:
    """Edit a member's own fields (not her unit: that is a move). Corrections of the joining or leaving date
    move the ends of her memberships with them."""
    _require(actor, scoping.CHANGE, member.unit)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"member_update cannot change {sorted(unknown)}")
    if member.is_erased:
        raise ValidationError("Dữ liệu cá nhân của hội viên này đã bị xóa theo yêu cầu; không thể sửa.")
    before = Member.objects.get(pk=member.pk)
    for name, value in fields.items():
        setattr(member, name, value)
    record_save(member, actor=actor, expected_version=expected_version, reason=reason)
    membership_ends_sync(member, actor=actor)
    _refresh(
        set(member.memberships.values_list("unit_id", flat=True)),
        min(before.joined_on, member.joined_on),
    )
    return member


def membership_ends_sync(member: Member, *, actor=None) -> None:
    """Make the first membership start on the joining date and the last one end on the leaving date."""
    memberships = list(member.memberships.select_for_update().order_by("since", "pk"))
    if not memberships:
        return
    first, last = memberships[0], memberships[-1]
    if first.since != member.joined_on:
        if len(memberships) > 1 and member.joined_on >= memberships[1].since:
            raise ValidationError(
                {"joined_on": f"Ngày vào hội phải trước ngày chuyển sinh hoạt {_fmt(memberships[1].since)}."}
            )
        first.since = member.joined_on
        _save_membership(first, actor=actor)
    end = Membership.End.LEFT if member.left_on else ""
    if (last.until, last.end) != (member.left_on, end):
        if member.left_on and member.left_on < last.since:
            raise ValidationError(
                {"left_on": f"Ngày ra hội không được trước ngày bắt đầu sinh hoạt ở {last.unit} ({_fmt(last.since)})."}
            )
        last.until, last.end = member.left_on, end
        _save_membership(last, actor=actor)


def _leave(member: Member, *, actor, on: datetime.date, reason: str) -> None:
    if not member.is_active:
        raise ValidationError(f"{member.full_name} đã ra hội từ {_fmt(member.left_on)}.")
    member.left_on = on
    member.left_reason = reason
    label = Member.LeftReason(reason).label if reason in Member.LeftReason.values else reason
    record_save(member, actor=actor, reason=f"Ra hội từ {_fmt(on)}: {label}")
    membership_ends_sync(member, actor=actor)
    MoveRequest.objects.filter(member=member, status=MoveRequest.Status.PENDING).update(
        status=MoveRequest.Status.CANCELLED, decided_at=timezone.now(), decision_note="Hội viên đã ra hội."
    )


@transaction.atomic
def member_leave(member: Member, *, actor=None, on: datetime.date, reason: str) -> Member:
    """She leaves (moved away, left, deceased) from `on`: the record stays, counts stop on that day."""
    _require(actor, scoping.CHANGE, member.unit)
    _leave(member, actor=actor, on=on, reason=reason)
    _refresh([member.unit_id], on)
    return member


@transaction.atomic
def member_leave_bulk(*, actor=None, members: Iterable[Member], on: datetime.date, reason: str) -> int:
    """Mark several members as left; all or nothing (one bad row aborts the whole action with its name)."""
    touched = set()
    count = 0
    for member in members:
        _require(actor, scoping.CHANGE, member.unit)
        try:
            _leave(member, actor=actor, on=on, reason=reason)
        except ValidationError as error:
            raise ValidationError(f"{member.full_name}: {'; '.join(error.messages)}") from error
        touched.add(member.unit_id)
        count += 1
    _refresh(touched, on)
    return count


# Moves ------------------------------------------------------------------------------------------------------


def _check_move(member: Member, to_unit: Unit, on: datetime.date) -> Membership:
    if not member.is_active:
        raise ValidationError(f"{member.full_name} đã ra hội; không thể chuyển sinh hoạt.")
    if to_unit.pk == member.unit_id:
        raise ValidationError({"to_unit": f"{member.full_name} đang sinh hoạt ở {to_unit}."})
    if to_unit.level != Unit.Level.GRASSROOTS:
        raise ValidationError({"to_unit": "Hãy chọn chi hội, ban khuyến học hoặc tổ hội để chuyển đến."})
    if on > timezone.localdate():
        raise ValidationError({"on": "Ngày chuyển không được sau hôm nay."})
    if not to_unit.is_open_on(on):
        raise ValidationError({"to_unit": f"{to_unit} không hoạt động vào ngày {_fmt(on)}."})
    current = member.memberships.select_for_update().filter(until__isnull=True).first()
    if current is None:
        raise ValidationError(f"{member.full_name} không có quá trình sinh hoạt đang mở.")
    if on < current.since:
        raise ValidationError(
            {"on": f"Ngày chuyển không được trước ngày bắt đầu sinh hoạt ở {current.unit} ({_fmt(current.since)})."}
        )
    return current


def _apply_move(member: Member, *, to_unit: Unit, on: datetime.date, actor, reason: str = "") -> int:
    """Close the current membership on `on` and open one in `to_unit`; returns the unit left."""
    current = _check_move(member, to_unit, on)
    from_unit = member.unit
    if on == current.since:
        # Moved on the day she arrived: a correction of where she arrived.
        current.unit = to_unit
        _save_membership(current, actor=actor)
    else:
        current.until, current.end = on, Membership.End.MOVED_OUT
        _save_membership(current, actor=actor)
        _save_membership(
            Membership(member=member, unit=to_unit, since=on, start=Membership.Start.MOVED_IN), actor=actor
        )
    member.unit = to_unit
    record_save(member, actor=actor, reason=reason or f"Chuyển sinh hoạt từ {from_unit} sang {to_unit} từ {_fmt(on)}")
    return from_unit.pk


@transaction.atomic
def member_move(
    member: Member, *, actor=None, to_unit: Unit, on: datetime.date, note: str = ""
) -> Membership | MoveRequest:
    """Move a member to another chapter from `on`. Inside the actor's CHANGE scope the move is immediate (the new
    Membership is returned); outside it a MoveRequest for the receiving secretary is returned."""
    _require(actor, scoping.CHANGE, member.unit)
    if actor is None or scoping.can(actor, scoping.CHANGE, to_unit):
        old = _apply_move(member, to_unit=to_unit, on=on, actor=actor)
        _refresh([old, to_unit.pk], on)
        return member.memberships.get(until__isnull=True)
    _check_move(member, to_unit, on)
    period_guard([(member.unit, on), (to_unit, on)])
    if MoveRequest.objects.filter(member=member, status=MoveRequest.Status.PENDING).exists():
        raise ValidationError(f"{member.full_name} đã có một đề nghị chuyển sinh hoạt đang chờ trả lời.")
    return MoveRequest.objects.create(
        member=member, from_unit=member.unit, to_unit=to_unit, on=on, note=note, requested_by=actor
    )


@transaction.atomic
def member_move_bulk(*, actor=None, members: Iterable[Member], to_unit: Unit, on: datetime.date) -> dict[str, int]:
    """Move several members; all or nothing. Returns how many moved now and how many became requests."""
    result = {"moved": 0, "requested": 0}
    touched = {to_unit.pk}
    immediate = actor is None or scoping.can(actor, scoping.CHANGE, to_unit)
    for member in members:
        _require(actor, scoping.CHANGE, member.unit)
        try:
            if immediate:
                touched.add(_apply_move(member, to_unit=to_unit, on=on, actor=actor))
                result["moved"] += 1
            else:
                member_move(member, actor=actor, to_unit=to_unit, on=on)
                result["requested"] += 1
        except ValidationError as error:
            raise ValidationError(f"{member.full_name}: {'; '.join(error.messages)}") from error
    if result["moved"]:
        _refresh(touched, on)
    return result


@transaction.atomic
def move_request_accept(move: MoveRequest, *, actor=None) -> MoveRequest:
    _require(actor, scoping.CHANGE, move.to_unit, "nhận hội viên chuyển đến")
    move = MoveRequest.objects.select_for_update().get(pk=move.pk)
    if move.status != MoveRequest.Status.PENDING:
        raise ValidationError(f"Đề nghị này đã được xử lý ({move.get_status_display().lower()}).")
    member = Member.objects.select_for_update().get(pk=move.member_id)
    if member.unit_id != move.from_unit_id:
        raise ValidationError(f"{member.full_name} không còn sinh hoạt ở {move.from_unit}; đề nghị đã lỗi thời.")
    old = _apply_move(
        member,
        to_unit=move.to_unit,
        on=move.on,
        actor=actor,
        reason=f"Nhận chuyển sinh hoạt từ {move.from_unit} sang {move.to_unit} từ {_fmt(move.on)}",
    )
    move.status = MoveRequest.Status.ACCEPTED
    move.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    move.decided_at = timezone.now()
    move.save()
    _refresh([old, move.to_unit_id], move.on)
    return move


@transaction.atomic
def move_request_decline(move: MoveRequest, *, actor=None, reason: str = "") -> MoveRequest:
    _require(actor, scoping.CHANGE, move.to_unit, "trả lời đề nghị chuyển sinh hoạt")
    move = MoveRequest.objects.select_for_update().get(pk=move.pk)
    if move.status != MoveRequest.Status.PENDING:
        raise ValidationError(f"Đề nghị này đã được xử lý ({move.get_status_display().lower()}).")
    move.status = MoveRequest.Status.DECLINED
    move.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    move.decided_at = timezone.now()
    move.decision_note = reason[:255]
    move.save()
    return move


@transaction.atomic
def move_request_cancel(move: MoveRequest, *, actor=None) -> MoveRequest:
    """The sending chapter withdraws its request."""
    _require(actor, scoping.CHANGE, move.from_unit, "hủy đề nghị chuyển sinh hoạt")
    move = MoveRequest.objects.select_for_update().get(pk=move.pk)
    if move.status != MoveRequest.Status.PENDING:
        raise ValidationError(f"Đề nghị này đã được xử lý ({move.get_status_display().lower()}).")
    move.status = MoveRequest.Status.CANCELLED
    move.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    move.decided_at = timezone.now()
    move.save()
    return move


# Dues -------------------------------------------------------------------------------------------------------


@transaction.atomic
def dues_mark_paid(
    *, actor=None, members: Iterable[Member], year: int, amount: int, paid_on: datetime.date, notes: str = ""
) -> dict[str, list[Member]]:
    """Record one year's dues for each of `members`, in bulk with history.

    Members who already paid that year, or were not members during it, are skipped and returned as such.
    """
    result: dict[str, list[Member]] = {"paid": [], "already": [], "not_member": []}
    members = list(members)
    already = set(Due.objects.filter(member__in=members, year=year).values_list("member_id", flat=True))
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    dues = []
    for member in members:
        _require(actor, scoping.CHANGE, member.unit)
        if member.pk in already:
            result["already"].append(member)
            continue
        if member.joined_on > end or (member.left_on and member.left_on <= start):
            result["not_member"].append(member)
            continue
        due = Due(member=member, unit=member.unit, year=year, amount=amount, paid_on=paid_on, notes=notes)
        due.full_clean(exclude=["member", "unit"], validate_unique=False)
        dues.append(due)
        result["paid"].append(member)
    period_guard(due.period_keys()[0] for due in dues)
    if dues:
        bulk_create_with_history(
            dues,
            Due,
            batch_size=1000,
            default_user=actor if getattr(actor, "is_authenticated", False) else None,
            default_change_reason=f"Nộp hội phí năm {year}",
        )
        _refresh({due.unit_id for due in dues}, year)
    return result


@transaction.atomic
def due_delete(due: Due, *, actor=None, reason: str = "") -> None:
    """Undo a dues entry made by mistake (history keeps it)."""
    _require(actor, scoping.CHANGE, due.unit)
    record_delete(due, actor=actor, reason=reason or f"Hủy hội phí năm {due.year}")
    _refresh([due.unit_id], due.year)


# Personal data ----------------------------------------------------------------------------------------------

# What erasure blanks. Gender, birth year, the joining and leaving dates, the Party flag and the unit stay, so
# every count she contributed to (members at a date, women, Party members, by age) stays right.
ERASED_VALUES = {
    "full_name": ERASED_NAME,
    "phone": "",
    "address": "",
    "citizen_id": "",
    "birth_date": None,
    "card_number": "",
    "card_issued_on": None,
    "ethnicity": "",
    "occupation": "",
    "notes": "",
    "household": None,
}


def can_erase(user, member: Member) -> bool:
    return bool(user and (user.is_superuser or scoping.can(user, scoping.MANAGE, member.unit)))


@transaction.atomic
def member_erase(
    member: Member, *, actor=None, requested_by: str, request_date: datetime.date, reference: str = ""
) -> Erasure:
    """Erase a member's personal data on request (Law 91/2025): anonymised in place and in every history row,
    while the facts counts rely on stay; the erasure itself is recorded (who, when, on whose request)."""
    if actor is not None and not can_erase(actor, member):
        raise PermissionDenied("Chỉ quản trị của hội cấp trên mới được xóa dữ liệu cá nhân của hội viên.")
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.is_erased:
        raise ValidationError("Dữ liệu cá nhân của hội viên này đã được xóa trước đây.")
    if not requested_by.strip():
        raise ValidationError({"requested_by": "Hãy ghi ai đã yêu cầu xóa dữ liệu."})
    if request_date > timezone.localdate():
        raise ValidationError({"request_date": "Ngày nhận yêu cầu không được sau hôm nay."})
    # Uploaded spreadsheets that hold her data (or wrote her record) are deleted; read before the name goes.
    imports = [
        int(number)
        for reason in member.history.exclude(history_change_reason=None).values_list("history_change_reason", flat=True)
        for number in re.findall(r"lần nhập #(\d+)", reason)
    ]
    files = import_files_erase(
        unit=member.unit, texts=[member.full_name, member.card_number, member.phone], job_ids=imports
    )
    # The old values must not survive anywhere: past history rows first, then the record itself.
    member.history.update(**ERASED_VALUES)
    member.dues.update(notes="")
    MoveRequest.objects.filter(member=member).update(note="", decision_note="")
    # Apps that copied her personal data (learning citizens' records, award recipients) blank it too.
    member_erased.send(sender=Member, member_id=member.pk, erased_name=ERASED_NAME)
    for name, value in ERASED_VALUES.items():
        setattr(member, name, value)
    member.erased_at = timezone.now()
    # A generic reason: the requester's own words may contain the very name being erased.
    record_save(member, actor=actor, reason="Xóa dữ liệu cá nhân theo yêu cầu (Luật 91/2025/QH15)", validate=False)
    user = actor if getattr(actor, "is_authenticated", False) else None
    erasure = Erasure.objects.create(
        member=member,
        unit=member.unit,
        erased_by=user,
        erased_by_name=person_name(user) if user else "Hệ thống",
        requested_by=requested_by.strip()[:255],
        request_date=request_date,
        reference=reference.strip()[:100],
        import_jobs=files,
    )
    access_log(actor, [member], PersonalDataAccess.Action.ERASE, f"Theo yêu cầu ngày {_fmt(request_date)}")
    return erasure


def card_scopes_follow_move(sender, *, unit: Unit, old_path: str, new_path: str, **kwargs) -> None:
    """`chapters.signals.unit_moved` (inside the move's transaction): members below the moved unit who hold a card
    take the card scope of the province they now stand in. A card number already given to another member of that
    province refuses the move (ValidationError naming the numbers), so nothing changes."""
    from django.db.models import Count

    from .imports.common import province_paths

    carded = Member.objects.filter(unit__path__startswith=new_path).exclude(card_number="")
    unit_ids = set(carded.values_list("unit_id", flat=True).distinct())
    if not unit_ids:
        return
    scopes = province_paths(Unit.objects.filter(pk__in=unit_ids).only("pk", "path"))
    by_scope: dict[str, list[int]] = {}
    for unit_id, scope in scopes.items():
        by_scope.setdefault(scope, []).append(unit_id)
    clashes = set()
    for scope, ids in by_scope.items():
        moving = carded.filter(unit_id__in=ids)
        clashes.update(
            Member.objects.filter(card_scope=scope, card_number__in=moving.values("card_number"))
            .exclude(unit__path__startswith=new_path)
            .values_list("card_number", flat=True)
        )
        clashes.update(  # two provinces moved together (rare): numbers held in both
            moving.values("card_number").annotate(n=Count("pk")).filter(n__gt=1).values_list("card_number", flat=True)
        )
    if clashes:
        names = ", ".join(province.display_name for province in Unit.objects.filter(path__in=sorted(by_scope)))
        listed = ", ".join(sorted(clashes)[:20]) + (f" và {len(clashes) - 20} số khác" if len(clashes) > 20 else "")
        raise ValidationError(
            f"Không thể chuyển {unit.display_name}: số thẻ hội viên {listed} đã cấp cho hội viên khác trong "
            f"{names or 'tỉnh mới'} (số thẻ không được trùng trong một tỉnh). Hãy đổi số thẻ trước khi chuyển."
        )
    for scope, ids in by_scope.items():
        carded.filter(unit_id__in=ids).exclude(card_scope=scope).update(card_scope=scope)
