from pathlib import Path

import pytest
from django.conf import settings

from core.imports.kinds import KINDS


@pytest.mark.django_db
def test_every_import_kind_is_documented_with_its_columns():
    text = (Path(settings.BASE_DIR) / "docs" / "import-formats.md").read_text(encoding="utf-8")
    for name, kind in KINDS.items():
        heading = f"## Loại `{name}`"
        assert heading in text, f"docs/import-formats.md has no section for {name}"
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        for column in kind.columns:
            if column.required:
                assert column.header in section, f"{name}: required column «{column.header}» is not documented"
