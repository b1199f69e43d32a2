"""`{% load report_badges %}{% report_status status label late %}`: a report's state as a badge (reports.badges)."""

from django import template

from reports.badges import status_badge

register = template.Library()


@register.simple_tag
def report_status(status, label, late=False):
    return status_badge(status, label, late)
