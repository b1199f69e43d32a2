"""Issue 15, item 8: the admin cannot bypass the closed-period guard, optimistic versions and summaries: every
tracked model is read-only there (writes go through the application's services)."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from chapters.models import BaselineFigure, ClosedPeriod
from chapters.services.periods import period_close
from chapters.services.records import record_save
from tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="sieuquantri", is_staff=True, is_superuser=True)


def test_a_superuser_cannot_change_a_closed_years_baseline_in_the_admin(client, superuser, tree):
    figure = record_save(BaselineFigure(unit=tree.commune, year=2024, population=12000, households=3000))
    period_close(unit=tree.province, year=2024)
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("admin:chapters_baselinefigure_change", args=[figure.pk])
    response = client.post(
        url, {"unit": tree.commune.pk, "year": 2024, "population": 99999, "households": 3000, "version": 1}
    )
    assert response.status_code in (302, 403) or "readonly" in response.content.decode()
    figure.refresh_from_db()
    assert (figure.population, figure.version) == (12000, 1)


def test_no_tracked_or_fact_model_is_writable_in_the_admin(superuser):
    """Every model with change history or figures: no add, change or delete for anybody in the admin."""
    request = RequestFactory().get("/admin/")
    request.user = superuser
    writable = []
    for model, model_admin in admin.site._registry.items():
        tracked = hasattr(model, "history") or model._meta.app_label in {"chapters", "members", "funds", "awards"}
        if model._meta.model_name in {"role"} or not tracked:
            continue
        if (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        ):
            writable.append(model._meta.label)
    assert writable == []
    assert ClosedPeriod in admin.site._registry and apps.get_model("chapters", "Unit") in admin.site._registry
