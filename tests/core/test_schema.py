"""The schema's indexes: none that another index of the same table already gives (issue 19: every index is written
for every row a file adds, and a province's files add hundreds of thousands)."""

from django.db import models

from tests.project import project_models


def _leading_columns(model) -> set[str]:
    """Fields that lead an unconditional index or unique constraint of `model` (usable for any look-up by them)."""
    leads = {index.fields[0] for index in model._meta.indexes if index.fields and not index.condition}
    leads |= {
        constraint.fields[0]
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields and constraint.condition is None
    }
    leads |= {fields[0] for fields in model._meta.unique_together}
    return {name for name in leads if not name.startswith("-")}


def _redundant() -> list[str]:
    return [
        f"{model.__name__}.{field.name}"
        for model in project_models(history=False)
        for field in model._meta.local_fields
        if isinstance(field, models.ForeignKey) and field.db_index and field.name in _leading_columns(model)
    ]


def test_no_foreign_key_has_an_index_of_its_own_when_a_composite_index_of_its_model_leads_with_it():
    assert _redundant() == []


def test_the_rule_names_a_foreign_key_indexed_on_its_own_beside_a_composite_index_it_leads(monkeypatch):
    from members.models import Membership

    monkeypatch.setattr(Membership._meta.get_field("member"), "db_index", True)
    assert _redundant() == ["Membership.member"]
