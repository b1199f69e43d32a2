"""Password checks of our own: the product's and the association's words are the first a guesser tries."""

import re

from django.core.exceptions import ValidationError

from core.text import fold

PROJECT_WORDS = ("hoikhuyenhoc", "khuyenhoc", "khuyentai", "hoivien", "hkh", "khvn")
MINIMUM_REST = 6


class ProjectWordsValidator:
    """Refuses a password that is the project's words with a few digits or signs around them
    ("KhuyenHoc2026", "Khuyến học!"): what remains once the words are taken out must be at least 6 letters or
    digits."""

    def validate(self, password, user=None):
        rest = re.sub(r"[^a-z0-9]", "", fold(password))
        if not any(word in rest for word in PROJECT_WORDS):
            return
        for word in PROJECT_WORDS:
            rest = rest.replace(word, "")
        if len(rest) < MINIMUM_REST:
            raise ValidationError(
                "Mật khẩu không được dựa vào tên «Khuyến học» hay tên phần mềm: đây là từ người đoán mật khẩu thử "
                "đầu tiên. Hãy chọn một cụm từ khác.",
                code="password_project_word",
            )

    def get_help_text(self):
        return "Mật khẩu không được dựa vào tên «Khuyến học» hay tên phần mềm."
