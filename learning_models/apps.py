from django.apps import AppConfig


class LearningModelsConfig(AppConfig):
    name = "learning_models"
    verbose_name = "Mô hình học tập"

    def ready(self):
        from learning_models import imports, providers

        providers.register_all()
        imports.register_all()
