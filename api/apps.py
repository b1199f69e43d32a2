from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API for other systems (design.md §16): above every domain app, imported by none of them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API"
