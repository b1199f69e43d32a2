"""django-import-export resources for units and baseline figures (style.md, Import and export).

Their columns are the import kinds' columns (chapters/imports/units.py, baseline.py), same Vietnamese headers in
the same order, so a file exported here, from the admin or from `export_data`, imports back unchanged. Foreign
keys are written and read by a unit's code, never a database id. They serve the admin's import/export and the
export path of the two kinds; the web and command imports go through chapters/imports (jobs with preview,
legacy encodings, bulk validation and the closed-period guard).
"""

from django.db.models import Q
from django.utils import timezone
from import_export import fields, resources, widgets

from chapters.imports.baseline import baseline_kind
from chapters.imports.units import parse_unit_host, parse_unit_kind, parse_unit_level, units_kind
from chapters.models import BaselineFigure, ParentLink, Unit, UnitName
from core.spreadsheets.parsing import ParseError, parse_date


def _header(kind, field_name: str) -> str:
    return kind.column(field_name).header


class ParserWidget(widgets.Widget):
    """Reads a cell with an import parser (labels, accents, dd/mm/yyyy...) and writes the Vietnamese label."""

    def __init__(self, parser, labels: dict | None = None):
        super().__init__(coerce_to_string=False)
        self.parser, self.labels = parser, labels or {}

    def clean(self, value, row=None, **kwargs):
        try:
            return self.parser(value)
        except ParseError as error:
            raise ValueError(str(error)) from error

    def render(self, value, obj=None, **kwargs):
        return self.labels.get(value, value) if value not in (None, "") else ""


class UnitCodeWidget(widgets.ForeignKeyWidget):
    """A unit by code; among units that bore the code, the one open today, else the latest."""

    def __init__(self):
        super().__init__(Unit, "code")

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        today = timezone.localdate()
        units = Unit.objects.filter(code__iexact=str(value).strip())
        unit = units.filter(Q(active_until__isnull=True) | Q(active_until__gte=today)).first()
        unit = unit or units.order_by("-active_from").first()
        if unit is None:
            raise ValueError(f"Mã đơn vị {value} không tồn tại.")
        return unit


DATE = ParserWidget(parse_date)


class UnitResource(resources.ModelResource):
    code = fields.Field("code", _header(units_kind, "code"))
    name = fields.Field("name", _header(units_kind, "name"))
    kind = fields.Field(
        "kind", _header(units_kind, "kind"), widget=ParserWidget(parse_unit_kind, dict(Unit.Kind.choices))
    )
    level = fields.Field(
        "level", _header(units_kind, "level"), widget=ParserWidget(parse_unit_level, dict(Unit.Level.choices))
    )
    host = fields.Field(
        "host", _header(units_kind, "host"), widget=ParserWidget(parse_unit_host, dict(Unit.Host.choices))
    )
    division_type = fields.Field("division_type", _header(units_kind, "division_type"))
    parent = fields.Field("parent", _header(units_kind, "parent_code"), widget=UnitCodeWidget())
    active_from = fields.Field("active_from", _header(units_kind, "active_from"), widget=DATE)
    active_until = fields.Field("active_until", _header(units_kind, "active_until"), widget=DATE)
    address = fields.Field("address", _header(units_kind, "address"))
    merged_from = fields.Field(column_name=_header(units_kind, "merged_from"), readonly=True)

    class Meta:
        model = Unit
        import_id_fields = ("code",)
        fields = (
            "code",
            "name",
            "kind",
            "level",
            "host",
            "division_type",
            "parent",
            "active_from",
            "active_until",
            "address",
            "merged_from",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def dehydrate_merged_from(self, unit: Unit) -> str:
        return ", ".join(sorted(link.predecessor.code for link in unit.predecessor_links.all()))

    def after_save_instance(self, instance: Unit, row, **kwargs):
        # What unit_create writes besides the unit (the admin import saves units one by one).
        if kwargs.get("dry_run") or instance.names.exists():
            return
        if instance.parent_id:
            ParentLink.objects.create(unit=instance, parent_id=instance.parent_id, valid_from=instance.active_from)
        UnitName.objects.create(unit=instance, name=instance.name, code=instance.code, valid_from=instance.active_from)


class BaselineFigureResource(resources.ModelResource):
    unit = fields.Field("unit", _header(baseline_kind, "unit_code"), widget=UnitCodeWidget())
    unit_name = fields.Field(column_name=_header(baseline_kind, "unit_name"), readonly=True)
    year = fields.Field("year", _header(baseline_kind, "year"), widget=widgets.IntegerWidget(coerce_to_string=False))

    class Meta:
        model = BaselineFigure
        import_id_fields = ("unit", "year")
        fields = ("unit", "unit_name", "year", *BaselineFigure.FIELDS, "notes")
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        column = baseline_kind.column(field_name)
        if column is not None:
            field.column_name = column.header
        if field_name in BaselineFigure.FIELDS:
            field.widget = widgets.IntegerWidget(coerce_to_string=False)
        return field

    def dehydrate_unit_name(self, figure: BaselineFigure) -> str:
        return figure.unit.name
