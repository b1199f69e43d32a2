"""django-import-export resources (admin import/export, export path) and the small fixture files."""

from pathlib import Path

import tablib

from chapters.models import BaselineFigure, ParentLink, Unit, UnitName
from chapters.resources import BaselineFigureResource, UnitResource
from core.imports import jobs
from core.models import ImportJob

FILES = Path(__file__).parent / "files"


def test_unit_resource_exports_the_import_columns_with_codes_not_ids(tree):
    dataset = UnitResource().export(Unit.objects.filter(code="10001-02"), force_native_type=True)
    assert dataset.headers[:7] == [
        "Mã đơn vị",
        "Tên đơn vị",
        "Loại",
        "Cấp",
        "Nơi tổ chức",
        "Loại đơn vị hành chính",
        "Mã đơn vị cấp trên",
    ]
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["Loại"] == "Chi hội" and row["Nơi tổ chức"] == "Trường học" and row["Mã đơn vị cấp trên"] == "10001"


def test_unit_resource_imports_for_the_admin_with_validation_and_tree_history(tree):
    text = (FILES / "don-vi.csv").read_text(encoding="utf-8")
    dataset = tablib.Dataset().load(text, format="csv", delimiter=";")
    result = UnitResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    unit = Unit.objects.get(code="10001-08")
    assert (unit.kind, unit.host, unit.parent) == (Unit.Kind.BOARD, Unit.Host.ENTERPRISE, tree.commune)
    assert unit.path == f"{tree.commune.path}{unit.pk}/"
    assert ParentLink.objects.filter(unit=unit, parent=tree.commune).exists()
    assert UnitName.objects.filter(unit=unit, name="Ban khuyến học Công ty Sông Hồng").exists()


def test_baseline_resource_round_trip(tree):
    text = (FILES / "so-lieu-nen.csv").read_text(encoding="utf-8")
    dataset = tablib.Dataset().load(text, format="csv")
    dataset.headers = ["Mã đơn vị", "Năm", "Dân số", "Số hộ gia đình", "Số đảng viên"]
    # The resource reads plain numbers; the job pipeline below also reads "1.234".
    dataset = tablib.Dataset(
        *[[row[0], row[1], row[2].replace(".", ""), row[3], row[4]] for row in dataset], headers=dataset.headers
    )
    result = BaselineFigureResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert list(BaselineFigure.objects.order_by("year").values_list("year", "population")) == [
        (2023, 1210),
        (2024, 1234),
    ]
    exported = BaselineFigureResource().export(BaselineFigure.objects.order_by("year"), force_native_type=True)
    assert exported[1][:4] == ("10001-01", "Chi hội tổ dân phố số 1", 2024, 1234)


def test_the_fixture_files_go_through_the_import_jobs(tree, commune_secretary):
    for kind, name, expected in [("units", "don-vi.csv", 2), ("baseline", "so-lieu-nen.csv", 2)]:
        path = FILES / name
        job, read = jobs.job_create(kind=kind, path=path, file_name=name, unit=tree.commune, user=commune_secretary)
        jobs.job_commit(jobs.job_validate(job, read), user=commune_secretary)
        assert job.status == ImportJob.Status.DONE, job.errors
        assert job.counts["new"] == expected
    assert BaselineFigure.objects.get(year=2024).population == 1234
