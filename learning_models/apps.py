from django.apps import AppConfig


class LearningModelsConfig(AppConfig):
    name = "learning_models"
    verbose_name = "Mô hình học tập"
