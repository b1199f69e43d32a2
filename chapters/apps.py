from django.apps import AppConfig


class ChaptersConfig(AppConfig):
    name = "chapters"
    verbose_name = "Tổ chức hội"

    def ready(self):
        from chapters import providers

        providers.register_all()
