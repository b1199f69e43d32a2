"""What is still due for the units a user enters data or writes reports for (issue 9, item 2).

Read from the summaries (the same figures as the dashboards), so what a secretary enters disappears from the
list as soon as it is saved.
"""

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from chapters import scoping
from chapters.models import Role, Unit
from chapters.summaries import rollup
from reports.deadlines import deadline_for
from reports.models import Report


def _url(name: str, *args, query: str = "") -> str:
    try:
        return reverse(name, args=args) + (f"?{query}" if query else "")
    except NoReverseMatch:  # an app not installed in this deployment
        return ""


def unit_due(unit: Unit, year: int, *, writes_reports: bool) -> list[dict]:
    figures = rollup(unit, year=year)
    items = []
    if not any(key.startswith("baseline.") for key in figures):
        items.append(
            {
                "label": f"Nhập số liệu nền năm {year} (dân số, số hộ, số đảng viên...)",
                "url": _url("chapters:baseline_list", unit.pk),
            }
        )
    members = figures.get("members.end", 0)
    if not members:
        items.append({"label": "Nhập danh sách hội viên", "url": _url("members:member_list", query=f"unit={unit.pk}")})
    elif figures.get("dues.payers", 0) < members:
        missing = members - figures.get("dues.payers", 0)
        items.append(
            {
                "label": f"Còn {missing:,} hội viên chưa nộp hội phí năm {year}".replace(",", "."),
                "url": _url("members:member_list", query=f"unit={unit.pk}&dues=unpaid"),
            }
        )
    if not any(key.startswith(("funds.raised", "funds.spent")) and value for key, value in figures.items()):
        items.append(
            {"label": f"Chưa có phiếu thu, chi quỹ nào trong năm {year}", "url": _url("funds:finance_detail", unit.pk)}
        )
    if not any(key.startswith("titles.") and key.endswith(".registered") and v for key, v in figures.items()):
        items.append(
            {
                "label": f"Chưa đăng ký danh hiệu học tập năm {year}",
                "url": _url("learning_models:registration_list", query=f"unit={unit.pk}"),
            }
        )
    if writes_reports and unit.kind == Unit.Kind.ASSOCIATION:
        last = year - 1
        sent = Report.objects.filter(
            unit=unit, year=last, period=Report.Period.YEAR, status=Report.Status.SUBMITTED
        ).exists()
        if not sent:
            late = timezone.localdate() > deadline_for(last, Report.Period.YEAR)
            items.append(
                {
                    "label": f"Báo cáo tổng kết năm {last} chưa gửi cấp trên",
                    "url": _url("reports:report_list", unit.pk, query=f"year={last}"),
                    "late": late,
                }
            )
    return items


def what_is_due(user, *, year: int | None = None, limit: int = 5) -> list[dict]:
    """[{unit, items}] for the units the user is secretary or officer of (at most `limit` units)."""
    year = year or timezone.localdate().year
    roles = (
        Role.objects.filter(
            user=user, kind__in=[Role.Kind.SECRETARY, Role.Kind.OFFICER], unit__active_until__isnull=True
        )
        .select_related("unit")
        .order_by("unit__path")
    )
    seen, result = set(), []
    for role in roles:
        if role.unit_id in seen or len(result) >= limit:
            continue
        seen.add(role.unit_id)
        items = unit_due(role.unit, year, writes_reports=scoping.can(user, scoping.APPROVE, role.unit))
        result.append({"unit": role.unit, "items": items})
    return result
