"""A report's state as a badge: one definition for the templates (the `report_status` tag of
reports/templatetags/report_badges.py) and for rows built in Python (reports.dashboard.completeness_rows_html)."""

from html import escape

from django.utils.safestring import mark_safe

# The badge's colour by state: settled green, waiting for the level above amber, returned red; others plain.
STATUS_CLASSES = {"accepted": "badge ok", "waived": "badge ok", "submitted": "badge warn", "returned": "badge bad"}


def status_badge(status: str | None, label: str, late: bool = False) -> str:
    """`status`: a Report.Status value, or None when no report was made yet; `late`: sent after the deadline, or
    not sent and the deadline passed."""
    if status:
        badge = f'<span class="{STATUS_CLASSES.get(status, "badge")}">{escape(str(label))}</span>'
    else:
        badge = '<span class="badge">Chưa lập</span>'
    return mark_safe(badge + (' <span class="badge bad">Chậm</span>' if late else ""))  # the label is escaped
