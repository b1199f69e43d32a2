"""Screens of the spreadsheet imports and exports (design.md §5): jobs, upload, preview, mapping, commit.

Jobs are scoped by their unit: out of scope → 404, read-only → 403 on every write. Files are served only
through `job_file`, never from a media URL.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import DetailView, FormView, ListView

from chapters import scoping
from chapters.imports.forms import UploadForm, mapping_form, mapping_from
from chapters.mixins import ScopedQuerysetMixin
from chapters.models import Unit
from core.imports import jobs
from core.imports.kinds import all_kinds, get_kind
from core.models import ImportJob
from core.queueing import QueueUnavailable
from core.spreadsheets.reading import FileRejected
from core.spreadsheets.writing import XLSX_CONTENT_TYPE, ExportRefused, export_xlsx, template_xlsx

ERRORS_PER_PAGE = 50


def _scoped_job(request, pk: int, action: str = scoping.VIEW) -> ImportJob:
    return scoping.get_scoped_object(
        ImportJob.objects.select_related("unit", "created_by", "committed_by"),
        request.user,
        action,
        unit_field="unit",
        pk=pk,
    )


class JobListView(ScopedQuerysetMixin, ListView):
    """The imports the user can see, newest first; the templates and the export form."""

    model = ImportJob
    unit_field = "unit"
    paginate_by = 25
    template_name = "imports/job_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "created_by").order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        kinds = {kind.name: kind.label for kind in all_kinds()}
        for job in context["object_list"]:
            job.kind_label = kinds.get(job.kind, job.kind)
        context.update(
            {
                "kinds": all_kinds(),
                "can_upload": scoping.units_for(user, scoping.CHANGE).exists(),
                "export_units": scoping.top_units(user)[:50],
            }
        )
        return context


class JobCreateView(FormView):
    form_class = UploadForm
    template_name = "imports/job_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not scoping.units_for(request.user, scoping.CHANGE).exists():
            raise PermissionDenied("Bạn chỉ có quyền xem; không có quyền nhập dữ liệu.")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        kind = self.request.GET.get("kind")
        return {"kind": kind} if get_kind(kind or "") else {}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        unit = form.cleaned_data["unit"]
        scoping.ensure_can(self.request.user, scoping.CHANGE, unit)
        uploaded = form.cleaned_data["file"]
        try:
            with jobs.local_path(uploaded) as path:
                job, read = jobs.job_create(
                    kind=form.cleaned_data["kind"],
                    path=path,
                    file_name=uploaded.name,
                    unit=unit,
                    user=self.request.user,
                    as_of=form.cleaned_data.get("as_of"),
                )
        except (FileRejected, jobs.AlreadyImported) as error:
            form.add_error("file", error.message)
            return self.form_invalid(form)
        jobs.job_start_validation(job, read)
        return redirect("imports:job_detail", job.pk)


class JobDetailView(ScopedQuerysetMixin, DetailView):
    """The preview: counts, every error (paginated), converted cells, column mapping, commit and cancel."""

    model = ImportJob
    unit_field = "unit"
    context_object_name = "job"
    template_name = "imports/job_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "created_by", "committed_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        kind = get_kind(job.kind)
        page = Paginator(job.errors or [], ERRORS_PER_PAGE).get_page(self.request.GET.get("page"))
        can_change = scoping.can(self.request.user, scoping.CHANGE, job.unit)
        preview = job.preview or {}
        context.update(
            {
                "kind": kind,
                "can_change": can_change,
                "errors_page": page,
                "page_obj": page,
                "querystring_without_page": "",
                "preview": preview,
                "unknown_columns": [column for column in preview.get("columns", []) if column.get("unknown")],
                "mapping_form": mapping_form(job, kind) if kind and job.status in ("valid", "invalid") else None,
                "can_commit": can_change and job.status == ImportJob.Status.VALID,
                "can_cancel": can_change
                and job.status in (ImportJob.Status.PENDING, ImportJob.Status.VALID, ImportJob.Status.INVALID),
                "nothing_to_do": job.status == ImportJob.Status.VALID
                and not (job.counts or {}).get("new")
                and not (job.counts or {}).get("changed"),
            }
        )
        return context


@require_GET
def job_progress(request, pk: int):
    """The progress bar alone, polled by htmx while the job runs; asks for a full reload once it has finished."""
    job = _scoped_job(request, pk)
    response = render(request, "imports/_job_progress.html", {"job": job})
    if request.htmx and not job.is_running:
        response["HX-Refresh"] = "true"
    return response


@require_POST
def job_mapping(request, pk: int):
    job = _scoped_job(request, pk, scoping.CHANGE)
    kind = get_kind(job.kind)
    form = mapping_form(job, kind, request.POST)
    if not form.is_valid():
        messages.error(request, "Lựa chọn ghép cột không hợp lệ.")
        return redirect("imports:job_detail", job.pk)
    try:
        jobs.job_remap(job, mapping=mapping_from(form), user=request.user)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(request, "Đã ghép cột và kiểm tra lại tệp.")
    return redirect("imports:job_detail", job.pk)


@require_POST
def job_commit(request, pk: int):
    job = _scoped_job(request, pk, scoping.CHANGE)
    try:
        job = jobs.job_start_commit(job, user=request.user)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
        return redirect("imports:job_detail", job.pk)
    except QueueUnavailable as error:
        messages.error(request, error.message)
        return redirect("imports:job_detail", job.pk)
    if job.status == ImportJob.Status.DONE:
        messages.success(request, job.message)
    elif job.status == ImportJob.Status.COMMITTING:
        messages.info(request, "Đang ghi dữ liệu; trang sẽ cập nhật khi xong.")
    else:
        messages.error(request, job.message)
    return redirect("imports:job_detail", job.pk)


@require_POST
def job_cancel(request, pk: int):
    job = _scoped_job(request, pk, scoping.CHANGE)
    try:
        jobs.job_cancel(job, user=request.user)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(request, "Đã hủy lần nhập: không có gì được lưu.")
    return redirect("imports:job_detail", job.pk)


@require_GET
def job_file(request, pk: int):
    """The uploaded file, to whoever can see the job (never from a public media URL)."""
    job = _scoped_job(request, pk)
    if not job.file:
        raise Http404
    try:
        stream = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(stream, as_attachment=True, filename=job.file_name)


def _xlsx_response(stream, filename: str) -> HttpResponse:
    response = HttpResponse(stream.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_GET
def template_download(request, kind: str):
    import_kind = get_kind(kind)
    if import_kind is None:
        raise Http404
    return _xlsx_response(template_xlsx(import_kind), f"mau-nhap-{kind}.xlsx")


@require_http_methods(["GET", "POST"])
def export(request, kind: str):
    """The kind's rows the user may see (under ?unit=<id>), in the import's columns. A list of people asks for
    the purpose first (a form on GET, the file on POST); the viewer role exports figures only (403)."""
    import_kind = get_kind(kind)
    if import_kind is None:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    unit = None
    if data.get("unit"):
        unit = scoping.get_scoped_object(Unit.objects.all(), request.user, scoping.VIEW, unit_field="", pk=data["unit"])
    if import_kind.personal:
        if unit is not None:
            scoping.ensure_can_any(request.user, scoping.PERSONAL_DATA, unit)
        elif not scoping.units_for_any(request.user, scoping.PERSONAL_DATA).exists():
            raise PermissionDenied("Vai trò chỉ xem được xuất số liệu, không được xuất danh sách người.")
    context = {"kind": import_kind, "unit": unit, "purpose": data.get("purpose", "")}
    if import_kind.personal and request.method == "GET":
        return render(request, "imports/export_form.html", context)
    try:
        stream, _count = export_xlsx(import_kind, request.user, unit, purpose=data.get("purpose", ""))
    except ExportRefused as error:
        return render(request, "imports/export_form.html", {**context, "error": error.message})
    suffix = f"-{unit.code}" if unit else ""
    return _xlsx_response(stream, f"{kind}{suffix}-{timezone.localdate():%Y%m%d}.xlsx")
