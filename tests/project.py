"""The project's own models, for the tests that walk all of them (field checks, constraints, indexes)."""

from django.apps import apps

APPS = ("chapters", "members", "funds", "awards", "learning_models", "reports", "core")


def project_models(*, history: bool = True) -> list:
    """Every model of the project's apps; without simple-history's historical models when `history` is False."""
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in APPS and (history or not model.__name__.startswith("Historical"))
    ]
