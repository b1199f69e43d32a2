"""Django admin for superusers: every model of the tree, with simple_history's change history, to browse.

Writes go through the application's own screens and services, which keep the closed-period guard, optimistic
versions, history and summaries in step (issue 15: a superuser changed a closed year's baseline here and the
summaries kept the old value). So the admin is read-only, except roles (a first administrator's role can be
granted here).
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from chapters.models import (
    BaselineFigure,
    ClosedPeriod,
    LeadershipPosition,
    Lineage,
    ParentLink,
    Role,
    Summary,
    Term,
    Unit,
    UnitName,
)
from core.admin import SuperuserOnlyMixin


class ParentLinkInline(SuperuserOnlyMixin, admin.TabularInline):
    model = ParentLink
    fk_name = "unit"
    extra = 0
    raw_id_fields = ["parent"]


class UnitNameInline(SuperuserOnlyMixin, admin.TabularInline):
    model = UnitName
    extra = 0


@admin.register(Unit)
class UnitAdmin(SuperuserOnlyMixin, SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "level", "host", "active_from", "active_until"]
    list_filter = ["kind", "level", "host"]
    search_fields = ["name", "code", "search_key"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth", "version"]
    inlines = [ParentLinkInline, UnitNameInline]


@admin.register(Lineage)
class LineageAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ["predecessor", "successor", "kind", "on", "primary"]
    list_filter = ["kind"]
    raw_id_fields = ["predecessor", "successor", "created_by"]


@admin.register(Role)
class RoleAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    read_only = False
    list_display = ["user", "kind", "unit", "granted_by", "granted_at"]
    list_filter = ["kind"]
    search_fields = ["user__username", "unit__name", "unit__code"]
    raw_id_fields = ["user", "unit", "granted_by"]


@admin.register(Term)
class TermAdmin(SuperuserOnlyMixin, SimpleHistoryAdmin):
    list_display = ["unit", "start_year", "end_year", "congress", "congress_on"]
    raw_id_fields = ["unit"]
    readonly_fields = ["version"]


@admin.register(LeadershipPosition)
class LeadershipPositionAdmin(SuperuserOnlyMixin, SimpleHistoryAdmin):
    list_display = ["full_name", "position", "unit", "since", "until"]
    list_filter = ["position"]
    search_fields = ["full_name", "unit__name"]
    raw_id_fields = ["unit", "term"]
    readonly_fields = ["version"]


@admin.register(BaselineFigure)
class BaselineFigureAdmin(SuperuserOnlyMixin, SimpleHistoryAdmin):
    list_display = ["unit", "year", "population", "households", "party_members"]
    list_filter = ["year"]
    search_fields = ["unit__name", "unit__code"]
    raw_id_fields = ["unit"]
    readonly_fields = ["version"]


@admin.register(ClosedPeriod)
class ClosedPeriodAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ["unit", "year", "closed_by_name", "closed_at", "reopened_at"]
    list_filter = ["year"]
    raw_id_fields = ["unit", "closed_by", "reopened_by"]


@admin.register(Summary)
class SummaryAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ["unit", "year", "period", "figure", "value"]
    list_filter = ["period", "year"]
    search_fields = ["figure"]
    raw_id_fields = ["unit"]
