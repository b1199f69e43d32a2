"""Login, logout and password change, in Vietnamese; the public health check."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator

from chapters.forms import PasswordChangeForm
from chapters.middleware import MUST_CHANGE_PASSWORD
from chapters.services.users import password_chosen
from chapters.tasks_system import last_ping


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_chosen(self.request.user)
        self.request.session.pop(MUST_CHANGE_PASSWORD, None)
        messages.success(self.request, "Đã đổi mật khẩu.")
        return response


@login_not_required
def health(request):
    """For the load balancer and the smoke test: the database answers; when a worker last answered a ping."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "worker": last_ping()})
