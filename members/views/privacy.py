"""The personal-data access log (Law 91/2025): who opened, exported or erased which member's data.
Visible to administrators, over the units they administer."""

from django.core.exceptions import PermissionDenied
from django.views.generic import ListView

from chapters import scoping
from core.views import querystring_without_page
from members.models import PersonalDataAccess


class AccessLogView(ListView):
    model = PersonalDataAccess
    paginate_by = 100
    template_name = "members/access_log.html"

    def get_queryset(self):
        user = self.request.user
        paths = scoping.role_paths(user, scoping.MANAGE)
        if paths is not None and not paths:
            raise PermissionDenied("Chỉ quản trị của hội mới xem được nhật ký truy cập dữ liệu cá nhân.")
        qs = scoping.restrict(PersonalDataAccess.objects.all(), user, scoping.MANAGE)
        member = self.request.GET.get("member", "")
        if member.isdigit():
            qs = qs.filter(member_id=member)
        action = self.request.GET.get("action", "")
        if action in PersonalDataAccess.Action.values:
            qs = qs.filter(action=action)
        return qs.select_related("member", "household", "clan", "unit").order_by("-at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["actions"] = PersonalDataAccess.Action.choices
        context["action"] = self.request.GET.get("action", "")
        context["querystring_without_page"] = querystring_without_page(self.request)
        return context
