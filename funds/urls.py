from django.urls import path

from funds.views import finance, funds, transfers, vouchers

app_name = "funds"

urlpatterns = [
    path("", funds.FundListView.as_view(), name="fund_list"),
    path("moi/", funds.FundCreateView.as_view(), name="fund_create"),
    path("<int:pk>/", funds.FundDetailView.as_view(), name="fund_detail"),
    path("<int:pk>/sua/", funds.FundUpdateView.as_view(), name="fund_update"),
    path("<int:pk>/so-du-dau-ky/", funds.opening_balance_edit, name="openingbalance_update"),
    path("<int:pk>/lap-phieu-<str:kind>/", vouchers.transaction_create, name="transaction_create"),
    path("<int:pk>/chuyen-quy/", transfers.transfer_create, name="transfer_create"),
    path("phieu/<int:pk>/", vouchers.transaction_detail, name="transaction_detail"),
    path("phieu/<int:pk>/sua/", vouchers.transaction_update, name="transaction_update"),
    path("phieu/<int:pk>/ghi-am/", vouchers.transaction_reverse, name="transaction_reverse"),
    path("phieu/<int:pk>/in/", vouchers.transaction_print, name="transaction_print"),
    path("phieu/<int:pk>/phieu.pdf", vouchers.transaction_pdf, name="transaction_pdf"),
    path("chuyen-quy/", transfers.TransferListView.as_view(), name="transfer_list"),
    path("chuyen-quy/<int:pk>/", transfers.transfer_detail, name="transfer_detail"),
    path("chuyen-quy/<int:pk>/xac-nhan/", transfers.transfer_confirm, name="transfer_confirm"),
    path("chuyen-quy/<int:pk>/tu-choi/", transfers.transfer_reject, name="transfer_reject"),
    path("chuyen-quy/<int:pk>/huy/", transfers.transfer_cancel, name="transfer_cancel"),
    path("tai-chinh/<int:pk>/", finance.finance_detail, name="finance_detail"),
    path("tai-chinh/<int:pk>/nha-hao-tam/", finance.donor_list, name="donor_list"),
    path("tai-chinh/<int:pk>/cong-khai-thu-chi.pdf", finance.disclosure_pdf, name="disclosure_pdf"),
]
