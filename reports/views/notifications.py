"""The bell's page: a user's notifications, whether their e-mail left, and the e-mail on/off choice."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from reports import notifications
from reports.forms import EmailChoiceForm
from reports.models import Notification


def notification_list(request):
    rows = Notification.objects.filter(user=request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/notification_list.html",
        {
            "page_obj": page,
            "notifications": page.object_list,
            "email_form": EmailChoiceForm(initial={"email": notifications.email_wanted_choice(request.user)}),
            "has_email": bool(request.user.email),
            "pending": rows.filter(email=Notification.Email.PENDING).count(),
        },
    )


def notification_open(request, pk):
    """Open what the notification is about, marking it read. Only the addressee's own notifications exist here."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    notifications.notifications_mark_read(user=request.user, pk=notification.pk)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("reports:notification_list")


@require_POST
def notification_read_all(request):
    count = notifications.notifications_mark_read(user=request.user)
    messages.success(request, f"Đã đánh dấu {count} thông báo là đã đọc.")
    return redirect("reports:notification_list")


@require_POST
def notification_email(request):
    form = EmailChoiceForm(request.POST)
    form.is_valid()
    choice = form.cleaned_data.get("email", False)
    notifications.email_settings_set(user=request.user, email=choice)
    messages.success(request, "Sẽ gửi thông báo qua e-mail." if choice else "Đã tắt thông báo qua e-mail.")
    return redirect("reports:notification_list")
