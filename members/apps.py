from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Hội viên"

    def ready(self):
        from members import imports, providers

        providers.register_all()
        imports.register_all()
