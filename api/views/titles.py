"""Learning-model titles: the catalogue, records (registration and scores), and recognition decisions."""

from django.db.models import Count
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins
from rest_framework.response import Response

from chapters import scoping
from learning_models.models import TitleRecord, TitleType
from learning_models.services.records import record_score, registration_create
from members.models import Clan, Household, Member

from .. import serializers as s
from .base import (
    IF_MATCH_PARAM,
    UNIT_PARAM,
    UPDATED_SINCE_PARAM,
    YEAR_PARAM,
    ApiView,
    CreateThroughServiceMixin,
    ScopedMixin,
    create_doc,
)


class TitleTypeListView(mixins.ListModelMixin, ApiView):
    """The catalogue of titles is the same for everybody."""

    queryset = TitleType.objects.order_by("pk")
    serializer_class = s.TitleTypeSerializer

    @extend_schema(summary="Các danh hiệu (mã dùng khi đăng ký)")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


@create_doc("Đăng ký danh hiệu", s.RegistrationSerializer, s.TitleRecordSerializer)
class TitleRecordListView(ScopedMixin, CreateThroughServiceMixin, mixins.ListModelMixin, ApiView):
    queryset = TitleRecord.objects.select_related("title_type")
    serializer_class = s.TitleRecordSerializer
    create_serializer_class = s.RegistrationSerializer
    detail_path = "/api/v1/title-records/{pk}/"
    year_field = "year"

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        params = self.request.query_params
        if params.get("title_type"):
            queryset = queryset.filter(title_type__code=params["title_type"])
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        return queryset

    @extend_schema(
        summary="Hồ sơ danh hiệu",
        parameters=[
            UNIT_PARAM,
            YEAR_PARAM,
            UPDATED_SINCE_PARAM,
            OpenApiParameter("title_type", OpenApiTypes.STR, description="Mã danh hiệu."),
            OpenApiParameter("status", OpenApiTypes.STR),
        ],
    )
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def create_record(self, data):
        title_type = TitleType.objects.filter(code=data.pop("title_type")).first()
        if title_type is None:
            raise exceptions.ValidationError({"title_type": "Không có danh hiệu mang mã này."})
        user = self.request.user
        subjects = {}
        for name, model in (("household", Household), ("clan", Clan), ("member", Member)):
            if data.get(name) is not None:
                subjects[name] = scoping.get_scoped_object(model.objects.all(), user, scoping.CHANGE, pk=data[name])
        for name in ("subject_unit", "unit"):
            if data.get(name) is not None:
                subjects[name] = self.scoped_unit(data[name], scoping.CHANGE, name=name)
        return registration_create(
            title_type=title_type,
            year=data["year"],
            person_name=data.get("person_name", ""),
            registered_on=data.get("registered_on"),
            evidence=data.get("evidence", ""),
            actor=user,
            **subjects,
        )


class TitleRecordDetailView(ScopedMixin, ApiView):
    queryset = TitleRecord.objects.select_related("title_type")
    serializer_class = s.TitleRecordSerializer

    @extend_schema(summary="Một hồ sơ danh hiệu")
    def get(self, request, pk):
        record = scoping.get_scoped_object(self.get_queryset(), request.user, pk=pk)
        return self.versioned(record, s.TitleRecordSerializer(record).data)


class TitleScoresView(TitleRecordDetailView):
    @extend_schema(
        summary="Chấm điểm (tự đánh giá) một hồ sơ",
        request=s.ScoresSerializer,
        responses={200: s.TitleRecordSerializer},
        parameters=[IF_MATCH_PARAM],
    )
    def put(self, request, pk):
        record = scoping.get_scoped_object(self.get_queryset(), request.user, scoping.CHANGE, pk=pk)
        serializer = s.ScoresSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expected = self.check_version(record)
        record_score(
            record,
            scores=serializer.validated_data["scores"],
            evidence=serializer.validated_data.get("evidence"),
            actor=request.user,
            expected_version=expected,
        )
        record.refresh_from_db()
        return self.versioned(record, s.TitleRecordSerializer(record).data)


class TitleDecisionListView(ScopedMixin, ApiView):
    """Recognition decisions, read from the records they recognised (number, date, issuer)."""

    queryset = TitleRecord.objects.exclude(decision_number="")
    serializer_class = s.TitleDecisionSerializer
    year_field = "year"
    pagination_class = None  # one row per decision: at most a thousand, newest first

    @extend_schema(
        summary="Quyết định công nhận danh hiệu",
        parameters=[UNIT_PARAM, YEAR_PARAM],
        responses={200: s.TitleDecisionSerializer(many=True)},
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        rows = (
            queryset.values("decision_number", "decision_date", "decision_issuer", "title_type__code", "year")
            .annotate(records=Count("pk"))
            .order_by("-decision_date", "decision_number", "title_type__code")[:1000]
        )
        data = [{**row, "title_type": row.pop("title_type__code")} for row in rows]
        return Response(s.TitleDecisionSerializer(data, many=True).data)
