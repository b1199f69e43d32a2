"""Members (masked and logged as on the screens), dues, households and clans."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins
from rest_framework.response import Response

from chapters import scoping
from chapters.models import Unit
from members import services
from members.models import Clan, Due, Household, Member, MoveRequest, PersonalDataAccess
from members.privacy import access_log

from .. import serializers as s
from .base import (
    IDEMPOTENCY_PARAM,
    IF_MATCH_PARAM,
    UNIT_PARAM,
    UPDATED_SINCE_PARAM,
    YEAR_PARAM,
    ApiView,
    CreateThroughServiceMixin,
    ScopedMixin,
    create_doc,
)


class LoggedListMixin:
    """A page of members, households or clans (names, heads, representatives, addresses, phones) is a copy of
    personal data leaving the screens: logged like an export."""

    log_detail = ""

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        access_log(request.user, page, PersonalDataAccess.Action.EXPORT, self.log_detail)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@create_doc("Thêm hội viên", s.MemberCreateSerializer, s.MemberSerializer)
class MemberListView(LoggedListMixin, ScopedMixin, CreateThroughServiceMixin, mixins.ListModelMixin, ApiView):
    """A page of members is a copy of personal data leaving the screens: logged like an export."""

    queryset = Member.objects.select_related("unit")
    serializer_class = s.MemberSerializer
    create_serializer_class = s.MemberCreateSerializer
    detail_path = "/api/v1/members/{pk}/"
    log_detail = "API: danh sách hội viên"

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        params = self.request.query_params
        if params.get("q"):
            queryset = queryset.search(params["q"])
        if params.get("status") == "active":
            queryset = queryset.filter(left_on__isnull=True)
        elif params.get("status") == "left":
            queryset = queryset.filter(left_on__isnull=False)
        return queryset

    @extend_schema(
        summary="Danh sách hội viên",
        parameters=[
            UNIT_PARAM,
            UPDATED_SINCE_PARAM,
            OpenApiParameter("q", OpenApiTypes.STR, description="Tìm theo họ tên, không cần dấu."),
            OpenApiParameter("status", OpenApiTypes.STR, enum=["active", "left"]),
        ],
    )
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def create_record(self, data):
        unit = self.scoped_unit(data.pop("unit"), scoping.CHANGE)
        return services.member_create(
            actor=self.request.user, unit=unit, joined_on=data.pop("joined_on"), reason="Thêm qua API", **data
        )


class MemberDetailView(ScopedMixin, ApiView):
    queryset = Member.objects.select_related("unit")
    serializer_class = s.MemberSerializer

    def member(self, pk, action=scoping.VIEW) -> Member:
        return scoping.get_scoped_object(self.get_queryset(), self.request.user, action, pk=pk)

    def action_data(self, pk, serializer_class) -> tuple[Member, dict]:
        """What every action on one member starts with: the member within the caller's scope to change, the body
        validated by `serializer_class`, the If-Match header checked against the member's version."""
        member = self.member(pk, scoping.CHANGE)
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        self.check_version(member)
        return member, serializer.validated_data

    @extend_schema(summary="Một hội viên")
    def get(self, request, pk):
        member = self.member(pk)
        access_log(request.user, [member], PersonalDataAccess.Action.VIEW, "API")
        return self.versioned(member, self.get_serializer(member).data)

    @extend_schema(
        summary="Sửa thông tin hội viên",
        request=s.MemberFieldsSerializer(partial=True),
        responses={200: s.MemberSerializer},
        parameters=[IF_MATCH_PARAM],
    )
    def patch(self, request, pk):
        member = self.member(pk, scoping.CHANGE)
        serializer = s.MemberFieldsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        expected = self.check_version(member)
        services.member_update(
            member, actor=request.user, expected_version=expected, reason="Sửa qua API", **serializer.validated_data
        )
        member.refresh_from_db()
        return self.versioned(member, self.get_serializer(member).data)


class MemberMoveView(MemberDetailView):
    serializer_class = s.MoveResultSerializer

    @extend_schema(
        summary="Chuyển sinh hoạt",
        request=s.MemberMoveSerializer,
        responses={200: s.MoveResultSerializer},
        parameters=[IF_MATCH_PARAM],
    )
    def post(self, request, pk):
        member, data = self.action_data(pk, s.MemberMoveSerializer)
        # As on the move form: any open chapter; outside the caller's scope the move becomes a request.
        to_unit = Unit.objects.filter(pk=data["to_unit"], level=Unit.Level.GRASSROOTS).open_today().first()
        if to_unit is None:
            raise exceptions.ValidationError({"to_unit": "Không có chi hội đang hoạt động nào mang mã số này."})
        result = services.member_move(
            member, actor=request.user, to_unit=to_unit, on=data["on"], note=data.get("note", "")
        )
        member.refresh_from_db()
        moved = not isinstance(result, MoveRequest)
        body = {"moved": moved, "member": member, "request_id": None if moved else result.pk}
        return self.versioned(member, s.MoveResultSerializer(body, context={"request": request}).data)


class MemberLeaveView(MemberDetailView):
    serializer_class = s.MemberSerializer

    @extend_schema(
        summary="Ra hội (chuyển đi, thôi tham gia, từ trần)",
        request=s.MemberLeaveSerializer,
        responses={200: s.MemberSerializer},
        parameters=[IF_MATCH_PARAM],
    )
    def post(self, request, pk):
        member, data = self.action_data(pk, s.MemberLeaveSerializer)
        services.member_leave(member, actor=request.user, **data)
        member.refresh_from_db()
        return self.versioned(member, self.get_serializer(member).data)


class DueListView(ScopedMixin, mixins.ListModelMixin, ApiView):
    queryset = Due.objects.all()
    serializer_class = s.DueSerializer
    year_field = "year"

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if "member" in self.request.query_params:
            try:
                queryset = queryset.filter(member_id=int(self.request.query_params["member"]))
            except ValueError:
                raise exceptions.ValidationError({"member": "Mã số hội viên phải là số."}) from None
        return queryset

    @extend_schema(
        summary="Hội phí đã nộp",
        parameters=[UNIT_PARAM, YEAR_PARAM, UPDATED_SINCE_PARAM, OpenApiParameter("member", OpenApiTypes.INT)],
    )
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(
        summary="Ghi nhận hội phí của nhiều hội viên cho một năm",
        request=s.DuesCreateSerializer,
        responses={200: s.DuesResultSerializer},
        parameters=[IDEMPOTENCY_PARAM],
    )
    def post(self, request):
        serializer = s.DuesCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        ids = set(data.pop("members"))
        visible = list(scoping.restrict(Member.objects.select_related("unit"), request.user).filter(pk__in=ids))
        if len(visible) != len(ids):
            raise exceptions.NotFound()
        for member in visible:
            if not scoping.can(request.user, scoping.CHANGE, member.unit):
                raise PermissionDenied(f"Bạn không có quyền ghi hội phí của {member.full_name}.")
        result = services.dues_mark_paid(actor=request.user, members=visible, **data)
        body = {key: sorted(m.pk for m in members) for key, members in result.items()}
        return Response(s.DuesResultSerializer(body).data)


class HouseholdListView(LoggedListMixin, ScopedMixin, mixins.ListModelMixin, ApiView):
    queryset = Household.objects.all()
    serializer_class = s.HouseholdSerializer
    log_detail = "API: danh sách hộ gia đình"

    @extend_schema(summary="Hộ gia đình", parameters=[UNIT_PARAM, UPDATED_SINCE_PARAM])
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


class ClanListView(LoggedListMixin, ScopedMixin, mixins.ListModelMixin, ApiView):
    queryset = Clan.objects.all()
    serializer_class = s.ClanSerializer
    log_detail = "API: danh sách dòng họ"

    @extend_schema(summary="Dòng họ", parameters=[UNIT_PARAM, UPDATED_SINCE_PARAM])
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)
