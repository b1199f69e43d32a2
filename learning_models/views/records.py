"""Registrations and scores: the list of records, a record's page, registering, and the chapter's score table."""

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chapters import scoping
from chapters.forms import add_errors
from chapters.mixins import history_entries, unit_for, unit_from
from chapters.models import Unit
from core.text import fold
from core.views import querystring_without_page, year_from
from learning_models.forms import STATUS_CHOICES, RegistrationForm, ReviewForm
from learning_models.models import TitleRecord, TitleType
from learning_models.scoring import points_text, rules_for
from learning_models.services.catalogue import CriteriaSetResolver
from learning_models.services.records import (
    SCORABLE,
    RowErrors,
    ScoreEntry,
    approving_unit,
    can_approve,
    record_review,
    records_review,
    records_score,
    registration_bulk_create,
    registration_candidates,
    registration_create,
    registration_delete,
)
from learning_models.views.common import STATUS_PARAM, TYPE_PARAM, title_type_from, types_for_unit, unit_nav

LIST_PAGE = 50
TABLE_PAGE = 100
LIST_LEVELS = (Unit.Level.COMMUNE, Unit.Level.GRASSROOTS)


def _records(user):
    return scoping.restrict(TitleRecord.objects.all(), user, scoping.VIEW)


def registration_list(request):
    """The records of a commune or a chapter for a year, with filters; above communes, the way down to them."""
    unit = unit_from(request)
    year = year_from(request)
    title_type = title_type_from(request)
    status = request.GET.get(STATUS_PARAM, "")
    query = request.GET.get("q", "").strip()
    context = {
        "unit": unit,
        "year": year,
        "title_type": title_type,
        "status": status,
        "q": query,
        "types": TitleType.objects.filter(active=True).order_by("order", "name"),
        "statuses": STATUS_CHOICES,
        "years": range(year + 1, year - 6, -1),
        "can_change": scoping.can(request.user, scoping.CHANGE, unit),
        "can_approve": unit.kind == Unit.Kind.ASSOCIATION and scoping.can(request.user, scoping.APPROVE, unit),
        "listed": unit.level in LIST_LEVELS,
        **unit_nav(request.user, unit),
    }
    if context["listed"]:
        records = _records(request.user).filter(unit__path__startswith=unit.path, year=year)
        if title_type:
            records = records.filter(title_type=title_type)
        if status:
            records = records.filter(status=status)
        if query:
            records = records.filter(search_key__contains=fold(query))
        records = records.select_related("title_type", "unit").order_by("sort_key", "pk")
        page = Paginator(records, LIST_PAGE).get_page(request.GET.get("page"))
        context.update(
            {
                "page_obj": page,
                "records": page.object_list,
                "querystring_without_page": querystring_without_page(request),
            }
        )
    return render(request, "learning_models/registration_list.html", context)


def record_for(request, pk, action=scoping.VIEW) -> TitleRecord:
    queryset = TitleRecord.objects.select_related("title_type", "criteria_set", "unit", "household", "clan")
    return scoping.get_scoped_object(queryset, request.user, action, pk=pk)


def _score_rows(record: TitleRecord, posted: dict | None = None) -> list[dict]:
    """The criteria of the record's set, each top criterion with its items and the points given."""
    rows = []
    for top in record.criteria_set.criteria_tree():
        items = []
        for leaf in top.items or [top]:
            value = posted.get(leaf.code) if posted is not None else points_text(record.scores.get(leaf.code))
            items.append({"criterion": leaf, "value": value or "", "is_top": leaf is top})
        rows.append({"criterion": top, "items": items})
    return rows


def record_detail(request, pk):
    record = record_for(request, pk)
    user = request.user
    rules = rules_for(record.criteria_set)
    change = scoping.can(user, scoping.CHANGE, record.unit)
    approve = can_approve(user, record.unit)
    status, locked, S = record.status, record.locked, TitleRecord.Status
    open_ = not locked
    actions = {
        "score": change and open_ and status != S.PROPOSED,
        "review": change and open_ and status in SCORABLE,
        "withdraw": change and open_ and status in (S.REGISTERED, S.SELF_ASSESSED),
        "propose": approve and status == S.REVIEWED,
        "refuse": approve and open_ and status in (S.REVIEWED, S.PROPOSED, S.RECOGNISED),
        "lock": approve and open_ and status in (S.RECOGNISED, S.REFUSED),
        "unlock": approve and locked,
    }
    context = {
        "record": record,
        "unit": record.unit,
        "association": approving_unit(record.unit),
        "actions": actions,
        "score_rows": _score_rows(record),
        "shortfalls": rules.shortfalls(record.scores) if rules.scored else [],
        "scored": rules.scored,
        "review_form": ReviewForm(),
        "history": history_entries(record),
    }
    return render(request, "learning_models/record_detail.html", context)


def _posted_scores(data, prefix: str, codes) -> dict:
    return {code: data.get(f"{prefix}{code}", "") for code in codes}


def record_score(request, pk):
    """One record's score sheet: one input per criterion, evidence notes."""
    record = record_for(request, pk, scoping.CHANGE)
    leaves = record.criteria_set.leaves()
    errors: list[str] = []
    posted = None
    if request.method == "POST":
        posted = _posted_scores(request.POST, "s-", [leaf.code for leaf in leaves])
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        entry = ScoreEntry(record, posted, request.POST.get("evidence", ""), version)
        try:
            records_score([entry], actor=request.user)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, f"Đã lưu điểm của {record.subject_name}.")
            return redirect("learning_models:record_detail", pk=record.pk)
    context = {
        "record": record,
        "unit": record.unit,
        "score_rows": _score_rows(record, posted),
        "errors": errors,
        "evidence": request.POST.get("evidence", record.evidence) if posted is not None else record.evidence,
    }
    return render(request, "learning_models/record_score.html", context, status=400 if errors else 200)


@require_POST
def record_review_view(request, pk):
    record = record_for(request, pk, scoping.CHANGE)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            record_review(
                record,
                review_date=form.cleaned_data["review_date"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Đã ghi nhận họp bình xét hồ sơ của {record.subject_name}.")
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("learning_models:record_detail", pk=record.pk)


@require_POST
def registration_delete_view(request, pk):
    record = record_for(request, pk, scoping.CHANGE)
    try:
        registration_delete(record, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("learning_models:record_detail", pk=record.pk)
    messages.success(request, f"Đã rút đăng ký của {record.subject_name}.")
    url = reverse("learning_models:record_table", args=[record.unit_id, record.year])
    return redirect(f"{url}?{TYPE_PARAM}={record.title_type.code}")


def _subjects(title_type: TitleType, unit: Unit, year: int, user):
    if title_type.subject_kind == TitleType.Subject.PERSON:
        return None
    candidates = registration_candidates(title_type=title_type, year=year, unit=unit)
    field = "" if title_type.subject_kind == TitleType.Subject.UNIT else "unit"
    return scoping.restrict(candidates, user, scoping.CHANGE, unit_field=field).order_by("sort_key", "pk")


def registration_create_view(request):
    """Register one household, clan, unit or person: first the title, then the subject."""
    unit = unit_from(request, scoping.CHANGE)
    year = year_from(request)
    title_type = title_type_from(request)
    if title_type is None:
        context = {"unit": unit, "year": year, "types": types_for_unit(unit), "choose": True}
        return render(request, "learning_models/registration_form.html", context)
    if not title_type.active:
        raise Http404("Danh hiệu đã ngừng sử dụng.")
    year_value = int(request.POST.get("year", year)) if request.POST.get("year", "").isdigit() else year
    subjects = _subjects(title_type, unit, year_value, request.user)
    units = scoping.restrict(Unit.objects.subtree(unit), request.user, scoping.CHANGE, unit_field="").filter(
        level=Unit.Level.GRASSROOTS
    )
    form = RegistrationForm(
        request.POST or None, title_type=title_type, subjects=subjects, units=units, initial={"year": year}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        subject = data.get("subject")
        kind = title_type.subject_kind
        try:
            record = registration_create(
                title_type=title_type,
                year=data["year"],
                household=subject if kind == TitleType.Subject.HOUSEHOLD else None,
                clan=subject if kind == TitleType.Subject.CLAN else None,
                subject_unit=subject if kind == TitleType.Subject.UNIT else None,
                person_name=data.get("person_name", ""),
                unit=data.get("unit"),
                registered_on=data.get("registered_on"),
                evidence=data.get("evidence", ""),
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, f"Đã đăng ký danh hiệu «{title_type.name}» năm {record.year} cho {record.subject_name}."
            )
            if "again" in request.POST:
                return redirect(request.get_full_path())
            return redirect("learning_models:record_detail", pk=record.pk)
    context = {"unit": unit, "year": year, "title_type": title_type, "form": form}
    return render(request, "learning_models/registration_form.html", context, status=400 if form.errors else 200)


@require_POST
def registration_bulk_create_view(request, unit_pk, year):
    unit = unit_for(request, unit_pk, scoping.CHANGE)
    title_type = title_type_from(request)
    if title_type is None:
        raise Http404
    try:
        created = registration_bulk_create(title_type=title_type, year=year, unit=unit, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if created:
            messages.success(
                request,
                f"Đã đăng ký danh hiệu «{title_type.name}» năm {year} cho {len(created)} {title_type.subject_word}.",
            )
        else:
            messages.info(request, f"Mọi {title_type.subject_word} của {unit.display_name} đã đăng ký danh hiệu này.")
    url = reverse("learning_models:record_table", args=[unit.pk, year])
    return redirect(f"{url}?{TYPE_PARAM}={title_type.code}")


# The chapter's table ---------------------------------------------------------------------------------------------


def _table_rows(records, leaves, main_set_id, posted=None, errors=None, start: int = 1) -> list[dict]:
    rows = []
    for index, record in enumerate(records, start=start):
        editable = not record.locked and record.status != TitleRecord.Status.PROPOSED
        same_set = record.criteria_set_id == main_set_id
        prefix = f"s-{record.pk}-"
        cells = []
        for leaf in leaves:
            name = f"{prefix}{leaf.code}"
            if posted is not None and name in posted:
                value = posted[name]
            else:
                value = points_text(record.scores.get(leaf.code)) if same_set else ""
            cells.append({"name": name, "value": value, "criterion": leaf})
        evidence_name = f"e-{record.pk}"
        rows.append(
            {
                "number": index,
                "record": record,
                "cells": cells,
                "editable": editable and same_set,
                "same_set": same_set,
                "evidence_name": evidence_name,
                "evidence": posted.get(evidence_name, record.evidence) if posted is not None else record.evidence,
                "selected": posted is not None and str(record.pk) in posted.getlist("chon"),
                "errors": (errors or {}).get(record.pk, []),
            }
        )
    return rows


def record_table(request, unit_pk, year):
    """Per chapter and year: every registered subject with status and scores; fast entry by keyboard (Tab moves
    across a row), one Save for the page; on a phone each subject is a card."""
    unit = unit_for(request, unit_pk)
    types = types_for_unit(unit)
    records_here = TitleRecord.objects.filter(unit=unit, year=year)
    default = None
    if not request.GET.get(TYPE_PARAM):
        used = Counter(records_here.values_list("title_type_id", flat=True)[:1000])
        default = next((t for t in types if t.pk in used), types[0] if types else None)
    title_type = title_type_from(request, default)
    can_change = scoping.can(request.user, scoping.CHANGE, unit)
    context = {"unit": unit, "year": year, "types": types, "title_type": title_type, "can_change": can_change}
    if title_type is None:
        return render(request, "learning_models/record_table.html", context)
    status = request.GET.get(STATUS_PARAM, "")
    criteria_set = CriteriaSetResolver().resolve(title_type, unit, year)
    leaves = criteria_set.leaves() if criteria_set else []
    records = records_here.filter(title_type=title_type).select_related("criteria_set")
    if status:
        records = records.filter(status=status)
    page = Paginator(records.order_by("sort_key", "pk"), TABLE_PAGE).get_page(request.GET.get("page"))
    page_records = list(page.object_list)
    for record in page_records:
        record.unit = unit  # one unit object for the whole page (the closed-period guard reads it)
        record.title_type = title_type
    posted = errors = None
    status_code = 200
    if request.method == "POST":
        scoping.ensure_can(request.user, scoping.CHANGE, unit)
        posted = request.POST
        result = _table_post(request, page_records, leaves, unit)
        if result is None:
            return redirect(request.get_full_path())
        errors, review_form = result
        context["review_form"] = review_form
        status_code = 400
    context.update(
        {
            "status": status,
            "statuses": STATUS_CHOICES,
            "criteria_set": criteria_set,
            "leaves": leaves,
            "rows": _table_rows(
                page_records, leaves, criteria_set.pk if criteria_set else None, posted, errors, page.start_index()
            ),
            "page_obj": page,
            "querystring_without_page": querystring_without_page(request),
            "errors": [m for ms in (errors or {}).values() for m in ms],
            "candidates": (
                _subjects(title_type, unit, year, request.user).count()
                if can_change and title_type.subject_kind != TitleType.Subject.PERSON
                else 0
            ),
        }
    )
    context.setdefault("review_form", ReviewForm())
    return render(request, "learning_models/record_table.html", context, status=status_code)


def _table_post(request, records, leaves, unit):
    """Save the page's scores (and, for "review", record the meeting for the ticked rows). None when done,
    else (errors by record id, review form)."""
    data = request.POST
    codes = [leaf.code for leaf in leaves]
    entries = []
    for record in records:
        if f"v-{record.pk}" not in data:
            continue
        try:
            version = int(data.get(f"v-{record.pk}"))
        except (TypeError, ValueError):
            version = None
        if codes and f"s-{record.pk}-{codes[0]}" not in data:
            continue  # a row shown without inputs (another criteria set)
        scores = _posted_scores(data, f"s-{record.pk}-", codes)
        entries.append(ScoreEntry(record, scores, data.get(f"e-{record.pk}"), version))
    review = data.get("action") == "review"
    review_form = ReviewForm(data if review else None)
    try:
        with transaction.atomic():
            changed = records_score(entries, actor=request.user) if entries else 0
            reviewed = 0
            if review:
                if not review_form.is_valid():
                    raise ValidationError("Hãy nhập ngày họp bình xét (ngày/tháng/năm).")
                chosen = [r for r in records if str(r.pk) in data.getlist("chon")]
                reviewed = records_review(
                    chosen,
                    review_date=review_form.cleaned_data["review_date"],
                    note=review_form.cleaned_data["note"],
                    actor=request.user,
                )
    except RowErrors as error:
        return error.rows, review_form
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return {}, review_form
    parts = [f"Đã lưu điểm của {changed} hồ sơ."]
    if review:
        parts.append(f"Đã ghi nhận họp bình xét cho {reviewed} hồ sơ.")
    messages.success(request, " ".join(parts))
    return None
