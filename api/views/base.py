"""What every API view shares: authentication, the one scoping function, filters, ETags, If-Match and
Idempotency-Key, reads on the replica (GET and HEAD, unless the caller wrote a moment ago). Views stay thin: they
call the same services as the forms."""

import datetime
import hashlib
import json
import re

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from chapters import scoping
from chapters.models import Unit
from core.replicas import reading_replica, replica_configured, replica_reads_allowed, write_remembered_elsewhere

from ..models import ApiToken, IdempotentReply
from ..problems import Conflict, PreconditionFailed, PreconditionRequired

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_VERSION = re.compile(r'^\s*(?:W/)?"?(\d+)(?:-[0-9a-f]*)?"?\s*$')

UNIT_PARAM = OpenApiParameter(
    "unit", OpenApiTypes.INT, description="Mã số (id) đơn vị: chỉ lấy dữ liệu của đơn vị này và các đơn vị bên dưới."
)
YEAR_PARAM = OpenApiParameter("year", OpenApiTypes.INT, description="Năm.")
UPDATED_SINCE_PARAM = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    description="Chỉ các bản ghi được tạo hoặc sửa từ thời điểm này (ISO 8601, ví dụ 2026-01-31 hoặc "
    "2026-01-31T08:00:00+07:00).",
)
IF_MATCH_PARAM = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="ETag của bản ghi khi đọc (GET). Bản ghi đã bị sửa sau đó → 412.",
)
IDEMPOTENCY_PARAM = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Khóa do bạn chọn (ví dụ một UUID): gửi lại cùng khóa thì nhận lại cùng kết quả, "
    "không tạo bản ghi mới.",
)


def _json(data) -> bytes:
    return JSONRenderer().render(data)


def parse_day(value: str, name: str) -> datetime.date:
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise exceptions.ValidationError({name: f"«{value}» không phải là ngày (hãy ghi theo dạng YYYY-MM-DD)."})
    return day


def parse_year(value, name: str = "year") -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    if not 1900 <= year <= 2100:
        raise exceptions.ValidationError({name: f"«{value}» không phải là năm (1900–2100)."})
    return year


class ApiView(generics.GenericAPIView):
    """Base of every API view. Writes run in one transaction: an error reply leaves nothing behind."""

    etag_version = None  # set by views that return one versioned record: the ETag then carries its version

    @classmethod
    def as_view(cls, **initkwargs):
        # The API answers 401 itself; the site-wide login redirect must not catch it.
        return login_not_required(super().as_view(**initkwargs))

    # --- dispatch with writes in a transaction and Idempotency-Key ---------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        http_request = request
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)  # authentication reads the primary: a new token works at once
            method = request.method.lower()
            handler = getattr(self, method, None) if method in self.http_method_names else None
            handler = handler or self.http_method_not_allowed
            token = request.auth if isinstance(request.auth, ApiToken) else None
            if request.method in WRITE_METHODS:
                try:
                    response = self._write(request, handler, *args, **kwargs)
                finally:
                    self._remember_write(http_request, token)
            else:
                wrote_at = token.wrote_at.timestamp() if token is not None and token.wrote_at else None
                with reading_replica(replica_reads_allowed(http_request, wrote_at=wrote_at)):
                    response = handler(request, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - DRF's own dispatch does the same: the handler decides
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response

    @staticmethod
    def _remember_write(http_request, token) -> None:
        """Read your writes (core/replicas.py): a token that wrote reads the primary for a while. Its time is kept
        on the token, after the write's transaction, not in a session a script would not carry."""
        if token is None or not replica_configured():
            return
        ApiToken.objects.filter(pk=token.pk).update(wrote_at=timezone.now())
        write_remembered_elsewhere(http_request)

    def _fingerprint(self, request) -> str:
        body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()

    def _write(self, request, handler, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()[:255] if request.method == "POST" else ""
        with transaction.atomic():
            reply = None
            if key:
                fingerprint = self._fingerprint(request)
                reply, created = IdempotentReply.objects.get_or_create(
                    user=request.user, key=key, defaults={"fingerprint": fingerprint}
                )
                if not created:
                    if reply.fingerprint != fingerprint:
                        raise Conflict("Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác.")
                    response = Response(reply.body, status=reply.status)
                    response["Idempotent-Replayed"] = "true"
                    if reply.location:
                        response["Location"] = reply.location
                    return response
            try:
                response = handler(request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                response = self.handle_exception(exc)
            if response.status_code >= 400:
                transaction.set_rollback(True)
            elif reply is not None:
                reply.status = response.status_code
                reply.body = json.loads(_json(response.data)) if response.data is not None else None
                reply.location = response.get("Location", "")[:500]
                reply.save(update_fields=["status", "body", "location"])
            return response

    # --- ETags ---------------------------------------------------------------------------------------------------

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200 and isinstance(response, Response):
            response.render()  # once: the ETag is the digest of the very bytes sent
            digest = hashlib.sha256(response.content).hexdigest()[:16]
            etag = f'"{self.etag_version}-{digest}"' if self.etag_version is not None else f'"{digest}"'
            response["ETag"] = etag
            wanted = [tag.strip().removeprefix("W/") for tag in request.headers.get("If-None-Match", "").split(",")]
            if etag in wanted:
                not_modified = HttpResponseNotModified()
                not_modified["ETag"] = etag
                return not_modified
        return response

    def expected_version(self) -> int:
        """The version the client read, from If-Match (an ETag of ours, or a bare version number)."""
        header = self.request.headers.get("If-Match", "")
        if not header:
            raise PreconditionRequired()
        match = _VERSION.match(header)
        if not match:
            raise PreconditionFailed("Tiêu đề If-Match không phải là ETag của bản ghi này.")
        return int(match.group(1))

    def check_version(self, obj) -> int:
        """Lock the row and refuse a stale If-Match (412) before any service runs."""
        expected = self.expected_version()
        current = type(obj)._default_manager.select_for_update().filter(pk=obj.pk).values_list("version", flat=True)
        if not current or current[0] != expected:
            raise PreconditionFailed()
        return expected

    def versioned(self, obj, data, status=200, headers=None) -> Response:
        """A reply about one record: its ETag carries the version to send back in If-Match."""
        self.etag_version = obj.version
        response = Response(data, status=status, headers=headers)
        if self.request.method != "GET":
            response["ETag"] = f'"{obj.version}"'
        return response


class CreateThroughServiceMixin:
    """POST on a list: the body's types checked by `create_serializer_class`, the record created by
    `create_record` through the resource's service (the form's, with its rules and history), and a 201 with the
    record, its ETag and its Location. Each view documents its POST with `extend_schema_view`."""

    create_serializer_class = None
    detail_path = ""  # "/api/v1/members/{pk}/"

    def post(self, request):
        serializer = self.create_serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = self.create_record(dict(serializer.validated_data))
        location = request.build_absolute_uri(self.detail_path.format(pk=record.pk))
        return self.versioned(record, self.get_serializer(record).data, status=201, headers={"Location": location})

    def create_record(self, data: dict):
        raise NotImplementedError


def create_doc(summary: str, request, response):
    """The documentation of a CreateThroughServiceMixin's POST."""
    return extend_schema_view(
        post=extend_schema(summary=summary, request=request, responses={201: response}, parameters=[IDEMPOTENCY_PARAM])
    )


class ScopedMixin:
    """Querysets through chapters/scoping.py, plus the filters every list shares: unit (its subtree), year,
    updated_since (from the change history)."""

    unit_field = "unit"
    year_field: str | None = None
    history_model = None  # the model whose history tells when a row changed (default: the view's model)

    def base_queryset(self):
        return self.queryset.all()

    def get_queryset(self):
        return scoping.restrict(self.base_queryset(), self.request.user, scoping.VIEW, unit_field=self.unit_field)

    def scoped_unit(self, value, action=scoping.VIEW, name="unit") -> Unit:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise exceptions.ValidationError({name: f"«{value}» không phải là mã số đơn vị."}) from None
        return scoping.get_scoped_object(Unit.objects.all(), self.request.user, action, pk=pk)

    def filter_queryset(self, queryset):
        params = self.request.query_params
        if "unit" in params:
            unit = self.scoped_unit(params["unit"])
            lookup = f"{self.unit_field}__path__startswith" if self.unit_field else "path__startswith"
            queryset = queryset.filter(**{lookup: unit.path})
        if self.year_field and "year" in params:
            queryset = queryset.filter(**{self.year_field: parse_year(params["year"])})
        if "updated_since" in params:
            queryset = self.changed_since(queryset, params["updated_since"])
        return queryset

    def changed_since(self, queryset, value: str):
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None:
            try:
                day = parse_date(value)
            except ValueError:
                day = None
            if day is None:
                raise exceptions.ValidationError(
                    {"updated_since": f"«{value}» không phải là thời điểm (ISO 8601, ví dụ 2026-01-31)."}
                )
            moment = datetime.datetime.combine(day, datetime.time.min)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        model = self.history_model or queryset.model
        if not hasattr(model, "history"):
            raise exceptions.ValidationError({"updated_since": "Danh sách này không lọc được theo thời điểm sửa."})
        changed = model.history.filter(history_date__gte=moment).values("id")
        return queryset.filter(pk__in=changed)
