"""The yearly cycle of a title record (domain.md §6): register → score → review at the chapter → propose
(commune) → recognise by decision or refuse; a recognised or refused record is locked until an officer unlocks it.

Every write goes through `record_save` or, for many rows at once, the bulk helpers below, which keep the same
guarantees: history for every row, the closed-period guard, the version check, all or nothing.
"""

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, JSONField, OuterRef, Q, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from chapters import scoping
from chapters.models import Unit
from chapters.services.periods import period_guard
from chapters.services.records import record_delete, record_save
from chapters.summaries import summaries_refresh, summary_years
from core.bulk import bulk_update_with_history
from core.history import command_line
from core.text import nfc
from learning_models.models import CriteriaSet, TitleRecord, TitleType
from learning_models.scoring import RulesCache, points_text
from learning_models.services.catalogue import CriteriaSetResolver

Status = TitleRecord.Status
BATCH = 2000
UPDATE_GROUPS = 50  # above this many distinct sets of new values, bulk_update (one CASE per field) is cheaper
SCORABLE = (Status.REGISTERED, Status.SELF_ASSESSED, Status.REVIEWED)


class RowErrors(ValidationError):
    """Problems with some of many records: {record id: [messages]}. Nothing was saved."""

    def __init__(self, errors: dict[int, list[str]]):
        self.rows = errors
        lines = [message for messages in errors.values() for message in messages]
        shown = lines[:20] + ([f"… và {len(lines) - 20} lỗi khác."] if len(lines) > 20 else [])
        super().__init__(shown)


def _history_kwargs(records: list[TitleRecord], actor, reason: str) -> dict:
    """Arguments of the bulk history helpers; marks on the instances from an earlier save would win, so they
    are replaced by this write's actor and reason."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    reason = (reason or ("" if user else command_line()))[:100]
    for record in records:
        record.__dict__.pop("_history_user", None)
        record._change_reason = reason
        if user is not None:
            record._history_user = user
    return {"default_user": user, "default_change_reason": reason}


def _refresh(records: Iterable[TitleRecord], *, years_from_validity: bool = False) -> None:
    """Refresh the titles summaries of the units and years these records touch."""
    units, years = set(), set()
    for record in records:
        units.add(record.unit_id)
        last = record.valid_until_year if years_from_validity and record.valid_until_year else record.year
        years.update(range(record.year, max(last, record.year) + 1))
    kept = set(summary_years())
    years &= kept
    if units and years:
        summaries_refresh(unit_ids=units, years=years, providers=["titles"])


def record_label(record: TitleRecord) -> str:
    prefix = {
        TitleType.Subject.HOUSEHOLD: "Hộ ",
        TitleType.Subject.CLAN: "",
        TitleType.Subject.UNIT: "",
        TitleType.Subject.PERSON: "",
    }.get(record.subject_kind, "")
    return f"{prefix}{record.subject_name}"


def approving_unit(unit: Unit) -> Unit:
    """The association that proposes a unit's records: the nearest association at or above it (the commune for
    a chapter's households)."""
    if unit.kind == Unit.Kind.ASSOCIATION:
        return unit
    ancestors = unit.ancestors()
    for ancestor in reversed(ancestors):
        if ancestor.kind == Unit.Kind.ASSOCIATION:
            return ancestor
    return unit


def can_approve(user, unit: Unit) -> bool:
    return scoping.can(user, scoping.APPROVE, approving_unit(unit))


def _check_approver(actor, records: list[TitleRecord]) -> None:
    if actor is None:
        return
    seen: dict[int, bool] = {}
    for record in records:
        if record.unit_id not in seen:
            seen[record.unit_id] = can_approve(actor, record.unit)
        if not seen[record.unit_id]:
            raise PermissionDenied("Chỉ cán bộ (quyền duyệt) của hội cấp xã mới được đề nghị, công nhận danh hiệu.")


# Registration ------------------------------------------------------------------------------------------------


def _default_registered_on(year: int) -> datetime.date:
    today = timezone.localdate()
    return today if today.year >= year - 1 and today.year <= year else datetime.date(year, 1, 1)


def _check_registered_on(day: datetime.date, year: int) -> None:
    if not datetime.date(year - 1, 1, 1) <= day <= datetime.date(year, 12, 31):
        raise ValidationError(
            {"registered_on": f"Ngày đăng ký danh hiệu năm {year} phải trong năm {year - 1} hoặc năm {year}."}
        )


def _unit_open_in(unit: Unit, year: int) -> bool:
    return (unit.active_from is None or unit.active_from.year <= year) and (
        unit.active_until is None or unit.active_until.year >= year
    )


def subject_name_of(
    title_type: TitleType, *, household=None, clan=None, subject_unit=None, person_name="", member=None
):
    if household is not None:
        return household.head_name
    if clan is not None:
        return clan.name
    if subject_unit is not None:
        return subject_unit.display_name
    if member is not None and not person_name:
        return member.full_name
    return nfc(person_name)


def duplicate_message(title_type: TitleType, year: int, existing: TitleRecord) -> str:
    return (
        f"{record_label(existing)} đã đăng ký danh hiệu «{title_type.name}» năm {year} "
        f"(trạng thái: {existing.get_status_display().lower()}); không đăng ký lại."
    )


@transaction.atomic
def registration_create(
    *,
    title_type: TitleType,
    year: int,
    household=None,
    clan=None,
    subject_unit: Unit | None = None,
    member=None,
    person_name: str = "",
    unit: Unit | None = None,
    registered_on: datetime.date | None = None,
    evidence: str = "",
    actor=None,
) -> TitleRecord:
    """Register one subject for a title and a year. Raises ValidationError (Vietnamese), saving nothing."""
    kind = title_type.subject_kind
    given = {
        TitleType.Subject.HOUSEHOLD: household,
        TitleType.Subject.CLAN: clan,
        TitleType.Subject.UNIT: subject_unit,
        TitleType.Subject.PERSON: member or nfc(person_name) or None,
    }
    if not title_type.active:
        raise ValidationError(f"Danh hiệu «{title_type.name}» đã ngừng sử dụng.")
    if given[kind] is None:
        raise ValidationError(f"Danh hiệu «{title_type.name}» dành cho {title_type.subject_word}: hãy chọn đối tượng.")
    if kind == TitleType.Subject.HOUSEHOLD:
        unit = household.unit
    elif kind == TitleType.Subject.CLAN:
        unit = clan.unit
    elif kind == TitleType.Subject.UNIT:
        if not title_type.applies_to_unit(subject_unit):
            raise ValidationError(
                f"{subject_unit.display_name} không thuộc đối tượng của danh hiệu «{title_type.name}»."
            )
        unit = subject_unit
    else:
        unit = unit or (member.unit if member is not None else None)
        if unit is None:
            raise ValidationError({"unit": "Hãy chọn chi hội của người đăng ký."})
    if not _unit_open_in(unit, year):
        raise ValidationError(f"{unit.display_name} không hoạt động trong năm {year}.")
    criteria_set = CriteriaSetResolver().resolve(title_type, unit, year)
    if criteria_set is None:
        raise ValidationError(f"Chưa có bộ tiêu chí của danh hiệu «{title_type.name}» áp dụng cho năm {year}.")
    name = subject_name_of(
        title_type,
        household=household if kind == TitleType.Subject.HOUSEHOLD else None,
        clan=clan if kind == TitleType.Subject.CLAN else None,
        subject_unit=subject_unit if kind == TitleType.Subject.UNIT else None,
        member=member,
        person_name=person_name,
    )
    subjects = {
        "household": household if kind == TitleType.Subject.HOUSEHOLD else None,
        "clan": clan if kind == TitleType.Subject.CLAN else None,
        "subject_unit": subject_unit if kind == TitleType.Subject.UNIT else None,
        "member": member if kind == TitleType.Subject.PERSON else None,
    }
    key = TitleRecord.key_for(
        unit_id=unit.pk, name=name, **{f"{field}_id": obj.pk for field, obj in subjects.items() if obj is not None}
    )
    existing = TitleRecord.objects.filter(title_type=title_type, year=year, subject_key=key).first()
    if existing:
        raise ValidationError(duplicate_message(title_type, year, existing), code="duplicate")
    registered_on = registered_on or _default_registered_on(year)
    _check_registered_on(registered_on, year)
    record = TitleRecord(
        title_type=title_type,
        year=year,
        criteria_set=criteria_set,
        unit=unit,
        **subjects,
        subject_name=name,
        registered_on=registered_on,
        evidence=nfc(evidence) if evidence else "",
    )
    record_save(record, actor=actor, reason="Đăng ký danh hiệu")
    _refresh([record])
    return record


def registration_candidates(*, title_type: TitleType, year: int, unit: Unit):
    """The subjects under `unit` that could register for the title and year and have not yet."""
    from members.models import Clan, Household

    # NOT EXISTS per subject through the subject's foreign-key index: cheap for a chapter even when the table
    # holds millions of other records of the same title and year.
    taken = TitleRecord.objects.filter(title_type=title_type, year=year)
    if title_type.subject_kind == TitleType.Subject.HOUSEHOLD:
        return (
            Household.objects.filter(unit__path__startswith=unit.path)
            .exclude(Exists(taken.filter(household=OuterRef("pk"))))
            .select_related("unit")
        )
    if title_type.subject_kind == TitleType.Subject.CLAN:
        return (
            Clan.objects.filter(unit__path__startswith=unit.path)
            .exclude(Exists(taken.filter(clan=OuterRef("pk"))))
            .select_related("unit")
        )
    if title_type.subject_kind == TitleType.Subject.UNIT:
        return (
            Unit.objects.subtree(unit)
            .filter(title_type.units_q())
            .exclude(Exists(taken.filter(subject_unit=OuterRef("pk"))))
            .select_related("parent")
        )
    raise ValidationError("Danh hiệu cá nhân được đăng ký cho từng người.")


@transaction.atomic
def registration_bulk_create(
    *,
    title_type: TitleType,
    year: int,
    unit: Unit,
    registered_on: datetime.date | None = None,
    actor=None,
) -> list[TitleRecord]:
    """Register every subject under `unit` ("every household of this chapter") not yet registered for the title
    and year. Returns the new records (none when all are registered)."""
    if not title_type.active:
        raise ValidationError(f"Danh hiệu «{title_type.name}» đã ngừng sử dụng.")
    registered_on = registered_on or _default_registered_on(year)
    _check_registered_on(registered_on, year)
    kind = title_type.subject_kind
    resolver = CriteriaSetResolver()
    records: list[TitleRecord] = []
    missing_sets: set[str] = set()
    for subject in registration_candidates(title_type=title_type, year=year, unit=unit):
        owner = subject if kind == TitleType.Subject.UNIT else subject.unit
        if not _unit_open_in(owner, year):
            continue
        criteria_set = resolver.resolve(title_type, owner, year)
        if criteria_set is None:
            missing_sets.add(owner.display_name)
            continue
        name = subject_name_of(
            title_type,
            household=subject if kind == TitleType.Subject.HOUSEHOLD else None,
            clan=subject if kind == TitleType.Subject.CLAN else None,
            subject_unit=subject if kind == TitleType.Subject.UNIT else None,
        )
        records.append(
            TitleRecord(
                title_type=title_type,
                year=year,
                criteria_set=criteria_set,
                unit=owner,
                household=subject if kind == TitleType.Subject.HOUSEHOLD else None,
                clan=subject if kind == TitleType.Subject.CLAN else None,
                subject_unit=subject if kind == TitleType.Subject.UNIT else None,
                subject_name=name,
                registered_on=registered_on,
                version=1,
            )
        )
    if missing_sets:
        raise ValidationError(
            f"Chưa có bộ tiêu chí của danh hiệu «{title_type.name}» năm {year} cho: " + ", ".join(sorted(missing_sets))
        )
    return records_insert(records, actor=actor, reason=f"Đăng ký hàng loạt danh hiệu {title_type.code} {year}")


def records_insert(records: list[TitleRecord], *, actor=None, reason: str = "", refresh: bool = True):
    """Insert new, already validated records with their history, after the closed-period guard."""
    if not records:
        return []
    units = {record.unit_id: record.unit for record in records}
    period_guard({(unit, record.year) for record in records for unit in [units[record.unit_id]]})
    for record in records:
        record.version = 1
        record.prepare()
    created = bulk_create_with_history(
        records, TitleRecord, batch_size=BATCH, **_history_kwargs(records, actor, reason)
    )
    if refresh:
        _refresh(records)
    return created


@transaction.atomic
def registration_delete(record: TitleRecord, *, actor=None, reason: str = "") -> None:
    """Withdraw a registration made by mistake (before the chapter's review)."""
    if record.locked or record.status not in (Status.REGISTERED, Status.SELF_ASSESSED):
        raise ValidationError(
            f"Hồ sơ của {record_label(record)} đang ở trạng thái «{record.get_status_display().lower()}»: "
            "chỉ xóa được đăng ký chưa bình xét."
        )
    record_delete(record, actor=actor, reason=reason or "Rút đăng ký")
    _refresh([record])


# Scores and review ---------------------------------------------------------------------------------------------


@dataclass
class ScoreEntry:
    record: TitleRecord
    scores: dict  # criterion code → text or number ("" removes a score)
    evidence: str | None = None  # None: unchanged
    expected_version: int | None = None


def _editable_problem(record: TitleRecord) -> str | None:
    label = record_label(record)
    if record.locked:
        word = "được công nhận" if record.status == Status.RECOGNISED else "có kết quả"
        return f"Hồ sơ của {label} đã {word} và đã khóa; cần cán bộ mở khóa trước khi sửa."
    if record.status == Status.PROPOSED:
        return f"Hồ sơ của {label} đã được hội xã đề nghị công nhận; không sửa điểm được nữa."
    return None


def _lock_versions(records: list[TitleRecord], expected: dict[int, int | None]) -> dict[int, list[str]]:
    """Lock the rows and compare versions: {record id: [message]} for those somebody else changed meanwhile."""
    errors: dict[int, list[str]] = {}
    current = {}
    ids = [r.pk for r in records]
    for start in range(0, len(ids), BATCH * 5):
        part = ids[start : start + BATCH * 5]
        current.update(TitleRecord.objects.select_for_update().filter(pk__in=part).values_list("pk", "version"))
    for record in records:
        wanted = expected.get(record.pk)
        if wanted is None and record.pk in current:
            record.version = current[record.pk]  # the write below counts from the locked row's version
        if record.pk not in current:
            errors[record.pk] = [f"Hồ sơ của {record_label(record)} không còn nữa (đã bị xóa)."]
        elif wanted is not None and current[record.pk] != wanted:
            errors[record.pk] = [
                f"Hồ sơ của {record_label(record)} vừa được người khác sửa sau khi bạn mở trang; hãy tải lại trang."
            ]
    return errors


def copy_value(field, record):
    raw = getattr(record, field.attname)
    return json.dumps(raw) if isinstance(field, JSONField) else raw


def history_copy(records: list[TitleRecord], *, history_type: str, user, reason: str) -> None:
    """The history rows of `records` ("+" created, "~" changed) with PostgreSQL COPY: the rows simple-history's
    bulk helpers would write, at the speed a district's 20,000 records or a commune's 100,000-row file needs."""
    historical = TitleRecord.history.model
    extras = {"history_date": timezone.now(), "history_change_reason": (reason or "")[:100],
              "history_type": history_type, "history_user_id": getattr(user, "pk", None)}  # fmt: skip
    tracked = [f for f in historical._meta.concrete_fields if f.attname != "history_id"]
    names = ", ".join(connection.ops.quote_name(f.column) for f in tracked)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {historical._meta.db_table} ({names}) FROM STDIN") as copy:
            for record in records:
                copy.write_row([extras[f.attname] if f.attname in extras else copy_value(f, record) for f in tracked])


def _value_key(value):
    return json.dumps(value, sort_keys=True, default=str) if isinstance(value, dict | list) else value


def _bulk_save(records: list[TitleRecord], fields: list[str], *, actor, reason: str) -> None:
    """Write `fields` and the version of many locked records, with a history row each, after the closed-period
    guard. Records that get the same new values (a whole district recognised by one decision) are written by one
    UPDATE per group; many distinct values (scores) go through bulk_update."""
    if not records:
        return
    period_guard({(record.unit, record.year) for record in records})
    groups: dict[tuple, list[TitleRecord]] = defaultdict(list)
    for record in records:
        record.version += 1
        groups[tuple(_value_key(getattr(record, name)) for name in fields)].append(record)
    history = _history_kwargs(records, actor, reason)
    if len(groups) > UPDATE_GROUPS:
        bulk_update_with_history(records, TitleRecord, [*fields, "version"], batch_size=BATCH, **history)
        return
    for group in groups.values():
        values = {name: getattr(group[0], name) for name in fields}
        ids = [record.pk for record in group]
        for start in range(0, len(ids), BATCH * 5):
            part = ids[start : start + BATCH * 5]
            TitleRecord.objects.filter(pk__in=part).update(**values, version=F("version") + 1)
    if connection.vendor == "postgresql":
        history_copy(records, history_type="~", user=history["default_user"], reason=history["default_change_reason"])
    else:
        TitleRecord.history.bulk_history_create(records, batch_size=BATCH, update=True, **history)


@transaction.atomic
def records_score(entries: list[ScoreEntry], *, actor=None, reason: str = "Chấm điểm") -> int:
    """Save the scores (and evidence notes) of many records at once, all or nothing. Returns how many changed.

    A score above a criterion's maximum, a code the set does not have, a locked or proposed record, or an edit
    somebody else made meanwhile: RowErrors naming every problem, nothing saved.
    """
    rules_cache = RulesCache()
    errors: dict[int, list[str]] = {}
    changed: list[TitleRecord] = []
    for entry in entries:
        record = entry.record
        rules = rules_cache.get_rules(record.criteria_set)
        scores, total, problems = rules.clean(entry.scores)
        evidence = record.evidence if entry.evidence is None else nfc(entry.evidence)
        if scores == record.scores and evidence == record.evidence:
            continue
        problem = _editable_problem(record)
        if problem:
            errors[record.pk] = [problem]
            continue
        if problems:
            errors[record.pk] = [f"{record_label(record)}: {message}" for _code, message in problems]
            continue
        record.scores, record.total, record.evidence = scores, total, evidence
        if scores and record.status == Status.REGISTERED:
            record.status = Status.SELF_ASSESSED
        elif not scores and record.status == Status.SELF_ASSESSED:
            record.status = Status.REGISTERED
        changed.append(record)
    errors.update(_lock_versions(changed, {e.record.pk: e.expected_version for e in entries}))
    if errors:
        raise RowErrors(errors)
    if changed:
        _bulk_save(changed, ["scores", "total", "evidence", "status"], actor=actor, reason=reason)
    return len(changed)


def record_score(
    record: TitleRecord, *, scores: dict, evidence: str | None = None, actor=None, expected_version=None
) -> TitleRecord:
    records_score([ScoreEntry(record, scores, evidence, expected_version)], actor=actor)
    return record


def _check_review_date(day: datetime.date | None, year: int) -> None:
    if day is None:
        raise ValidationError({"review_date": "Hãy nhập ngày họp bình xét."})
    if day > timezone.localdate():
        raise ValidationError({"review_date": "Ngày họp bình xét không được sau hôm nay."})
    if not datetime.date(year, 1, 1) <= day <= datetime.date(year + 1, 12, 31):
        raise ValidationError(
            {"review_date": f"Ngày họp bình xét danh hiệu năm {year} phải trong năm {year} hoặc {year + 1}."}
        )


@transaction.atomic
def records_review(
    records: list[TitleRecord], *, review_date: datetime.date, note: str = "", actor=None, expected_versions=None
) -> int:
    """Record the chapter's review meeting for these records (all scored when the set has criteria)."""
    if not records:
        raise ValidationError("Hãy chọn ít nhất một hồ sơ.")
    rules_cache = RulesCache()
    errors: dict[int, list[str]] = {}
    for record in records:
        _check_review_date(review_date, record.year)
        problem = _editable_problem(record)
        if problem or record.status not in SCORABLE:
            errors[record.pk] = [problem or f"Hồ sơ của {record_label(record)} đã có kết quả."]
            continue
        missing = rules_cache.get_rules(record.criteria_set).missing(record.scores)
        if missing:
            errors[record.pk] = [f"{record_label(record)}: chưa chấm điểm tiêu chí {', '.join(missing)}."]
            continue
        record.status = Status.REVIEWED
        record.review_date = review_date
        record.review_note = nfc(note)
    errors.update(_lock_versions(records, expected_versions or {}))
    if errors:
        raise RowErrors(errors)
    _bulk_save(records, ["status", "review_date", "review_note"], actor=actor, reason="Họp bình xét")
    return len(records)


def record_review(record: TitleRecord, *, review_date, note: str = "", actor=None, expected_version=None):
    records_review(
        [record], review_date=review_date, note=note, actor=actor, expected_versions={record.pk: expected_version}
    )
    return record


# Decisions of the commune and of the People's Committee ------------------------------------------------------


@transaction.atomic
def records_propose(records: list[TitleRecord], *, actor=None, proposed_on: datetime.date | None = None) -> int:
    """The commune proposes reviewed records that meet the criteria set's rule; all or nothing."""
    if not records:
        raise ValidationError("Hãy chọn ít nhất một hồ sơ để đề nghị công nhận.")
    _check_approver(actor, records)
    proposed_on = proposed_on or timezone.localdate()
    rules_cache = RulesCache()
    errors: dict[int, list[str]] = {}
    for record in records:
        label = record_label(record)
        reopened_refusal = record.status == Status.REFUSED and not record.locked
        if record.status != Status.REVIEWED and not reopened_refusal:
            errors[record.pk] = [
                f"Hồ sơ của {label} đang ở trạng thái «{record.get_status_display().lower()}»: "
                "chỉ đề nghị được hồ sơ chi hội đã bình xét."
            ]
            continue
        shortfalls = rules_cache.get_rules(record.criteria_set).shortfalls(record.scores)
        if shortfalls:
            errors[record.pk] = [f"{label} chưa đạt tiêu chí: " + "; ".join(shortfalls) + "."]
            continue
        record.status = Status.PROPOSED
        record.proposed_on = proposed_on
        record.refusal_reason = ""
    errors.update(_lock_versions(records, {}))
    if errors:
        raise RowErrors(errors)
    _bulk_save(records, ["status", "proposed_on", "refusal_reason"], actor=actor, reason="Đề nghị công nhận")
    return len(records)


@transaction.atomic
def records_recognise(
    records: list[TitleRecord],
    *,
    decision_number: str,
    decision_date: datetime.date | None,
    decision_issuer: str,
    actor=None,
) -> int:
    """Recognise proposed records by one decision (number, date, issuer); all or nothing. Locks them."""
    decision_number, decision_issuer = nfc(decision_number), nfc(decision_issuer)
    problems = {}
    if not decision_number:
        problems["decision_number"] = "Hãy nhập số quyết định công nhận: không có số quyết định thì không công nhận."
    if decision_date is None:
        problems["decision_date"] = "Hãy nhập ngày ký quyết định."
    elif decision_date > timezone.localdate():
        problems["decision_date"] = "Ngày quyết định không được sau hôm nay."
    if not decision_issuer:
        problems["decision_issuer"] = "Hãy nhập cơ quan ra quyết định (ví dụ: UBND phường Bạch Đằng)."
    if problems:
        raise ValidationError(problems)
    if not records:
        raise ValidationError("Hãy chọn ít nhất một hồ sơ để công nhận.")
    _check_approver(actor, records)
    rules_cache = RulesCache()
    errors: dict[int, list[str]] = {}
    for record in records:
        label = record_label(record)
        reopened = record.status in (Status.RECOGNISED, Status.REFUSED) and not record.locked
        if record.status != Status.PROPOSED and not reopened:
            errors[record.pk] = [
                f"Hồ sơ của {label} đang ở trạng thái «{record.get_status_display().lower()}»: "
                "chỉ công nhận được hồ sơ hội xã đã đề nghị."
            ]
            continue
        if decision_date.year < record.year:
            errors[record.pk] = [f"{label}: quyết định ký trước năm {record.year} của danh hiệu."]
            continue
        rules = rules_cache.get_rules(record.criteria_set)
        record.status = Status.RECOGNISED
        record.decision_number = decision_number
        record.decision_date = decision_date
        record.decision_issuer = decision_issuer
        record.level = rules.level_for(record.total)
        record.valid_until_year = record.year + record.title_type.years_valid - 1
        record.refusal_reason = ""
        record.locked = True
    errors.update(_lock_versions(records, {}))
    if errors:
        raise RowErrors(errors)
    fields = ["status", "decision_number", "decision_date", "decision_issuer", "level", "valid_until_year"]
    _bulk_save(
        records, [*fields, "refusal_reason", "locked"], actor=actor, reason=f"Công nhận theo QĐ {decision_number}"
    )
    _refresh(records, years_from_validity=True)
    return len(records)


@transaction.atomic
def record_refuse(record: TitleRecord, *, reason: str, actor=None, expected_version=None) -> TitleRecord:
    """Not recognised, with the reason; the record is locked."""
    reason = nfc(reason)
    if not reason:
        raise ValidationError({"reason": "Hãy ghi lý do không công nhận."})
    _check_approver(actor, [record])
    reopened = record.status == Status.RECOGNISED and not record.locked
    if record.status not in (Status.REVIEWED, Status.PROPOSED) and not reopened:
        raise ValidationError(
            f"Hồ sơ của {record_label(record)} đang ở trạng thái «{record.get_status_display().lower()}»: "
            "chỉ quyết định không công nhận với hồ sơ đã bình xét hoặc đã đề nghị."
        )
    last_year_held = record.valid_until_year if record.status == Status.RECOGNISED else None
    record.status = Status.REFUSED
    record.refusal_reason = reason[:500]
    record.locked = True
    record.level = None
    record.valid_until_year = None
    record_save(record, actor=actor, expected_version=expected_version, reason="Không công nhận")
    if last_year_held:
        years = set(range(record.year, last_year_held + 1)) & set(summary_years())
        summaries_refresh(unit_ids=[record.unit_id], years=years, providers=["titles"])
    return record


@transaction.atomic
def record_unlock(record: TitleRecord, *, reason: str, actor=None, expected_version=None) -> TitleRecord:
    """An officer opens a locked record to correct it; the reason is kept in its history."""
    reason = nfc(reason)
    if not reason:
        raise ValidationError({"reason": "Hãy ghi lý do mở khóa hồ sơ."})
    _check_approver(actor, [record])
    if not record.locked:
        raise ValidationError(f"Hồ sơ của {record_label(record)} chưa bị khóa.")
    record.locked = False
    record_save(record, actor=actor, expected_version=expected_version, reason=f"Mở khóa: {reason}"[:100])
    return record


@transaction.atomic
def record_lock(record: TitleRecord, *, actor=None, expected_version=None) -> TitleRecord:
    _check_approver(actor, [record])
    if record.locked:
        raise ValidationError(f"Hồ sơ của {record_label(record)} đã khóa.")
    if not record.is_final:
        raise ValidationError("Chỉ khóa được hồ sơ đã có kết quả công nhận hoặc không công nhận.")
    if record.status == Status.RECOGNISED and not record.decision_number:
        raise ValidationError("Hồ sơ được công nhận phải có số quyết định.")
    record.locked = True
    record_save(record, actor=actor, expected_version=expected_version, reason="Khóa hồ sơ")
    return record


# Whole selections at once (a commune, a chapter, "all scored at least N") ---------------------------------------

BULK_ACTIONS = {
    # action: (statuses it applies to, the right it needs, Vietnamese name)
    "review": (SCORABLE, scoping.CHANGE, "ghi nhận họp bình xét"),
    "propose": ((Status.REVIEWED,), scoping.APPROVE, "đề nghị công nhận"),
    "recognise": ((Status.PROPOSED,), scoping.APPROVE, "công nhận"),
}


def records_selection(
    *,
    user,
    unit: Unit,
    year: int,
    title_type: TitleType,
    action: str,
    min_total: Decimal | None = None,
    meets_threshold: bool = False,
) -> QuerySet:
    """The records a bulk `action` touches: `title_type` and `year` under `unit`, in the status the action
    applies to, within the user's scope for it (a secretary reviews, an officer proposes and recognises); with
    `min_total` only those scored at least that, with `meets_threshold` only those reaching their set's threshold."""
    statuses, right, _name = BULK_ACTIONS[action]
    records = TitleRecord.objects.filter(
        scoping.scope_q(user, right), unit__path__startswith=unit.path, year=year, title_type=title_type
    ).filter(status__in=statuses)
    if action != "recognise":
        records = records.filter(locked=False)
    if min_total is not None:
        records = records.filter(total__gte=min_total)
    if meets_threshold:
        records = records.filter(
            Q(criteria_set__threshold__isnull=True) | Q(total__gte=F("criteria_set__threshold"))
        ).exclude(total__isnull=True, criteria_set__recognition_only=False)
    return records


@transaction.atomic
def records_bulk_apply(*, selection: QuerySet, action: str, expected: int, actor=None, **params) -> int:
    """Apply `action` ("review", "propose" or "recognise") to every record of `selection` in one go, all or
    nothing, through the same checks, history and summaries as for a page of records. `expected` is the count the
    user confirmed: when the selection changed meanwhile nothing is written."""
    if action not in BULK_ACTIONS:
        raise ValidationError("Thao tác không hợp lệ.")
    records = list(selection.select_for_update(of=("self",)).order_by("pk"))
    if len(records) != expected:
        raise ValidationError(
            f"Số hồ sơ được chọn đã thay đổi từ khi bạn xem ({expected} → {len(records)} hồ sơ): không có gì được "
            "lưu. Hãy xem lại số hồ sơ rồi xác nhận lần nữa."
        )
    if not records:
        raise ValidationError("Không có hồ sơ nào khớp bộ lọc.")
    # One object per unit, title type and criteria set, shared by the records (a few queries, not joins on
    # every row): the guards and rules read each once.
    units = Unit.objects.in_bulk({record.unit_id for record in records})
    types = TitleType.objects.in_bulk({record.title_type_id for record in records})
    sets = CriteriaSet.objects.in_bulk({record.criteria_set_id for record in records})
    for record in records:
        record.unit, record.title_type = units[record.unit_id], types[record.title_type_id]
        record.criteria_set = sets[record.criteria_set_id]
    if action == "review":
        return records_review(records, review_date=params.get("review_date"), note=params.get("note", ""), actor=actor)
    if action == "propose":
        return records_propose(records, actor=actor, proposed_on=params.get("proposed_on"))
    return records_recognise(
        records,
        decision_number=params.get("decision_number", ""),
        decision_date=params.get("decision_date"),
        decision_issuer=params.get("decision_issuer", ""),
        actor=actor,
    )


def score_summary(record: TitleRecord) -> str:
    """ "85 điểm" or "chưa chấm"."""
    return f"{points_text(record.total)} điểm" if record.total is not None else "chưa chấm"
