"""Admin pages of the awards, read-only: every write goes through the services (history, closed years, fund
vouchers, summaries). Shown here for support."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Decision, Payout, Recipient, Scholarship


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["number", "date", "unit", "occasion", "form"]
    list_filter = ["form", "occasion", "year"]
    search_fields = ["number", "subject", "issuer_name"]
    list_select_related = ["unit"]
    date_hierarchy = "date"


@admin.register(Recipient)
class RecipientAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "decision", "unit", "amount"]
    list_filter = ["kind"]
    search_fields = ["search_key", "school"]
    list_select_related = ["decision", "unit"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "paid_on", "amount", "voucher"]
    list_select_related = ["recipient", "voucher"]


@admin.register(Scholarship)
class ScholarshipAdmin(ReadOnlyAdmin):
    list_display = ["student_name", "programme", "unit", "start_year", "status"]
    list_filter = ["status"]
    search_fields = ["search_key", "programme"]
    list_select_related = ["unit"]
