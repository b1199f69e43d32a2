"""Scores checked against a criteria set, and the recognition rule: pure functions, no writes.

One `Rules` object is built per criteria set (one query) and reused for every record of a page or an import,
so validating 100,000 rows does not query the criteria again.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from core.formatting import decimal as format_decimal

ONE_DECIMAL = Decimal("0.1")


def points_text(value) -> str:
    """Decimal("7.5") → "7,5"; Decimal("10.0") → "10"."""
    if value is None or value == "":
        return ""
    value = Decimal(str(value))
    return format_decimal(value, 0) if value == value.to_integral_value() else format_decimal(value, 1)


def parse_points(text) -> Decimal | None:
    """ "7,5", "7.5", " 8 " → Decimal; "" → None; anything else raises ValueError with a Vietnamese message."""
    if text is None:
        return None
    if isinstance(text, Decimal) and text.is_finite() and text == text.quantize(ONE_DECIMAL):
        return text  # already read by the import's cell parser
    if isinstance(text, int | float | Decimal):
        value = Decimal(str(text))
    else:
        raw = str(text).strip().replace(" ", "")
        if not raw:
            return None
        try:
            value = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            raise ValueError(f"«{text}» không phải là số điểm.") from None
    if not value.is_finite():
        raise ValueError(f"«{text}» không phải là số điểm.")
    if value != value.quantize(ONE_DECIMAL):
        raise ValueError(f"Điểm {text} chỉ được lẻ đến một chữ số thập phân.")
    return value.quantize(ONE_DECIMAL)


def to_json(value: Decimal):
    """Scores are kept in JSON as plain numbers: 8 or 7.5."""
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass
class Leaf:
    code: str
    label: str
    max_points: Decimal
    top: str


@dataclass
class Top:
    code: str
    label: str
    max_points: Decimal
    min_points: Decimal | None
    leaves: list[str] = field(default_factory=list)


@dataclass
class Rules:
    """A criteria set reduced to what scoring needs."""

    set_id: int
    leaves: dict[str, Leaf]
    tops: list[Top]
    threshold: Decimal | None
    level1: Decimal | None
    level2: Decimal | None

    @property
    def scored(self) -> bool:
        return bool(self.leaves)

    def clean(self, raw: dict) -> tuple[dict, Decimal | None, list[tuple[str, str]]]:
        """Check raw scores {code: text or number}. Returns (scores for JSON, total, [(code, message)]).

        Empty values are left out (a score not yet entered); codes that are not scored criteria of the set
        and scores outside 0..maximum are errors.
        """
        scores, errors = {}, []
        for code, text in raw.items():
            code = str(code).strip()
            leaf = self.leaves.get(code)
            if leaf is None:
                errors.append((code, f"Bộ tiêu chí không có tiêu chí chấm điểm mã «{code}»."))
                continue
            try:
                value = parse_points(text)
            except ValueError as error:
                errors.append((code, f"Tiêu chí {code}: {error}"))
                continue
            if value is None:
                continue
            if value < 0:
                errors.append((code, f"Tiêu chí {code}: điểm không được âm."))
            elif value > leaf.max_points:
                errors.append(
                    (
                        code,
                        f"Tiêu chí {code} ({leaf.label}): {points_text(value)} điểm vượt quá mức tối đa "
                        f"{points_text(leaf.max_points)} điểm.",
                    )
                )
            else:
                scores[code] = to_json(value)
        total = self.total(scores) if scores else None
        return scores, total, errors

    def total(self, scores: dict) -> Decimal:
        return sum((Decimal(str(v)) for v in scores.values()), Decimal(0)).quantize(ONE_DECIMAL)

    def missing(self, scores: dict) -> list[str]:
        return [code for code in self.leaves if code not in scores]

    def shortfalls(self, scores: dict) -> list[str]:
        """Why these scores do not meet the recognition rule (empty list: they do)."""
        problems = []
        if not self.scored:
            return problems
        missing = self.missing(scores)
        if missing:
            problems.append("chưa chấm đủ các tiêu chí " + ", ".join(missing))
            return problems
        total = self.total(scores)
        if self.threshold is not None and total < self.threshold:
            problems.append(f"tổng {points_text(total)} điểm, dưới mức {points_text(self.threshold)} điểm")
        for top in self.tops:
            if top.min_points is None:
                continue
            got = sum((Decimal(str(scores.get(code, 0))) for code in top.leaves), Decimal(0))
            if got < top.min_points:
                minimum = points_text(top.min_points)
                problems.append(f"tiêu chí {top.code} được {points_text(got)} điểm, dưới mức tối thiểu {minimum}")
        return problems

    def level_for(self, total: Decimal | None) -> int | None:
        if total is None:
            return None
        if self.level2 is not None and total >= self.level2:
            return 2
        if self.level1 is not None and total >= self.level1:
            return 1
        return None


def rules_for(criteria_set) -> Rules:
    tops, leaves = [], {}
    for top in criteria_set.criteria_tree():
        entry = Top(top.code, top.label, top.max_points, top.min_points)
        for item in top.items or [top]:
            leaves[item.code] = Leaf(item.code, item.label, item.max_points, top.code)
            entry.leaves.append(item.code)
        tops.append(entry)
    return Rules(
        set_id=criteria_set.pk,
        leaves=leaves,
        tops=tops,
        threshold=criteria_set.threshold,
        level1=criteria_set.level1_threshold,
        level2=criteria_set.level2_threshold,
    )


class RulesCache(dict):
    """criteria set id → Rules, filled on first use."""

    def get_rules(self, criteria_set) -> Rules:
        rules = self.get(criteria_set.pk)
        if rules is None:
            rules = self[criteria_set.pk] = rules_for(criteria_set)
        return rules
