"""Django admin for superusers: the import jobs, and the rule every app's admin follows."""

from django.contrib import admin

from core.models import ImportJob


class SuperuserOnlyMixin:
    """Staff who are not superusers would bypass the unit scoping here: keep them out."""

    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request)

    def has_add_permission(self, request, *args):
        return self._superuser(request)

    def has_change_permission(self, request, obj=None):
        return self._superuser(request)

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request)


@admin.register(ImportJob)
class ImportJobAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ["kind", "file_name", "status", "created_by", "created_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["unit", "created_by"]
