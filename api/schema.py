"""OpenAPI post-processing: every operation documents the problem+json errors it can answer with."""

PROBLEM = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "Thông báo lỗi bằng tiếng Việt."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Lỗi theo từng trường.",
        },
        "rows": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer", "nullable": True, "description": "Vị trí dòng trong `rows` (từ 0)."},
                    "column": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
            "description": "Lỗi theo từng dòng (nhập nhiều dòng).",
        },
    },
    "required": ["title", "status", "detail"],
}
READ_ERRORS = {"400": "Tham số không hợp lệ", "401": "Chưa xác thực", "404": "Không tìm thấy hoặc ngoài phạm vi"}
WRITE_ERRORS = {
    "403": "Chỉ có quyền xem",
    "409": "Năm đã khóa sổ, hoặc khóa Idempotency-Key đã dùng cho yêu cầu khác",
    "412": "Phiên bản cũ (If-Match)",
    "422": "Dòng dữ liệu có lỗi (nhập nhiều dòng)",
    "428": "Thiếu If-Match",
}


def add_problem_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    reference = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/") or path.endswith(("openapi.json", "/docs/")):
            continue
        for method, operation in operations.items():
            errors = dict(READ_ERRORS, **{"429": "Quá nhiều yêu cầu"})
            if method != "get":
                errors.update(WRITE_ERRORS)
            for code, description in errors.items():
                operation.setdefault("responses", {}).setdefault(
                    code, {"description": description, "content": reference}
                )
    return result
