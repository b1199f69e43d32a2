"""Issue 18, item 4: which figures belong to which area (members, funds, titles… or the context: units, baseline)
is the figures catalogue's to say (chapters/figures.py), not a prefix of the name; the dashboard's cards take
their words from it too."""

import dataclasses
from types import SimpleNamespace

import pytest
from django.urls import reverse

from chapters import figures as catalogue
from chapters.models import BaselineFigure
from chapters.services.records import record_save
from chapters.summaries import summaries_refresh
from reports import sections
from reports.dashboard import dashboard

YEAR = 2025


def _moved(monkeypatch, key: str, **changes):
    monkeypatch.setitem(catalogue.CATALOGUE, key, dataclasses.replace(catalogue.figure(key), **changes))


def test_every_declared_figure_belongs_to_a_declared_area(db):
    assert catalogue.AREAS, "no area is declared"
    unplaced = [key for key, found in catalogue.CATALOGUE.items() if found.area not in catalogue.AREAS]
    assert unplaced == []
    # Title figures are declared by pattern: their area too.
    assert catalogue.figure("titles.gdht.holding").area == "titles"
    assert catalogue.figure("members.end").area == "members"
    assert catalogue.figure("baseline.population").area == "baseline"
    assert catalogue.is_context("units.chapter") and catalogue.is_context("baseline.population")
    assert not catalogue.is_context("funds.raised")


def test_has_any_data_asks_the_catalogue(monkeypatch):
    context_only = SimpleNamespace(current={"baseline.population": 900, "units.chapter": 3, "baseline.year": YEAR})
    assert not sections.has_any_data(context_only)
    assert sections.has_any_data(SimpleNamespace(current={"baseline.population": 900, "dues.amount": 50_000}))
    # What counts is the area the catalogue gives, whatever the name: moved into the context, it is no activity.
    _moved(monkeypatch, "dues.amount", area="baseline")
    assert not sections.has_any_data(SimpleNamespace(current={"baseline.population": 900, "dues.amount": 50_000}))
    # An undeclared key (not a figure at all) is no activity either.
    assert not sections.has_any_data(SimpleNamespace(current={"nothing.declared": 5}))


@pytest.fixture
def baseline(tree):
    record_save(BaselineFigure(unit=tree.chapter, year=YEAR, population=1200, households=300))
    summaries_refresh(unit_ids=[tree.chapter.pk], years=[YEAR], providers=["baseline"])
    return tree


def test_completeness_reads_the_areas_from_the_catalogue(client_for, administrator, baseline, monkeypatch):
    url = reverse("reports:unit_completeness", args=[baseline.commune.pk])
    rows = {row["unit"].pk: row for row in client_for(administrator).get(url, {"year": YEAR}).context["rows"]}
    assert rows[baseline.chapter.pk]["checks"]["baseline"] is True
    assert rows[baseline.other_chapter.pk]["checks"]["baseline"] is False
    # Declared as members' figures, the same rows no longer count as baseline figures (nor as members: zero).
    for name in BaselineFigure.FIELDS:
        _moved(monkeypatch, f"baseline.{name}", area="members")
    from chapters.summaries import summaries_changed

    summaries_changed(None)
    rows = {row["unit"].pk: row for row in client_for(administrator).get(url, {"year": YEAR}).context["rows"]}
    assert rows[baseline.chapter.pk]["checks"]["baseline"] is False


def test_dashboard_cards_take_their_words_from_the_catalogue(baseline, monkeypatch):
    labels = {card.key: card.label for card in dashboard(baseline.commune, YEAR)["headlines"]}
    assert labels["members.end"] == catalogue.figure("members.end").card_label == "Hội viên"
    assert labels["funds.raised"] == "Quỹ huy động" and labels["classes.count"] == "Lớp học cộng đồng"
    _moved(monkeypatch, "funds.raised", card="Tiền vận động")
    labels = {card.key: card.label for card in dashboard(baseline.commune, YEAR)["headlines"]}
    assert labels["funds.raised"] == "Tiền vận động"
