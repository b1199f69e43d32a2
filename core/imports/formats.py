"""The column tables of docs/import-formats.md, written from the kinds' own declarations.

A kind's `columns` are the one place its columns live: the importer matches headers with them, the exports and
the blank template write them, and the documentation's table of each kind is generated here between the markers
`<!-- cột: KIND -->` and `<!-- /cột -->` (`manage.py import_formats --write`; a test fails when the page and
the declarations differ).
"""

import re

START = "<!-- cột: {name} -->"
END = "<!-- /cột -->"
_BLOCK = re.compile(r"<!-- cột: (?P<name>[a-z_]+) -->\n.*?<!-- /cột -->", re.S)


def _cell(text) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ").strip()


def column_table(kind) -> str:
    """The Markdown table of `kind`'s columns (its `documented_columns` where the columns depend on the database):
    header, required, how to write it, example, other names."""
    lines = [
        START.format(name=kind.name),
        "| Cột | Bắt buộc | Cách ghi | Ví dụ | Tên cột cũng nhận |",
        "|---|---|---|---|---|",
    ]
    columns = kind.documented_columns if hasattr(kind, "documented_columns") else kind.columns
    for column in columns:
        aliases = ", ".join(column.aliases)
        required = "có" if column.required else ""
        cells = [column.header, required, column.help, column.example, aliases]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    lines.append(END)
    return "\n".join(lines)


def documented(text: str, kinds) -> str:
    """`text` (the page) with every kind's block replaced by the table its declaration gives."""
    by_name = {kind.name: kind for kind in kinds}

    def table(match: re.Match) -> str:
        kind = by_name.get(match["name"])
        return column_table(kind) if kind is not None else match[0]

    return _BLOCK.sub(table, text)


def missing(text: str, kinds) -> list[str]:
    """The kinds that have no block in the page."""
    present = set(_BLOCK_NAMES.findall(text))
    return [kind.name for kind in kinds if kind.name not in present]


_BLOCK_NAMES = re.compile(r"<!-- cột: ([a-z_]+) -->")
