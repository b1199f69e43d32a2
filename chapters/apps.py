from django.apps import AppConfig


class ChaptersConfig(AppConfig):
    name = "chapters"
    verbose_name = "Tổ chức hội"

    def ready(self):
        from chapters import middleware, providers  # noqa: F401 (middleware: the login receiver)
        from chapters.imports import baseline, units
        from core.imports import kinds

        providers.register_all()
        kinds.register(units.units_kind)
        kinds.register(baseline.baseline_kind)
