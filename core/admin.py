"""Django admin for superusers: the import jobs, and the rule every app's admin follows."""

from django.contrib import admin

from core.models import DataExport, ImportJob


class SuperuserOnlyMixin:
    """Staff who are not superusers would bypass the unit scoping here: keep them out. Read-only unless a class
    says otherwise: writes go through the services, which guard closed years, versions, history and summaries
    (issue 15: a superuser changed a closed year's figure here and the summaries kept the old value)."""

    read_only = True

    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request)

    def has_add_permission(self, request, *args):
        return not self.read_only and self._superuser(request)

    def has_change_permission(self, request, obj=None):
        return not self.read_only and self._superuser(request)

    def has_delete_permission(self, request, obj=None):
        return not self.read_only and self._superuser(request)


@admin.register(ImportJob)
class ImportJobAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ["kind", "file_name", "status", "created_by", "created_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["unit", "created_by"]


@admin.register(DataExport)
class DataExportAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ["at", "user_name", "kind", "unit", "rows", "purpose"]
    list_filter = ["kind", "personal"]
    raw_id_fields = ["unit", "user"]
