"""Baseline figures of a unit's area per year (population, households, …): a unit's own entry, else the sum
of its children's (design.md §3), read from the summaries."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chapters import scoping
from chapters.forms import BaselineForm
from chapters.models import BaselineFigure, Summary, Unit
from chapters.summaries import rollup, summaries_refresh
from chapters.views.units import RecordCreateView, RecordUpdateView, record_delete_view, unit_for

FIGURES = [f"baseline.{name}" for name in BaselineFigure.FIELDS]
OWN = "own"
CHILDREN = "children"


def _refresh(figure: BaselineFigure) -> None:
    summaries_refresh(unit_ids=[figure.unit_id], years=[figure.year], providers=["baseline"])


def baseline_rows(unit: Unit, *, limit: int | None = None) -> list[dict]:
    """One row per year, newest first: each figure with where it comes from (the unit's own entry, or the
    sum of the units below it)."""
    entries = {entry.year: entry for entry in unit.baseline_figures.all()}
    summary_years = (
        Summary.objects.filter(unit__path__startswith=unit.path, figure__in=FIGURES)
        .values_list("year", flat=True)
        .distinct()
    )
    years = sorted(set(entries) | set(summary_years), reverse=True)[:limit]
    rows = []
    for year in years:
        entry = entries.get(year)
        own = {name: getattr(entry, name) for name in BaselineFigure.FIELDS} if entry else {}
        complete = entry is not None and all(value is not None for value in own.values())
        totals = {} if complete else rollup(unit, year=year, figures=FIGURES)
        cells = []
        for name, label in zip(BaselineFigure.FIELDS, labels(), strict=True):
            if own.get(name) is not None:
                value, source = own[name], OWN
            elif totals.get(f"baseline.{name}"):
                value, source = totals[f"baseline.{name}"], CHILDREN
            else:
                value, source = None, None
            cells.append({"name": name, "label": label, "value": value, "source": source})
        rows.append({"year": year, "entry": entry, "cells": cells, "by_name": {c["name"]: c for c in cells}})
    return rows


def labels() -> list[str]:
    return [str(BaselineFigure._meta.get_field(name).verbose_name).capitalize() for name in BaselineFigure.FIELDS]


def baseline_list(request, pk):
    unit = unit_for(request, pk)
    context = {
        "unit": unit,
        "rows": baseline_rows(unit),
        "labels": labels(),
        "can_change": scoping.can(request.user, scoping.CHANGE, unit),
    }
    return render(request, "chapters/baseline_list.html", context)


class BaselineCreateView(RecordCreateView):
    model = BaselineFigure
    form_class = BaselineForm
    actions = (scoping.CHANGE,)
    title = "Nhập số liệu nền"
    success_message = "Đã lưu số liệu nền."

    def after_save(self, instance):
        _refresh(instance)

    def get_success_url(self):
        return reverse("chapters:baseline_list", args=[self.unit.pk])


class BaselineUpdateView(RecordUpdateView):
    model = BaselineFigure
    form_class = BaselineForm
    actions = (scoping.CHANGE,)
    delete_url_name = "chapters:baseline_delete"
    success_message = "Đã lưu số liệu nền."

    def get_title(self):
        return f"Sửa số liệu nền năm {self.object.year}"

    def get_queryset(self):
        return super().get_queryset().select_related("unit")

    def after_save(self, instance):
        _refresh(instance)

    def get_success_url(self):
        return reverse("chapters:baseline_list", args=[self.unit.pk])


@require_POST
def baseline_delete(request, pk):
    unit, _deleted = record_delete_view(
        request, BaselineFigure.objects.all(), pk, actions=(scoping.CHANGE,), after=_refresh
    )
    return redirect("chapters:baseline_list", pk=unit.pk)
