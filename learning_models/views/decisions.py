"""The commune's steps: the proposal list, recognition by decision or refusal, locking and unlocking, and
the printable certificate and decision list."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chapters import scoping
from chapters.forms import add_errors
from chapters.mixins import unit_for
from chapters.models import Unit
from core.pdf import render_pdf
from core.views import pdf_response, querystring_without_page
from learning_models.forms import DecisionForm, ReasonForm
from learning_models.models import TitleRecord, TitleType
from learning_models.pdf import certificate_context, decision_list_context
from learning_models.scoring import RulesCache
from learning_models.services.records import (
    RowErrors,
    approving_unit,
    record_lock,
    record_refuse,
    record_unlock,
    records_propose,
    records_recognise,
)
from learning_models.views.common import title_type_from
from learning_models.views.records import record_for

PAGE = 100
STEPS = {
    "de-nghi": ("Chờ đề nghị", [TitleRecord.Status.REVIEWED]),
    "cong-nhan": ("Chờ công nhận", [TitleRecord.Status.PROPOSED]),
}


def _association(request, unit_pk) -> Unit:
    unit = unit_for(request, unit_pk)
    if unit.kind != Unit.Kind.ASSOCIATION:
        raise Http404("Danh sách đề nghị thuộc hội cấp xã.")
    return unit


def _selected(request, unit, year, statuses, title_type):
    """The records the form names ("chon"), or every record of the list when "tat_ca" is ticked; through the
    user's APPROVE scope."""
    records = scoping.restrict(TitleRecord.objects.all(), request.user, scoping.VIEW).filter(
        unit__path__startswith=unit.path, year=year, status__in=statuses
    )
    if title_type:
        records = records.filter(title_type=title_type)
    if not request.POST.get("all"):
        ids = [value for value in request.POST.getlist("chon") if value.isdigit()]
        records = records.filter(pk__in=ids)
    return list(records.select_related("title_type", "unit", "criteria_set").order_by("sort_key", "pk"))


def proposal_list(request, unit_pk, year):
    """Per commune and year: records reviewed by the chapters (to propose) and proposed ones (to recognise by a
    decision, or refuse), and the decisions already made."""
    unit = _association(request, unit_pk)
    step = request.GET.get("step", "de-nghi")
    if step not in STEPS and step != "ket-qua":
        step = "de-nghi"
    title_type = title_type_from(request)
    can_approve = scoping.can(request.user, scoping.APPROVE, unit)
    decision_form = DecisionForm(initial={"decision_issuer": f"UBND {unit.name[:1].lower()}{unit.name[1:]}"})
    errors: list[str] = []
    status_code = 200
    if request.method == "POST":
        scoping.ensure_can(request.user, scoping.APPROVE, unit)
        action = request.POST.get("action")
        statuses = STEPS[step][1] if step in STEPS else []
        records = _selected(request, unit, year, statuses, title_type)
        try:
            if action == "propose":
                count = records_propose(records, actor=request.user)
                messages.success(request, f"Đã đề nghị công nhận {count} hồ sơ.")
            elif action == "recognise":
                decision_form = DecisionForm(request.POST)
                decision_form.is_valid()
                data = decision_form.cleaned_data
                count = records_recognise(
                    records,
                    decision_number=data.get("decision_number", ""),
                    decision_date=data.get("decision_date"),
                    decision_issuer=data.get("decision_issuer", ""),
                    actor=request.user,
                )
                messages.success(request, f"Đã công nhận {count} hồ sơ theo Quyết định số {data['decision_number']}.")
            else:
                raise ValidationError("Thao tác không hợp lệ.")
        except RowErrors as error:
            errors = error.messages
        except ValidationError as error:
            if action == "recognise" and hasattr(error, "error_dict"):
                add_errors(decision_form, error)
            errors = error.messages
        if not errors:
            return redirect(request.get_full_path())
        status_code = 400
    context = {
        "unit": unit,
        "year": year,
        "step": step,
        "steps": [(key, label) for key, (label, _s) in STEPS.items()],
        "title_type": title_type,
        "types": TitleType.objects.filter(active=True).order_by("order", "name"),
        "can_approve": can_approve,
        "decision_form": decision_form,
        "errors": errors,
    }
    if step == "ket-qua":
        context["decisions"] = _decisions(request, unit, year, title_type)
    else:
        context.update(_step_rows(request, unit, year, STEPS[step][1], title_type))
    return render(request, "learning_models/proposal_list.html", context, status=status_code)


def _step_rows(request, unit, year, statuses, title_type) -> dict:
    records = scoping.restrict(TitleRecord.objects.all(), request.user, scoping.VIEW).filter(
        unit__path__startswith=unit.path, year=year, status__in=statuses
    )
    if title_type:
        records = records.filter(title_type=title_type)
    records = records.select_related("title_type", "unit", "criteria_set").order_by("unit__sort_key", "sort_key", "pk")
    page = Paginator(records, PAGE).get_page(request.GET.get("page"))
    rules = RulesCache()
    chosen = set(request.POST.getlist("chon"))
    rows = []
    for record in page.object_list:
        shortfalls = rules.get_rules(record.criteria_set).shortfalls(record.scores)
        rows.append({"record": record, "shortfalls": shortfalls, "selected": str(record.pk) in chosen})
    return {
        "rows": rows,
        "page_obj": page,
        "total": page.paginator.count,
        "querystring_without_page": querystring_without_page(request),
    }


def _decisions(request, unit, year, title_type) -> list[dict]:
    records = scoping.restrict(TitleRecord.objects.all(), request.user, scoping.VIEW).filter(
        unit__path__startswith=unit.path, year=year, status=TitleRecord.Status.RECOGNISED
    )
    if title_type:
        records = records.filter(title_type=title_type)
    return list(
        records.values("decision_number", "decision_issuer", "title_type__name")
        .annotate(count=Count("pk"), date=Min("decision_date"))
        .order_by("date", "decision_number")
    )


def _ensure_approver(request, record: TitleRecord) -> Unit:
    """The record is in sight (else 404); deciding on it needs APPROVE on its commune (else 403)."""
    association = approving_unit(record.unit)
    if not scoping.can(request.user, scoping.APPROVE, association):
        raise PermissionDenied("Chỉ cán bộ (quyền duyệt) của hội cấp xã mới được quyết định về hồ sơ này.")
    return association


def record_refuse_view(request, pk):
    record = record_for(request, pk)
    association = _ensure_approver(request, record)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record_refuse(record, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Đã ghi nhận không công nhận hồ sơ của {record.subject_name}.")
            url = reverse("learning_models:proposal_list", args=[association.pk, record.year])
            return redirect(f"{url}?step=cong-nhan")
    context = {"record": record, "unit": record.unit, "form": form}
    return render(request, "learning_models/record_refuse.html", context, status=400 if form.errors else 200)


@require_POST
def record_unlock_view(request, pk):
    record = record_for(request, pk)
    _ensure_approver(request, record)
    try:
        record_unlock(record, reason=request.POST.get("reason", ""), actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("learning_models:record_detail", pk=record.pk)
    messages.success(request, "Đã mở khóa hồ sơ; lý do được ghi vào lịch sử.")
    return redirect("learning_models:record_detail", pk=record.pk)


@require_POST
def record_lock_view(request, pk):
    record = record_for(request, pk)
    _ensure_approver(request, record)
    try:
        record_lock(record, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Đã khóa hồ sơ.")
    return redirect("learning_models:record_detail", pk=record.pk)


def record_certificate(request, pk):
    """The certificate of a recognised record (A4 landscape)."""
    record = record_for(request, pk)
    if record.status != TitleRecord.Status.RECOGNISED:
        raise Http404("Hồ sơ chưa được công nhận.")
    content = render_pdf("pdf/learning_models/certificate.html", certificate_context(record))
    return pdf_response(content, f"giay-chung-nhan-{record.pk}.pdf")


def decision_list_pdf(request, unit_pk, year):
    """The list of records recognised by one decision, to attach to it (?number=<decision number>)."""
    unit = _association(request, unit_pk)
    number = request.GET.get("number", "").strip()
    if not number:
        raise Http404("Thiếu số quyết định.")
    records = list(
        scoping.restrict(TitleRecord.objects.all(), request.user, scoping.VIEW)
        .filter(unit__path__startswith=unit.path, year=year, status=TitleRecord.Status.RECOGNISED)
        .filter(decision_number=number)
        .select_related("title_type", "unit", "household")
        .order_by("title_type__order", "unit__sort_key", "sort_key", "pk")
    )
    if not records:
        raise Http404("Không có hồ sơ nào được công nhận theo quyết định này.")
    content = render_pdf("pdf/learning_models/decision_list.html", decision_list_context(unit, year, number, records))
    return pdf_response(content, f"danh-sach-cong-nhan-{year}.pdf")
