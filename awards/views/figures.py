"""The awards figures of a unit and period, read from the summaries: what the year-end report says."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from awards.forms import FiguresForm
from awards.providers import FIGURES, FORM_FIGURES
from awards.queries import award_sentence
from chapters import scoping
from chapters.models import Unit
from chapters.summaries import rollup_levels, tree_snapshot

# The per-unit table, with short headers that fit a phone.
TABLE_FIGURES = {
    "awards.collectives": "Tập thể",
    "awards.others": "Cá nhân khác",
    "awards.teachers": "Nhà giáo",
    "awards.students": "Lượt học sinh",
    "awards.scholarships.new": "Học bổng mới",
    "awards.scholarships.renewed": "Học bổng tiếp",
    "awards.amount.decided": "Số tiền theo quyết định",
    "awards.amount.paid": "Đã chi",
}


def award_summary(request):
    user = request.user
    bound = FiguresForm(request.GET or None, user=user)
    data = bound.cleaned_data if bound.is_valid() else {}
    unit = data.get("unit") or scoping.top_units(user).first()
    if unit is None:
        raise Http404
    unit = scoping.get_scoped_object(Unit.objects.all(), user, pk=unit.pk)
    year = data.get("year") or timezone.localdate().year
    period = data.get("period") or "Y"
    tree = data.get("tree") or "past"
    # The form shows what is displayed, whatever was (or was not) chosen.
    form = FiguresForm(initial={"unit": unit.pk, "year": year, "period": period, "tree": tree}, user=user)
    # One tree snapshot and one read of the summaries give the unit's figures and its children's.
    snapshot = tree_snapshot(unit, year=year, period=period, tree=tree)
    level = rollup_levels(unit, years=[year], period=period, snapshot=snapshot)[year]
    figures = {key: level.total.get(key, 0) for key in FIGURES}
    children = {child: level.children.get(child, {}) for child in snapshot.children().get(unit.pk, [])}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=list(children))}
    rows = sorted(
        (
            {"unit": units[pk], "values": [(label, values.get(f, 0)) for f, label in TABLE_FIGURES.items()]}
            for pk, values in children.items()
        ),
        key=lambda row: row["unit"].sort_key,
    )
    context = {
        "form": form,
        "unit": unit,
        "year": year,
        "period_label": dict(FiguresForm.PERIODS)[period],
        "sentence": award_sentence(unit, year, period, tree, figures=figures),
        "figures": [(FIGURES[key], figures.get(key, 0)) for key in FIGURES if key not in FORM_FIGURES],
        "forms": [(label, figures.get(key, 0)) for key, label in FORM_FIGURES.items()],
        "headers": list(TABLE_FIGURES.values()),
        "rows": [row for row in rows if any(value for _label, value in row["values"])],
    }
    return render(request, "awards/award_summary.html", context)
