"""Units: search, one unit, the tree at a date, a unit's history and lineage, and its figures."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins
from rest_framework.response import Response

from chapters.models import Lineage, Unit
from chapters.services.tree import subtree_parents_on
from reports.queries import period_figures

from .. import serializers as s
from .base import UNIT_PARAM, UPDATED_SINCE_PARAM, ApiView, ScopedMixin, parse_day, parse_year

PERIODS = {"year": "Y", "h1": "H1", "term": "term"}
TREES = ("past", "today")


class UnitListView(ScopedMixin, mixins.ListModelMixin, ApiView):
    queryset = Unit.objects.all()
    serializer_class = s.UnitSerializer
    unit_field = ""

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        params = self.request.query_params
        if params.get("q"):
            queryset = queryset.search(params["q"])
        if params.get("code"):
            queryset = queryset.filter(code=params["code"])
        for name in ("level", "kind"):
            if params.get(name):
                queryset = queryset.filter(**{name: params[name]})
        if "parent" in params:
            queryset = queryset.filter(parent=self.scoped_unit(params["parent"], name="parent"))
        if "open_on" in params:
            queryset = queryset.open_on(parse_day(params["open_on"], "open_on"))
        return queryset

    @extend_schema(
        summary="Tìm đơn vị",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Tìm theo tên, không cần dấu."),
            OpenApiParameter("code", OpenApiTypes.STR, description="Mã đơn vị."),
            OpenApiParameter("level", OpenApiTypes.STR),
            OpenApiParameter("kind", OpenApiTypes.STR),
            OpenApiParameter("parent", OpenApiTypes.INT, description="Chỉ các đơn vị trực thuộc đơn vị này."),
            OpenApiParameter("open_on", OpenApiTypes.DATE, description="Chỉ các đơn vị hoạt động vào ngày này."),
            UNIT_PARAM,
            UPDATED_SINCE_PARAM,
        ],
    )
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


class UnitDetailView(ScopedMixin, ApiView):
    queryset = Unit.objects.all()
    serializer_class = s.UnitSerializer
    unit_field = ""

    @extend_schema(summary="Một đơn vị")
    def get(self, request, pk):
        unit = self.scoped_unit(pk, name="id")
        return self.versioned(unit, s.UnitSerializer(unit).data)


class UnitTreeView(ScopedMixin, ApiView):
    serializer_class = s.UnitTreeSerializer
    unit_field = ""

    @extend_schema(
        summary="Cây tổ chức dưới một đơn vị tại một ngày",
        parameters=[OpenApiParameter("on", OpenApiTypes.DATE, description="Ngày (mặc định: hôm nay).")],
    )
    def get(self, request, pk):
        unit = self.scoped_unit(pk, name="id")
        on = parse_day(request.query_params["on"], "on") if "on" in request.query_params else timezone.localdate()
        parents = subtree_parents_on(unit, on)
        units = Unit.objects.filter(pk__in=parents).open_on(on).ordered()
        nodes = []
        for node in units:
            named = node.as_on(on) if node.pk == unit.pk or node.active_until else node
            nodes.append(
                {
                    "id": node.pk,
                    "code": named.code,
                    "name": named.name,
                    "kind": node.kind,
                    "level": node.level,
                    "parent": parents.get(node.pk) if node.pk != unit.pk else None,
                    "active_from": node.active_from,
                    "active_until": node.active_until,
                }
            )
        return Response(s.UnitTreeSerializer({"on": on, "root": unit.pk, "units": nodes}).data)


class UnitHistoryView(ScopedMixin, ApiView):
    serializer_class = s.UnitHistorySerializer
    unit_field = ""

    @extend_schema(summary="Lịch sử đơn vị: tên, đơn vị cấp trên, sáp nhập và chia tách")
    def get(self, request, pk):
        unit = self.scoped_unit(pk, name="id")
        data = {
            "unit": unit,
            "names": unit.names.all(),
            "parents": unit.parent_links.select_related("parent").all(),
            "predecessors": Lineage.objects.filter(successor=unit).order_by("on", "pk"),
            "successors": Lineage.objects.filter(predecessor=unit).order_by("on", "pk"),
        }
        return Response(s.UnitHistorySerializer(data).data)


class FiguresView(ScopedMixin, ApiView):
    """The same numbers as the dashboard and the report: reports.queries.period_figures, read from summaries."""

    serializer_class = s.FiguresSerializer
    unit_field = ""

    @extend_schema(
        summary="Số liệu của một đơn vị trong một kỳ, kèm số liệu các đơn vị trực thuộc",
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, required=True),
            OpenApiParameter("period", OpenApiTypes.STR, enum=list(PERIODS), description="Mặc định: year."),
            OpenApiParameter(
                "tree", OpenApiTypes.STR, enum=list(TREES), description="past: cây lúc cuối kỳ; today: cây hôm nay."
            ),
            OpenApiParameter("term_start", OpenApiTypes.INT, description="Năm đầu nhiệm kỳ (period=term)."),
        ],
    )
    def get(self, request, pk):
        unit = self.scoped_unit(pk, name="id")
        params = request.query_params
        if "year" not in params:
            raise exceptions.ValidationError({"year": "Hãy ghi năm (year)."})
        year = parse_year(params["year"])
        period = params.get("period", "year")
        tree = params.get("tree", "past")
        if period not in PERIODS:
            raise exceptions.ValidationError({"period": "Kỳ phải là year, h1 hoặc term."})
        if tree not in TREES:
            raise exceptions.ValidationError({"tree": "Cây phải là past hoặc today."})
        term_start = parse_year(params["term_start"], "term_start") if "term_start" in params else None
        if term_start is not None and not year - 10 < term_start <= year:
            raise exceptions.ValidationError({"term_start": "Năm đầu nhiệm kỳ phải trong 10 năm trước năm báo cáo."})
        f = period_figures(unit, year=year, period=PERIODS[period], tree=tree, term_start=term_start)
        data = {
            "unit": unit.pk,
            "code": unit.code,
            "name": unit.name,
            "year": year,
            "period": period,
            "tree": tree,
            "current": f.current,
            "previous": f.previous,
            "previous_label": f.previous_label,
            "own": f.own,
            "children": [
                {"unit": row["unit"].pk, "code": row["unit"].code, "name": row["name"], "figures": row["figures"]}
                for row in f.children
            ],
            "as_of": f.as_of,
        }
        return Response(s.FiguresSerializer(data).data)


class MeView(ApiView):
    serializer_class = s.MeSerializer

    @extend_schema(summary="Người dùng của token và các vai trò")
    def get(self, request):
        from chapters.models import Role
        from core.text import person_name

        roles = Role.objects.filter(user=request.user).select_related("unit").order_by("unit__path", "kind")
        data = {
            "username": request.user.get_username(),
            "name": person_name(request.user),
            "superuser": request.user.is_superuser,
            "roles": [
                {"kind": r.kind, "unit": r.unit_id, "unit_code": r.unit.code, "unit_name": r.unit.name} for r in roles
            ],
        }
        return Response(s.MeSerializer(data).data)
