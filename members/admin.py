"""Admin for operators: browsing only. Members are written through the app's screens and services, which keep
memberships, history and summaries in step; the admin must not bypass them."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Clan, Due, Erasure, Household, Member, Membership, MoveRequest, PersonalDataAccess


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["full_name", "birth_year", "gender", "unit", "joined_on", "left_on"]
    list_select_related = ["unit"]
    search_fields = ["search_key", "card_number"]
    exclude = ["citizen_id"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["member", "unit", "since", "until", "start", "end"]
    list_select_related = ["member", "unit"]


@admin.register(Due)
class DueAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["member", "year", "amount", "paid_on", "unit"]
    list_select_related = ["member", "unit"]


@admin.register(MoveRequest)
class MoveRequestAdmin(ReadOnlyAdmin):
    list_display = ["member", "from_unit", "to_unit", "on", "status"]


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["head_name", "address", "people", "unit"]
    search_fields = ["search_key"]


@admin.register(Clan)
class ClanAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["name", "representative", "unit", "board"]
    search_fields = ["search_key"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user_name", "action", "member", "household", "clan", "unit"]


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdmin):
    list_display = ["erased_at", "erased_by_name", "member", "requested_by"]
