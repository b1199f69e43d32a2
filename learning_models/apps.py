from django.apps import AppConfig


class LearningModelsConfig(AppConfig):
    name = "learning_models"
    verbose_name = "Mô hình học tập"

    def ready(self):
        from chapters import dataset as datasets
        from chapters import demo as demos
        from chapters.signals import member_erased
        from learning_models import dataset, demo, handlers, imports, providers

        providers.register_all()
        imports.register_all()
        member_erased.connect(handlers.erase_member_records, dispatch_uid="learning_models.erase_member_records")
        demos.register(demo.seed)
        datasets.register(dataset.generate)
