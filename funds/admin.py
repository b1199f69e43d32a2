"""Admin pages of the fund: read-only for vouchers and transfers, which only the services may write (numbering,
balances, summaries); funds and opening balances through the screens too, shown here for support."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Fund, OpeningBalance, Transaction, Transfer


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Fund)
class FundAdmin(ReadOnlyAdmin):
    list_display = ["name", "unit", "balance", "is_active", "allow_negative"]
    list_filter = ["is_active"]
    search_fields = ["name", "unit__name", "unit__code"]
    list_select_related = ["unit"]


@admin.register(OpeningBalance)
class OpeningBalanceAdmin(ReadOnlyAdmin):
    list_display = ["fund", "year", "amount"]
    list_select_related = ["fund__unit"]


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["number", "date", "fund", "kind", "amount", "counterparty_name", "purpose", "printed_at"]
    list_filter = ["kind", "purpose", "year"]
    search_fields = ["number", "counterparty_name"]
    list_select_related = ["fund__unit"]
    date_hierarchy = "date"


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["date", "from_fund", "to_unit", "amount", "status"]
    list_filter = ["status"]
    list_select_related = ["from_fund__unit", "to_unit"]
