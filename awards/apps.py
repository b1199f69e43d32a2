from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = "Khen thưởng, học bổng"

    def ready(self):
        from awards import dataset, demo, handlers, imports, providers
        from chapters import dataset as datasets
        from chapters import demo as demos
        from chapters.signals import member_erased
        from core.imports import kinds
        from funds import sources as funds_sources

        providers.register_all()
        kinds.register(imports.awards_kind)
        funds_sources.register(handlers.voucher_links)
        member_erased.connect(handlers.erase_recipient_names, dispatch_uid="awards.erase_recipient_names")
        demos.register(demo.seed)
        datasets.register(dataset.generate)
