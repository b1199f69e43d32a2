"""Title types, targets and criteria sets: which set applies, copying a set for a province, editing its criteria."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from chapters import scoping
from chapters.models import Unit
from chapters.services.records import record_save
from core.text import nfc
from learning_models.models import CriteriaSet, Criterion, Target, TitleRecord, TitleType
from learning_models.scoring import parse_points, points_text


def can_edit_set(user, criteria_set: CriteriaSet) -> bool:
    """National sets: superusers only; a province's own set: its administrators (MANAGE)."""
    if user is None or not user.is_authenticated:
        return False
    if criteria_set.issuer_id is None:
        return user.is_superuser
    return scoping.can(user, scoping.MANAGE, criteria_set.issuer)


def can_edit_title_type(user, title_type: TitleType) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if title_type.owner_id is None:
        return user.is_superuser
    return scoping.can(user, scoping.MANAGE, title_type.owner)


class CriteriaSetResolver:
    """Which criteria set applies to (title type, unit, year): the most local issuer whose years cover the year.

    Keeps the candidate sets per (title type, year) in memory, so an import of 100,000 rows asks once.
    """

    def __init__(self):
        self._candidates: dict[tuple[int, int], list[CriteriaSet]] = {}

    def candidates(self, title_type: TitleType, year: int) -> list[CriteriaSet]:
        key = (title_type.pk, year)
        if key not in self._candidates:
            rows = (
                CriteriaSet.objects.filter(title_type=title_type, year_from__lte=year)
                .filter(Q(year_until__isnull=True) | Q(year_until__gte=year))
                .select_related("issuer")
            )
            # Deepest issuer first (a province's set before the national one), then the most recent.
            self._candidates[key] = sorted(
                rows, key=lambda s: (-(s.issuer.depth if s.issuer_id else -1), -s.year_from, -s.pk)
            )
        return self._candidates[key]

    def resolve(self, title_type: TitleType, unit: Unit, year: int) -> CriteriaSet | None:
        for candidate in self.candidates(title_type, year):
            if candidate.issuer_id is None or unit.path.startswith(candidate.issuer.path):
                return candidate
        return None


def criteria_set_for(*, title_type: TitleType, unit: Unit, year: int) -> CriteriaSet | None:
    return CriteriaSetResolver().resolve(title_type, unit, year)


@transaction.atomic
def criteria_set_copy(
    *,
    source: CriteriaSet,
    issuer: Unit,
    name: str,
    year_from: int,
    year_until: int | None = None,
    actor=None,
) -> CriteriaSet:
    """A province's own copy of a set (criteria included), to adapt to its documents."""
    if actor is not None and not scoping.can(actor, scoping.MANAGE, issuer):
        raise PermissionDenied("Chỉ quản trị của hội tỉnh mới được ban hành bộ tiêu chí của tỉnh.")
    copy = CriteriaSet(
        title_type=source.title_type,
        name=nfc(name) or f"{source.name} ({issuer.display_name})",
        issuer=issuer,
        issuer_name=issuer.display_name,
        basis="",
        year_from=year_from,
        year_until=year_until,
        threshold=source.threshold,
        level1_threshold=source.level1_threshold,
        level2_threshold=source.level2_threshold,
        notes=source.notes,
        copied_from=source,
    )
    record_save(copy, actor=actor, reason=f"Sao chép từ {source.name}"[:100])
    mapping: dict[int, Criterion] = {}
    criteria = list(source.criteria.all())
    # Parents first, so each sub-item finds its copied parent.
    for criterion in sorted(criteria, key=lambda c: c.parent_id is not None):
        new = Criterion.objects.create(
            criteria_set=copy,
            parent=mapping.get(criterion.parent_id),
            code=criterion.code,
            label=criterion.label,
            max_points=criterion.max_points,
            min_points=criterion.min_points,
            order=criterion.order,
        )
        mapping[criterion.pk] = new
    return copy


@dataclass
class CriterionRow:
    code: str
    label: str
    parent_code: str
    max_points: Decimal | str | None
    min_points: Decimal | str | None = None


def _check_rows(rows: list[CriterionRow]) -> list[CriterionRow]:
    errors: list[str] = []
    clean: list[CriterionRow] = []
    codes: set[str] = set()
    for number, row in enumerate(rows, start=1):
        code, label, parent = nfc(row.code), nfc(row.label), nfc(row.parent_code)
        if not code and not label:
            continue
        if not code or not label:
            errors.append(f"Dòng {number}: cần cả mã và nội dung tiêu chí.")
            continue
        if code in codes:
            errors.append(f"Dòng {number}: mã tiêu chí «{code}» bị trùng.")
            continue
        try:
            maximum = parse_points(row.max_points)
            minimum = parse_points(row.min_points)
        except ValueError as error:
            errors.append(f"Dòng {number}: {error}")
            continue
        if maximum is None or maximum <= 0:
            errors.append(f"Dòng {number}: hãy nhập điểm tối đa (lớn hơn 0) của tiêu chí «{code}».")
            continue
        if minimum is not None and minimum > maximum:
            errors.append(f"Dòng {number}: điểm tối thiểu của «{code}» lớn hơn điểm tối đa.")
            continue
        codes.add(code)
        clean.append(CriterionRow(code, label, parent, maximum, minimum))
    tops = {row.code: row for row in clean if not row.parent_code}
    for row in clean:
        if row.parent_code and row.parent_code not in tops:
            errors.append(
                f"Tiêu chí «{row.code}»: tiêu chí cha «{row.parent_code}» không có hoặc không phải tiêu chí chính."
            )
    for top in tops.values():
        children = [row for row in clean if row.parent_code == top.code]
        if children:
            total = sum((row.max_points for row in children), Decimal(0))
            if total != top.max_points:
                errors.append(
                    f"Tiêu chí «{top.code}» tối đa {points_text(top.max_points)} điểm nhưng các nội dung của nó "
                    f"cộng lại {points_text(total)} điểm."
                )
    if errors:
        raise ValidationError(errors)
    return clean


def _structure(criteria) -> list[tuple]:
    codes = {c.pk: c.code for c in criteria}
    return sorted((c.code, codes.get(c.parent_id, ""), Decimal(c.max_points)) for c in criteria)


@transaction.atomic
def criteria_set_update(
    criteria_set: CriteriaSet, *, rows: list[CriterionRow], actor=None, expected_version=None, **fields
) -> CriteriaSet:
    """Save a set's fields and replace its criteria by `rows`. Once records use the set, its structure (codes,
    parents, maximum points) is frozen: scores already entered must keep their meaning."""
    if actor is not None and not can_edit_set(actor, criteria_set):
        raise PermissionDenied("Bạn không có quyền sửa bộ tiêu chí này.")
    clean = _check_rows(rows)
    current = list(criteria_set.criteria.all())
    wanted = sorted((row.code, row.parent_code, row.max_points) for row in clean)
    used = TitleRecord.objects.filter(criteria_set=criteria_set).count()
    if used and wanted != _structure(current):
        raise ValidationError(
            f"Bộ tiêu chí đã được dùng cho {used} hồ sơ: không thể thêm, bớt tiêu chí hay đổi điểm tối đa. "
            "Hãy sao chép thành bộ mới để sửa."
        )
    for name, value in fields.items():
        setattr(criteria_set, name, value)
    if criteria_set.recognition_only and clean:
        raise ValidationError(
            "Bộ «chỉ ghi nhận công nhận» không có tiêu chí chấm điểm: hãy bỏ các tiêu chí, hoặc bỏ chọn «chỉ ghi nhận "
            "công nhận, không chấm điểm»."
        )
    record_save(criteria_set, actor=actor, expected_version=expected_version)
    by_code = {c.code: c for c in current}
    keep = {row.code for row in clean}
    for criterion in current:
        if criterion.code not in keep and criterion.parent_id is not None:
            criterion.delete()
    for criterion in current:
        if criterion.code not in keep and criterion.parent_id is None:
            criterion.delete()
    saved: dict[str, Criterion] = {}
    order = {row.code: index for index, row in enumerate(clean, start=1)}
    # Top-level criteria first, so each sub-item finds its saved parent; the order is the rows' order.
    for row in sorted(clean, key=lambda r: bool(r.parent_code)):
        criterion = by_code.get(row.code) or Criterion(criteria_set=criteria_set, code=row.code)
        criterion.label = row.label
        criterion.max_points = row.max_points
        criterion.min_points = row.min_points
        criterion.parent = saved.get(row.parent_code) if row.parent_code else None
        criterion.order = order[row.code]
        criterion.save()
        saved[row.code] = criterion
    return criteria_set


@transaction.atomic
def target_save(
    *,
    unit: Unit,
    title_type: TitleType,
    year: int,
    percent: Decimal,
    basis: str = "",
    year_until: int | None = None,
    actor=None,
):
    """A province's own target for a title, in force from `year` to `year_until` (empty: until a later one)."""
    if unit.level != Unit.Level.PROVINCE:
        raise ValidationError({"unit": "Chỉ tiêu được đặt cho hội cấp tỉnh."})
    if actor is not None and not scoping.can(actor, scoping.MANAGE, unit):
        raise PermissionDenied("Chỉ quản trị của hội tỉnh mới được đặt chỉ tiêu.")
    target = Target.objects.filter(unit=unit, title_type=title_type, year=year).first() or Target(
        unit=unit, title_type=title_type, year=year
    )
    target.percent = percent
    target.basis = nfc(basis)
    target.year_until = year_until
    record_save(target, actor=actor)
    return target
