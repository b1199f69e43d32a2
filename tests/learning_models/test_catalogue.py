"""The shipped catalogue and criteria sets as editable data: which set applies, copying and adapting one."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from learning_models.catalogue import install
from learning_models.models import CriteriaSet, Criterion, TitleType
from learning_models.services.catalogue import CriterionRow, criteria_set_copy, criteria_set_for, criteria_set_update
from learning_models.services.records import registration_create

from .conftest import YEAR


def rows_of(criteria_set):
    codes = {c.pk: c.code for c in criteria_set.criteria.all()}
    return [
        CriterionRow(c.code, c.label, codes.get(c.parent_id, ""), c.max_points, c.min_points)
        for c in criteria_set.criteria.all()
    ]


def test_national_titles_are_shipped_with_their_targets(db):
    titles = {t.code: t for t in TitleType.objects.all()}
    assert titles["gdht"].name == "Gia đình học tập" and titles["gdht"].national_target == 70
    assert titles["dhht"].national_target == 65 and titles["dvht-xa"].years_valid == 3
    assert {"gd-hieu-hoc", "gd-tu-tai", "gd-cu-nhan", "dh-tien-tien", "kdc-khuyen-hoc", "cdanht"} <= set(titles)


def test_learning_family_set_follows_decision_448(db):
    family = CriteriaSet.objects.get(title_type__code="gdht", issuer=None, recognition_only=False)
    tops = family.criteria_tree()
    assert [(t.code, t.max_points) for t in tops] == [("1", 30), ("2", 30), ("3", 20), ("4", 20)]
    assert [(i.code, i.max_points) for i in tops[0].items] == [("1.1", 10), ("1.2", 10), ("1.3", 10)]
    assert family.total_points == 100 and family.threshold == 80


def test_installing_again_adds_nothing_and_keeps_edits(db):
    TitleType.objects.filter(code="gdht").update(name="Gia đình học tập (sửa)")
    assert install(TitleType, CriteriaSet, Criterion) == {"title_types": 0, "criteria_sets": 0}
    assert TitleType.objects.get(code="gdht").name == "Gia đình học tập (sửa)"


def test_a_province_copy_applies_to_its_units_from_its_first_year(tree, administrator, gdht):
    national = criteria_set_for(title_type=gdht, unit=tree.chapter, year=YEAR)
    own = criteria_set_copy(source=national, issuer=tree.province, name="", year_from=YEAR, actor=administrator)
    assert own.criteria.count() == national.criteria.count() == 7
    assert own.criteria.get(code="1.2").parent.code == "1"
    assert criteria_set_for(title_type=gdht, unit=tree.chapter, year=YEAR) == own
    assert criteria_set_for(title_type=gdht, unit=tree.chapter, year=YEAR - 1) == national


def test_only_an_administrator_of_the_province_copies_a_set(tree, officer, gdht):
    national = CriteriaSet.objects.get(title_type=gdht, issuer=None, recognition_only=False)
    with pytest.raises(PermissionDenied):
        criteria_set_copy(source=national, issuer=tree.province, name="", year_from=YEAR, actor=officer)
    assert CriteriaSet.objects.filter(title_type=gdht, issuer__isnull=False).count() == 0


def test_adapting_a_set_checks_that_sub_items_add_up(tree, administrator, gdht):
    own = criteria_set_copy(
        source=CriteriaSet.objects.get(title_type=gdht, issuer=None, recognition_only=False),
        issuer=tree.province,
        name="",
        year_from=YEAR,
    )
    rows = rows_of(own)
    rows[1].max_points = Decimal(15)  # 1.1 now 15: 15 + 10 + 10 ≠ 30
    with pytest.raises(ValidationError, match="cộng lại 35 điểm"):
        criteria_set_update(own, rows=rows, actor=administrator)
    rows[0].max_points = Decimal(35)
    rows[5].max_points = Decimal(15)  # criterion 4 down to 15 keeps the set at 100
    criteria_set_update(own, rows=rows, threshold=Decimal(75), actor=administrator)
    own.refresh_from_db()
    assert own.total_points == 100 and own.threshold == 75


def test_a_set_in_use_keeps_its_structure(families, tree, gdht):
    own = criteria_set_copy(
        source=CriteriaSet.objects.get(title_type=gdht, issuer=None, recognition_only=False),
        issuer=tree.province,
        name="",
        year_from=YEAR,
    )
    registration_create(title_type=gdht, year=YEAR, household=families.an)
    rows = rows_of(own)
    rows.append(CriterionRow("5", "Tiêu chí mới", "", Decimal(10)))
    with pytest.raises(ValidationError, match="đã được dùng cho 1 hồ sơ"):
        criteria_set_update(own, rows=rows)
    rows.pop()
    rows[0].label = "Học tập của con cháu"
    criteria_set_update(own, rows=rows)
    assert own.criteria.get(code="1").label == "Học tập của con cháu"


def test_load_title_types_command_adds_what_is_missing(db):
    import io

    from django.core.management import call_command

    CriteriaSet.objects.filter(title_type__code="gd-cu-nhan").delete()
    TitleType.objects.filter(code="gd-cu-nhan").delete()
    out = io.StringIO()
    call_command("load_title_types", stdout=out)
    assert "Đã thêm 1 danh hiệu và 1 bộ tiêu chí" in out.getvalue()
    assert CriteriaSet.objects.get(title_type__code="gd-cu-nhan").criteria.count() == 0


def test_catalogue_screens(client_for, viewer, administrator, tree, client):
    from django.urls import reverse

    assert client.get(reverse("learning_models:titletype_list")).status_code == 302
    page = client_for(viewer).get(reverse("learning_models:titletype_list")).content.decode()
    assert "Gia đình học tập" in page and "Quyết định 448" in page
    family = TitleType.objects.get(code="gdht")
    assert client_for(viewer).get(reverse("learning_models:titletype_update", args=[family.pk])).status_code == 403
    url = reverse("learning_models:target_list") + f"?unit={tree.province.pk}"
    assert client_for(viewer).post(url, {"title_type": family.pk, "year": 2025, "percent": "75"}).status_code in (
        403,
        404,
    )
    response = client_for(administrator).post(
        url, {"unit": tree.province.pk, "title_type": family.pk, "year": 2025, "percent": "75", "basis": "NQ 12"}
    )
    assert response.status_code == 302
    assert family.targets.get(unit=tree.province, year=2025).percent == 75
    local = client_for(administrator).post(
        reverse("learning_models:titletype_create"),
        {"code": "gd-hieu-hoc-2", "name": "Gia đình hiếu học tiêu biểu", "subject_kind": "household",
         "years_valid": 1, "owner": tree.province.pk, "active": "on", "order": 150},
    )  # fmt: skip
    assert local.status_code == 302
    assert TitleType.objects.get(code="gd-hieu-hoc-2").owner == tree.province
