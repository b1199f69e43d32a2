from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The platform under every app: text, Vietnamese formatting and its template filters, the PDF renderer,
    spreadsheet reading and writing, generic view helpers. It imports no project app (docs/architecture.md)."""

    name = "core"
    verbose_name = "Nền tảng"

    def ready(self):
        from core import lookups  # noqa: F401 - registers `__any` on every field
