"""What is still due for the units a user enters data or writes reports for (issue 9, item 2).

Read from the summaries (the same figures as the dashboards), so what a secretary enters disappears from the
list as soon as it is saved.
"""

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from chapters import figures as catalogue
from chapters import scoping
from chapters.models import Role, Unit
from chapters.summaries import rollup
from reports.deadlines import SENT, deadline_for, is_late
from reports.models import Report


def _url(name: str, *args, query: str = "") -> str:
    try:
        return reverse(name, args=args) + (f"?{query}" if query else "")
    except NoReverseMatch:  # an app not installed in this deployment
        return ""


def unit_due(unit: Unit, year: int, *, writes_reports: bool) -> list[dict]:
    figures = rollup(unit, year=year)
    items = []
    if not catalogue.entered(figures, "baseline", nonzero=False):
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
    if not (figures.get("funds.raised") or figures.get("funds.spent")):
        items.append(
            {"label": f"Chưa có phiếu thu, chi quỹ nào trong năm {year}", "url": _url("funds:finance_detail", unit.pk)}
        )
    if not any(
        catalogue.in_area(key, "titles") and key.endswith(".registered") and value for key, value in figures.items()
    ):
        items.append(
            {
                "label": f"Chưa đăng ký danh hiệu học tập năm {year}",
                "url": _url("learning_models:registration_list", query=f"unit={unit.pk}"),
            }
        )
    if writes_reports and unit.kind == Unit.Kind.ASSOCIATION:
        from reports.approval import children_report_counts

        last = year - 1
        report = Report.objects.filter(unit=unit, year=last, period=Report.Period.YEAR).first()
        if unit.parent_id and (report is None or report.status not in SENT):
            deadline = deadline_for(unit, last, Report.Period.YEAR)
            late = is_late(report, deadline)
            returned = report is not None and report.status == Report.Status.RETURNED
            label = f"Báo cáo tổng kết năm {last} " + (
                "bị cấp trên trả lại, cần sửa và gửi lại" if returned else "chưa gửi cấp trên"
            )
            items.append(
                {
                    "label": label + ("" if late else f" (hạn {deadline:%d/%m/%Y})"),
                    "url": _url("reports:report_detail", report.pk)
                    if report
                    else _url("reports:report_list", unit.pk, query=f"year={last}"),
                    "late": late,
                }
            )
        below = children_report_counts(unit=unit, year=last)
        waiting, late_below = below["waiting"], below["late"]
        if waiting or late_below:
            parts = [f"{waiting} báo cáo chờ chấp nhận"] if waiting else []
            parts += [f"{late_below} đơn vị chậm gửi"] if late_below else []
            items.append(
                {
                    "label": f"Báo cáo năm {last} của đơn vị trực thuộc: " + ", ".join(parts),
                    "url": _url("reports:children", unit.pk, query=f"year={last}"),
                }
            )
    return items


def what_is_due(user, *, year: int | None = None, limit: int = 5, roles: list[Role] | None = None) -> list[dict]:
    """[{unit, items}] for the units the user is secretary or officer of (at most `limit` units). `roles`: all the
    user's roles with their units, ordered by the unit's path, when the page has read them already."""
    year = year or timezone.localdate().year
    if roles is None:
        roles = Role.objects.filter(user=user).select_related("unit").order_by("unit__path")
    roles = [
        role
        for role in roles
        if role.kind in (Role.Kind.SECRETARY, Role.Kind.OFFICER) and role.unit.active_until is None
    ]
    seen, result = set(), []
    for role in roles:
        if role.unit_id in seen or len(result) >= limit:
            continue
        seen.add(role.unit_id)
        items = unit_due(role.unit, year, writes_reports=scoping.can(user, scoping.APPROVE, role.unit))
        result.append({"unit": role.unit, "items": items})
    return result
