from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Báo cáo, bảng điều khiển"

    def ready(self):
        from chapters.services.periods import reopen_guard_register
        from reports.approval import guard_accepted_year

        reopen_guard_register(guard_accepted_year)
