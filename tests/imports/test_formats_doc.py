"""docs/import-formats.md shows each kind's columns as the kind declares them (issue 20: no column defined twice)."""

import dataclasses

import pytest
from django.core.management import CommandError, call_command

from core.imports.formats import column_table, documented, missing
from core.imports.kinds import all_kinds, get_kind


def test_the_page_matches_every_kinds_declaration():
    call_command("import_formats")  # raises CommandError when a table differs or a kind has none


def test_every_kind_has_its_table_on_the_page(settings):
    text = (settings.BASE_DIR / "docs" / "import-formats.md").read_text(encoding="utf-8")
    assert missing(text, all_kinds()) == []


def test_a_column_changed_in_code_makes_the_page_stale():
    kind = get_kind("members")
    page = column_table(kind)
    changed = dataclasses.replace(kind.columns[0], help="Cách ghi mới.")

    class Changed:
        name, columns = kind.name, [changed, *kind.columns[1:]]

    assert documented(page, [Changed]) != page
    assert "Cách ghi mới." in documented(page, [Changed])


def test_the_command_refuses_a_stale_page_without_write(tmp_path):
    stale = tmp_path / "page.md"
    stale.write_text("<!-- cột: members -->\n| cũ |\n<!-- /cột -->\n", encoding="utf-8")
    with pytest.raises(CommandError, match="chưa có bảng cột"):
        call_command("import_formats", file=str(stale))
