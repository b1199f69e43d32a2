from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from .views import awards, classes, funds, jobs, members, reports, titles, units

app_name = "api"


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the installed sidecar package. Its page sets styles inline, which the site-wide policy
    forbids: this page alone allows inline styles (scripts stay 'self' only)."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
        )
        return response


@csrf_exempt
@login_not_required
def not_found(request, rest=""):
    """Any other address under /api/v1/: a problem+json 404, never the site's HTML page."""
    body = {"type": "about:blank", "title": "Không tìm thấy", "status": 404, "detail": "Không có địa chỉ API này."}
    return JsonResponse(
        body, status=404, content_type="application/problem+json", json_dumps_params={"ensure_ascii": False}
    )


urlpatterns = [
    path("openapi.json", login_not_required(SpectacularJSONAPIView.as_view()), name="schema"),
    path("docs/", login_not_required(DocsView.as_view(url_name="api:schema")), name="docs"),
    path("me/", units.MeView.as_view(), name="me"),
    path("units/", units.UnitListView.as_view(), name="unit_list"),
    path("units/<int:pk>/", units.UnitDetailView.as_view(), name="unit_detail"),
    path("units/<int:pk>/tree/", units.UnitTreeView.as_view(), name="unit_tree"),
    path("units/<int:pk>/history/", units.UnitHistoryView.as_view(), name="unit_history"),
    path("units/<int:pk>/figures/", units.FiguresView.as_view(), name="unit_figures"),
    path("members/", members.MemberListView.as_view(), name="member_list"),
    path("members/bulk/", jobs.MemberBulkView.as_view(), name="member_bulk"),
    path("members/<int:pk>/", members.MemberDetailView.as_view(), name="member_detail"),
    path("members/<int:pk>/move/", members.MemberMoveView.as_view(), name="member_move"),
    path("members/<int:pk>/leave/", members.MemberLeaveView.as_view(), name="member_leave"),
    path("dues/", members.DueListView.as_view(), name="due_list"),
    path("households/", members.HouseholdListView.as_view(), name="household_list"),
    path("clans/", members.ClanListView.as_view(), name="clan_list"),
    path("funds/", funds.FundListView.as_view(), name="fund_list"),
    path("funds/<int:pk>/cash-book/", funds.CashBookView.as_view(), name="fund_cash_book"),
    path("vouchers/", funds.VoucherListView.as_view(), name="voucher_list"),
    path("vouchers/<int:pk>/", funds.VoucherDetailView.as_view(), name="voucher_detail"),
    path("award-decisions/", awards.DecisionListView.as_view(), name="award_decision_list"),
    path("award-decisions/<int:pk>/", awards.DecisionDetailView.as_view(), name="award_decision_detail"),
    path("award-recipients/", awards.RecipientListView.as_view(), name="award_recipient_list"),
    path("title-types/", titles.TitleTypeListView.as_view(), name="title_type_list"),
    path("title-records/", titles.TitleRecordListView.as_view(), name="title_record_list"),
    path("title-records/bulk/", jobs.TitleRecordBulkView.as_view(), name="title_record_bulk"),
    path("title-records/<int:pk>/", titles.TitleRecordDetailView.as_view(), name="title_record_detail"),
    path("title-records/<int:pk>/scores/", titles.TitleScoresView.as_view(), name="title_record_scores"),
    path("title-decisions/", titles.TitleDecisionListView.as_view(), name="title_decision_list"),
    path("classes/", classes.ClassListView.as_view(), name="class_list"),
    path("classes/<int:pk>/", classes.ClassDetailView.as_view(), name="class_detail"),
    path("reports/", reports.ReportListView.as_view(), name="report_list"),
    path("reports/<int:pk>/", reports.ReportDetailView.as_view(), name="report_detail"),
    path("report-runs/<int:pk>/", reports.ReportRunDetailView.as_view(), name="report_run_detail"),
    path("report-runs/<int:pk>/files/<str:kind>/", reports.ReportRunFileView.as_view(), name="report_run_file"),
    path("jobs/<int:pk>/", jobs.JobDetailView.as_view(), name="job_detail"),
    re_path(r"^(?P<rest>.*)$", not_found),
]
