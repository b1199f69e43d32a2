from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = "Quỹ khuyến học"

    def ready(self):
        from chapters.imports import kinds
        from funds import imports, providers

        providers.register_all()
        kinds.register(imports.transactions_kind)
