from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = "Quỹ khuyến học"

    def ready(self):
        from chapters import dataset as datasets
        from chapters import demo as demos
        from core.imports import kinds
        from funds import dataset, demo, imports, providers

        providers.register_all()
        kinds.register(imports.transactions_kind)
        demos.register(demo.seed)
        datasets.register(dataset.generate)
