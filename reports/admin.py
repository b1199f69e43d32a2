"""Django admin for superusers: the deadline calendar (also edited at /bao-cao/han-gui/) and, read-only, the
approval steps and the notifications with their e-mail state."""

from django.contrib import admin

from reports.models import Deadline, Notification, ReportEvent


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["level", "period", "day", "month", "next_year"]
    list_filter = ["period", "level"]


@admin.register(ReportEvent)
class ReportEventAdmin(admin.ModelAdmin):
    list_display = ["report", "action", "from_status", "to_status", "actor_name", "at"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "title", "created_at", "read_at", "email", "email_attempts"]
    list_filter = ["kind", "email"]
    search_fields = ["title", "key", "user__username"]

    def has_add_permission(self, request):
        return False
