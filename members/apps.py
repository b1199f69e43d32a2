from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Hội viên"

    def ready(self):
        from chapters import dataset as datasets
        from chapters import demo as demos
        from members import dataset, demo, imports, providers

        providers.register_all()
        imports.register_all()
        demos.register(demo.seed)
        datasets.register(dataset.generate)
