"""Errors as RFC 9457 problem details (`application/problem+json`), with a Vietnamese `detail` and, for bad
input, the messages per field (`errors`) or per row (`rows`)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from chapters.services.periods import PeriodClosed
from chapters.services.records import EditConflict

PROBLEM_TYPE = "application/problem+json"
NOT_FOUND = "Không tìm thấy, hoặc nằm ngoài phạm vi của bạn."
TITLES = {
    400: "Dữ liệu không hợp lệ",
    401: "Chưa xác thực",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    406: "Định dạng không được hỗ trợ",
    409: "Xung đột",
    412: "Phiên bản đã cũ",
    415: "Kiểu nội dung không được hỗ trợ",
    422: "Không xử lý được",
    428: "Thiếu phiên bản",
    429: "Quá nhiều yêu cầu",
}


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "Bản ghi đã được sửa sau phiên bản bạn gửi (If-Match); hãy đọc lại rồi gửi lại thay đổi."


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Hãy gửi tiêu đề If-Match với ETag của bản ghi đã đọc, để không ghi đè thay đổi của người khác."


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Xung đột với dữ liệu hiện có."


def problem(status_code: int, detail: str, **extra) -> Response:
    body = {"type": "about:blank", "title": TITLES.get(status_code, "Lỗi"), "status": status_code, "detail": detail}
    body.update({key: value for key, value in extra.items() if value})
    return Response(body, status=status_code, content_type=PROBLEM_TYPE)


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _field_errors(detail) -> dict:
    """DRF's nested error detail as {field: [messages]}, nested fields joined with dots."""
    errors: dict[str, list[str]] = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            errors.setdefault(prefix or "non_field_errors", []).extend(_flatten(value))

    walk("", detail)
    return errors


def django_validation_problem(error: DjangoValidationError, status_code: int = 400) -> Response:
    if hasattr(error, "error_dict"):
        errors = {
            field: [str(m) for m in DjangoValidationError(msgs).messages] for field, msgs in error.error_dict.items()
        }
        errors = {("non_field_errors" if f == "__all__" else f): m for f, m in errors.items()}
        return problem(status_code, " ".join(_flatten(errors)), errors=errors)
    return problem(status_code, " ".join(error.messages))


def exception_handler(exc, context):
    headers = {}
    if isinstance(exc, EditConflict):
        return problem(412, " ".join(exc.messages))
    if isinstance(exc, PeriodClosed):
        return problem(409, " ".join(exc.messages))
    if isinstance(exc, DjangoValidationError):
        return django_validation_problem(exc)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return problem(404, NOT_FOUND)
    if isinstance(exc, PermissionDenied):
        return problem(403, str(exc) or "Bạn không có quyền làm việc này.")
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: Django's 500 handler and logging take it
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    code = exc.status_code
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        response = problem(400, " ".join(_flatten(exc.detail)) or TITLES[400], errors=errors)
    elif isinstance(exc, exceptions.ParseError):
        where = str(exc.detail).partition(" - ")[2]
        response = problem(400, "Nội dung gửi lên không phải JSON hợp lệ" + (f" ({where})." if where else "."))
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        response = problem(415, "Hãy gửi dữ liệu dạng JSON (Content-Type: application/json).")
    elif isinstance(exc, exceptions.NotAcceptable):
        response = problem(406, "API chỉ trả dữ liệu dạng JSON (Accept: application/json).")
    elif isinstance(exc, exceptions.NotAuthenticated):
        response = problem(401, "Hãy gửi token API (Authorization: Bearer …) hoặc đăng nhập.")
    elif isinstance(exc, exceptions.Throttled):
        response = problem(429, f"Token này đã gửi quá nhiều yêu cầu; hãy thử lại sau {int(exc.wait or 1)} giây.")
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        response = problem(
            403, "Yêu cầu ghi từ trình duyệt phải gửi kèm mã CSRF (tiêu đề X-CSRFToken); hệ thống khác hãy dùng token."
        )
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail) == exceptions.PermissionDenied.default_detail:
        response = problem(403, "Bạn không có quyền làm việc này.")
    else:
        response = problem(code, " ".join(_flatten(exc.detail)))
    for name, value in headers.items():
        response[name] = value
    return response
