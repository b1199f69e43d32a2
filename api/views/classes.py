"""Classes of the community learning centres: sessions, attendance and participants."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins

from chapters import scoping
from learning_models.models import LearningClass
from learning_models.services.classes import class_save

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

REQUIRED = ("unit", "topic", "starts_on")


@create_doc("Thêm lớp học", s.LearningClassWriteSerializer, s.LearningClassSerializer)
class ClassListView(ScopedMixin, CreateThroughServiceMixin, mixins.ListModelMixin, ApiView):
    queryset = LearningClass.objects.prefetch_related("participants")
    serializer_class = s.LearningClassSerializer
    create_serializer_class = s.LearningClassWriteSerializer
    detail_path = "/api/v1/classes/{pk}/"
    year_field = "starts_on__year"

    @extend_schema(summary="Lớp học cộng đồng", parameters=[UNIT_PARAM, YEAR_PARAM, UPDATED_SINCE_PARAM])
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def create_record(self, data):
        missing = {name: "Trường này là bắt buộc." for name in REQUIRED if name not in data}
        if missing:
            raise exceptions.ValidationError(missing)
        data["unit"] = self.scoped_unit(data["unit"], scoping.CHANGE)
        participants = data.pop("participants", None)
        return class_save(LearningClass(**data), participants=participants, actor=self.request.user)


class ClassDetailView(ScopedMixin, ApiView):
    queryset = LearningClass.objects.prefetch_related("participants")
    serializer_class = s.LearningClassSerializer

    @extend_schema(summary="Một lớp học")
    def get(self, request, pk):
        learning_class = scoping.get_scoped_object(self.get_queryset(), request.user, pk=pk)
        return self.versioned(learning_class, s.LearningClassSerializer(learning_class).data)

    @extend_schema(
        summary="Sửa lớp học: buổi học, lượt người, danh sách học viên",
        request=s.LearningClassWriteSerializer,
        responses={200: s.LearningClassSerializer},
        parameters=[IF_MATCH_PARAM],
    )
    def patch(self, request, pk):
        learning_class = scoping.get_scoped_object(self.get_queryset(), request.user, scoping.CHANGE, pk=pk)
        serializer = s.LearningClassWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected = self.check_version(learning_class)
        if "unit" in data:
            data["unit"] = self.scoped_unit(data["unit"], scoping.CHANGE)
        participants = data.pop("participants", None)
        for name, value in data.items():
            setattr(learning_class, name, value)
        class_save(learning_class, participants=participants, actor=request.user, expected_version=expected)
        learning_class = LearningClass.objects.prefetch_related("participants").get(pk=learning_class.pk)
        return self.versioned(learning_class, s.LearningClassSerializer(learning_class).data)
