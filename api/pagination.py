"""Cursor pagination in a stable order (by id): a client mirroring a big list never skips or repeats a row
when rows are added meanwhile."""

from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"
    ordering = "pk"
    invalid_cursor_message = "Con trỏ trang (cursor) không hợp lệ."
