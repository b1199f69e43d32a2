"""Reports: status, runs and their files (served through the API's own scope check)."""

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework.response import Response

from chapters import scoping
from reports import services
from reports.models import Report, ReportRun

from .. import serializers as s
from .base import UNIT_PARAM, YEAR_PARAM, ApiView, ScopedMixin


class ReportListView(ScopedMixin, mixins.ListModelMixin, ApiView):
    queryset = Report.objects.prefetch_related("runs")
    serializer_class = s.ReportSerializer
    year_field = "year"

    @extend_schema(summary="Báo cáo", parameters=[UNIT_PARAM, YEAR_PARAM])
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


class ReportDetailView(ScopedMixin, ApiView):
    queryset = Report.objects.prefetch_related("runs")
    serializer_class = s.ReportSerializer

    @extend_schema(summary="Một báo cáo, các lần tạo tệp và đường dẫn tải về")
    def get(self, request, pk):
        report = scoping.get_scoped_object(self.get_queryset(), request.user, pk=pk)
        return self.versioned(report, self.get_serializer(report).data)


class ReportRunDetailView(ScopedMixin, ApiView):
    queryset = ReportRun.objects.select_related("report__unit")
    serializer_class = s.ReportRunSerializer
    unit_field = "report__unit"

    @extend_schema(summary="Một lần tạo tệp báo cáo: trạng thái, tiến độ, tệp")
    def get(self, request, pk):
        run = scoping.get_scoped_object(self.get_queryset(), request.user, unit_field=self.unit_field, pk=pk)
        return Response(self.get_serializer(run).data)


class ReportRunFileView(ReportRunDetailView):
    @extend_schema(
        summary="Tải tệp báo cáo (pdf, docx, xlsx)",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request, pk, kind):
        run = scoping.get_scoped_object(self.get_queryset(), request.user, unit_field=self.unit_field, pk=pk)
        field = services.report_run_file(run, kind)
        if not field:
            raise Http404
        report = run.report
        name = f"bao-cao-{report.unit.code}-{report.year}-{report.period}.{kind}"
        return FileResponse(field.open("rb"), as_attachment=kind != "pdf", filename=name)
