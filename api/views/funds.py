"""Funds, vouchers and the cash book."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.response import Response

from chapters import scoping
from funds.models import Fund, Transaction
from funds.queries import cash_book
from funds.services.vouchers import transaction_create

from .. import serializers as s
from .base import (
    UNIT_PARAM,
    UPDATED_SINCE_PARAM,
    YEAR_PARAM,
    ApiView,
    CreateThroughServiceMixin,
    ScopedMixin,
    create_doc,
    parse_day,
)


class FundListView(ScopedMixin, mixins.ListModelMixin, ApiView):
    queryset = Fund.objects.all()
    serializer_class = s.FundSerializer

    @extend_schema(summary="Các quỹ", parameters=[UNIT_PARAM, UPDATED_SINCE_PARAM])
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


@create_doc("Lập phiếu thu hoặc phiếu chi", s.VoucherCreateSerializer, s.VoucherSerializer)
class VoucherListView(ScopedMixin, CreateThroughServiceMixin, mixins.ListModelMixin, ApiView):
    queryset = Transaction.objects.all()
    serializer_class = s.VoucherSerializer
    create_serializer_class = s.VoucherCreateSerializer
    detail_path = "/api/v1/vouchers/{pk}/"
    year_field = "year"

    @extend_schema(summary="Phiếu thu, phiếu chi", parameters=[UNIT_PARAM, YEAR_PARAM, UPDATED_SINCE_PARAM])
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def create_record(self, data):
        fund_id = data.pop("fund")
        fund = scoping.get_scoped_object(
            Fund.objects.select_related("unit"), self.request.user, scoping.CHANGE, pk=fund_id
        )
        return transaction_create(fund=fund, actor=self.request.user, history_reason="Lập qua API", **data)


class VoucherDetailView(ScopedMixin, ApiView):
    queryset = Transaction.objects.all()
    serializer_class = s.VoucherSerializer

    @extend_schema(summary="Một phiếu thu, phiếu chi")
    def get(self, request, pk):
        voucher = scoping.get_scoped_object(self.get_queryset(), request.user, pk=pk)
        return self.versioned(voucher, s.VoucherSerializer(voucher).data)


class CashBookView(ScopedMixin, ApiView):
    queryset = Fund.objects.all()
    serializer_class = s.CashBookSerializer

    @extend_schema(
        summary="Sổ quỹ: các phiếu giữa hai ngày với số dư sau từng phiếu",
        parameters=[OpenApiParameter("start", OpenApiTypes.DATE), OpenApiParameter("end", OpenApiTypes.DATE)],
    )
    def get(self, request, pk):
        fund = scoping.get_scoped_object(self.get_queryset(), request.user, pk=pk)
        params = request.query_params
        start = parse_day(params["start"], "start") if "start" in params else None
        end = parse_day(params["end"], "end") if "end" in params else None
        book = cash_book(fund, start, end)
        rows = [
            {
                "id": row.pk,
                "number": row.number,
                "date": row.date,
                "kind": row.kind,
                "purpose": row.purpose,
                "counterparty_name": row.counterparty_name,
                "receipt": row.delta if row.kind == Transaction.Kind.RECEIPT else 0,
                "payment": -row.delta if row.kind == Transaction.Kind.PAYMENT else 0,
                "balance": row.running,
            }
            for row in book.rows
        ]
        data = {
            "fund": fund.pk,
            "start": start,
            "end": end,
            "opening": book.opening,
            "receipts": book.receipts,
            "payments": book.payments,
            "closing": book.closing,
            "rows": rows,
        }
        return Response(s.CashBookSerializer(data).data)
