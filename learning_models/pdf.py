"""Printable documents of the titles: a certificate and the list attached to a recognition decision.

Rendered with WeasyPrint from templates/pdf/learning_models/, with the fonts shipped in static/fonts (Liberation
Serif, metric-compatible with Times New Roman and complete for Vietnamese), so no network is needed.
"""

from chapters.models import Unit
from core.formatting import long_date
from learning_models.models import TitleRecord
from learning_models.services.records import approving_unit


def place_name(unit: Unit) -> str:
    """ "Bạch Đằng" for "Phường Bạch Đằng": the place a document is signed in."""
    name = unit.name
    if unit.division_type and name.lower().startswith(unit.division_type.lower() + " "):
        return name[len(unit.division_type) + 1 :]
    for prefix in ("Phường ", "Xã ", "Thị trấn ", "Tỉnh ", "Thành phố ", "Quận ", "Huyện "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def certificate_context(record: TitleRecord) -> dict:
    association = approving_unit(record.unit)
    address = ""
    if record.household_id:
        address = record.household.address
    chapter = record.unit.display_name if record.unit_id != record.subject_unit_id else ""
    return {
        "record": record,
        "association": association,
        "chapter": chapter,
        "address": address,
        "place": place_name(association),
        "signed": long_date(record.decision_date) if record.decision_date else "",
        "years": (
            f"năm {record.year}"
            if not record.valid_until_year or record.valid_until_year == record.year
            else f"giai đoạn {record.year}–{record.valid_until_year}"
        ),
        "subject_line": _subject_line(record),
    }


def _subject_line(record: TitleRecord) -> str:
    if record.household_id:
        return f"Gia đình ông (bà) {record.subject_name}"
    return record.subject_name


def decision_list_context(unit: Unit, year: int, number: str, records: list[TitleRecord]) -> dict:
    first = records[0] if records else None
    groups: dict[str, list[TitleRecord]] = {}
    for record in records:
        groups.setdefault(record.title_type.name, []).append(record)
    return {
        "unit": unit,
        "year": year,
        "number": number,
        "decision_date": first.decision_date if first else None,
        "issuer": first.decision_issuer if first else "",
        "groups": groups,
        "count": len(records),
        "place": place_name(unit),
        "signed": long_date(first.decision_date) if first and first.decision_date else "",
    }
