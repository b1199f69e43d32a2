"""Award decisions and their recipients (read only: decisions are made on the screens)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins

from awards.models import Decision, Recipient
from chapters import scoping

from .. import serializers as s
from .base import UNIT_PARAM, UPDATED_SINCE_PARAM, YEAR_PARAM, ApiView, ScopedMixin


class DecisionListView(ScopedMixin, mixins.ListModelMixin, ApiView):
    queryset = Decision.objects.all()
    serializer_class = s.DecisionSerializer
    year_field = "year"

    @extend_schema(summary="Quyết định khen thưởng", parameters=[UNIT_PARAM, YEAR_PARAM, UPDATED_SINCE_PARAM])
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


class DecisionDetailView(ScopedMixin, ApiView):
    queryset = Decision.objects.prefetch_related("recipients")
    serializer_class = s.DecisionDetailSerializer

    @extend_schema(summary="Một quyết định khen thưởng và người, tập thể được khen")
    def get(self, request, pk):
        decision = scoping.get_scoped_object(self.get_queryset(), request.user, pk=pk)
        return self.versioned(decision, s.DecisionDetailSerializer(decision).data)


class RecipientListView(ScopedMixin, mixins.ListModelMixin, ApiView):
    """A recipient is seen by whoever sees its decision."""

    queryset = Recipient.objects.all()
    serializer_class = s.RecipientSerializer
    unit_field = "decision__unit"
    year_field = "decision__year"

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        params = self.request.query_params
        if "decision" in params:
            try:
                queryset = queryset.filter(decision_id=int(params["decision"]))
            except ValueError:
                raise exceptions.ValidationError({"decision": "Mã số quyết định phải là số."}) from None
        return queryset

    @extend_schema(
        summary="Người, tập thể được khen thưởng",
        parameters=[OpenApiParameter("decision", OpenApiTypes.INT), UNIT_PARAM, YEAR_PARAM, UPDATED_SINCE_PARAM],
    )
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)
