"""Bulk endpoints (members, title records) and the status of their import jobs."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from chapters import scoping
from core.models import ImportJob
from core.spreadsheets.reading import FileRejected

from .. import serializers as s
from ..bulk import bulk_start
from ..problems import problem
from .base import IDEMPOTENCY_PARAM, ApiView, ScopedMixin

Status = ImportJob.Status


class BulkView(ScopedMixin, ApiView):
    kind = ""
    serializer_class = s.BulkSerializer

    def post(self, request):
        serializer = s.BulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        unit = self.scoped_unit(data["unit"], scoping.CHANGE)
        try:
            job, already = bulk_start(kind=self.kind, rows=data["rows"], user=request.user, unit=unit)
        except FileRejected as error:
            return problem(400, error.message)
        body = s.JobSerializer(job, context={"request": request}).data
        location = body["url"]
        if already:
            body["message"] = f"Các dòng này đã được nhập trước đây (lần nhập #{job.pk}); không có gì thay đổi."
            return Response(body, status=200, headers={"Location": location})
        if job.status in (Status.PENDING, Status.VALIDATING, Status.COMMITTING):
            return Response(body, status=202, headers={"Location": location})
        if job.status == Status.DONE:
            return Response(body, status=200, headers={"Location": location})
        # Invalid rows: nothing was saved, and the job is rolled back with the request (its file with it).
        job.file.delete(save=False)
        first = (job.header_row or 1) + 1
        rows = [
            {"index": number - first if number else None, "column": column, "message": message}
            for number, column, message in job.errors
        ]
        return problem(422, job.message or "Dữ liệu có lỗi: chưa có gì được lưu.", rows=rows)


BULK_DOC = dict(
    request=s.BulkSerializer,
    responses={
        200: s.JobSerializer,
        202: OpenApiResponse(s.JobSerializer, description="Nhiều dòng: đang xử lý nền; xem trạng thái ở `url`."),
    },
    parameters=[IDEMPOTENCY_PARAM],
)


class MemberBulkView(BulkView):
    kind = "members"

    @extend_schema(summary="Nhập nhiều hội viên một lần (tất cả hoặc không)", **BULK_DOC)
    def post(self, request):
        return super().post(request)


class TitleRecordBulkView(BulkView):
    kind = "titles"

    @extend_schema(summary="Đăng ký, chấm điểm nhiều hồ sơ danh hiệu một lần (tất cả hoặc không)", **BULK_DOC)
    def post(self, request):
        return super().post(request)


class JobDetailView(ApiView):
    serializer_class = s.JobSerializer

    @extend_schema(summary="Trạng thái một lần nhập")
    def get(self, request, pk):
        job = ImportJob.objects.filter(pk=pk).first() if str(pk).isdigit() else None
        if job is None or not (request.user.is_superuser or job.created_by_id == request.user.pk):
            raise Http404
        return Response(self.get_serializer(job).data)
