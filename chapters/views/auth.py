"""Login, logout and password change, in Vietnamese; the public health check."""

import logging

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator

from chapters.forms import PasswordChangeForm
from chapters.middleware import MUST_CHANGE_PASSWORD
from chapters.services.users import password_chosen
from chapters.tasks_system import last_ping

log = logging.getLogger(__name__)


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


def _check(probe) -> str:
    try:
        return "ok" if probe() else "error"
    except Exception:  # noqa: BLE001 - any failure of a dependency is reported, never raised
        log.warning("health check failed", exc_info=True)
        return "error"


def _database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return True


def _cache() -> bool:
    backend = caches["default"]
    if hasattr(backend, "ping"):
        return backend.ping()
    backend.set("health", 1, 10)
    return backend.get("health") == 1


def _broker() -> bool:
    from celery import current_app

    with current_app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    return True


@login_not_required
def health(request):
    """Each dependency on its own line (the load balancer reads the status code: 200 while the database answers,
    the application working, perhaps slower; 503 when it does not), and when a worker last answered a ping."""
    body = {"database": _check(_database), "cache": _check(_cache), "broker": _check(_broker)}
    status = "ok" if all(value == "ok" for value in body.values()) else "degraded"
    if body["database"] != "ok":
        status = "error"
    body = {"status": status, **body, "worker": last_ping() if body["cache"] == "ok" else None}
    return JsonResponse(body, status=503 if status == "error" else 200)
