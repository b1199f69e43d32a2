from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Hội viên"

    def ready(self):
        from chapters import dataset as datasets
        from chapters import demo as demos
        from chapters.signals import unit_moved
        from members import dataset, demo, imports, providers, services

        providers.register_all()
        imports.register_all()
        demos.register(demo.seed)
        datasets.register(dataset.generate)
        unit_moved.connect(services.card_scopes_follow_move, dispatch_uid="members.card_scopes_follow_move")
