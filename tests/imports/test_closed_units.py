"""Historic units hold what they held (issue #13, item 5): a closed unit (a pre-reform district association, a
merged commune) gets a fund and user roles, and its back data is keyed by its own or its successor's secretaries
and officers, for the dates when it was open."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from chapters import scoping
from chapters.imports.forms import UploadForm
from chapters.models import BaselineFigure, Role, Unit
from chapters.services import tree as tree_services
from chapters.services.records import record_save
from chapters.services.users import role_grant
from core.imports import jobs
from core.models import ImportJob
from funds import services as fund_services
from funds.forms import FundForm
from funds.models import Fund, Transaction
from tests.factories import CommuneFactory, RoleFactory, UnitFactory, UserFactory

D = datetime.date
CLOSED_ON = D(2025, 6, 30)  # the last day the district association was open (inclusive)
VOUCHERS = ["Mã đơn vị", "Quỹ", "Số phiếu", "Loại phiếu", "Ngày", "Số tiền", "Họ và tên", "Là", "Mục đích"]


@pytest.fixture
def district(tree):
    """A pre-reform district association of the province, closed on 30/06/2025."""
    return UnitFactory(
        parent=tree.province,
        kind=Unit.Kind.ASSOCIATION,
        level=Unit.Level.DISTRICT,
        name="Quận Cũ",
        code="Q-CU",
        active_from=D(2000, 1, 1),
        active_until=CLOSED_ON,
    )


@pytest.fixture
def province_secretary(tree):
    user = UserFactory(username="thuky_tinh")
    RoleFactory(user=user, unit=tree.province, kind=Role.Kind.SECRETARY)
    return user


@pytest.fixture
def merged(tree):
    """An old commune merged into a new one on 01/07/2025, and the new commune's secretary and officer."""
    old = CommuneFactory(parent=tree.province, code="OLD-A", name="Xã Cũ", active_from=D(2000, 1, 1))
    new = CommuneFactory(parent=tree.province, code="NEW-A", name="Xã Mới", active_from=D(2025, 7, 1))
    tree_services.unit_merge(predecessors=[old], successor=new, on=D(2025, 7, 1))
    old.refresh_from_db()
    secretary = UserFactory(username="thuky_moi")
    RoleFactory(user=secretary, unit=new, kind=Role.Kind.SECRETARY)
    officer = UserFactory(username="canbo_moi")
    RoleFactory(user=officer, unit=new, kind=Role.Kind.OFFICER)
    return old, new, secretary, officer


def test_successor_secretary_and_officer_key_and_approve_back_data_of_the_closed_predecessor(tree, merged):
    old, _new, secretary, officer = merged
    assert old.active_until == CLOSED_ON
    assert scoping.can(secretary, scoping.CHANGE, old)
    assert scoping.can(officer, scoping.APPROVE, old)
    assert old in scoping.units_for(secretary, scoping.CHANGE)
    # Nobody else gains anything.
    stranger = UserFactory(username="nguoi_la")
    RoleFactory(user=stranger, unit=tree.other_commune, kind=Role.Kind.SECRETARY)
    assert not scoping.can(stranger, scoping.CHANGE, old)


def test_a_role_is_granted_on_a_closed_district_for_keying_back_data(client_for, administrator, district, tree):
    user = UserFactory(username="nhap_lieu_cu")
    RoleFactory(user=user, unit=tree.commune, kind=Role.Kind.VIEWER)
    response = client_for(administrator).post(
        reverse("chapters:role_grant", args=[user.pk]), {"unit": district.pk, "kind": Role.Kind.SECRETARY}
    )
    assert response.status_code == 302, response.context["grant_form"].errors
    assert Role.objects.filter(user=user, unit=district, kind=Role.Kind.SECRETARY).exists()
    # The service too (a command or another screen).
    role_grant(actor=administrator, user=user, unit=district, kind=Role.Kind.OFFICER)
    assert scoping.can(user, scoping.APPROVE, district)


def test_the_fund_form_offers_a_closed_unit_and_opens_its_fund(client_for, province_secretary, district):
    assert district in FundForm.unit_choices(province_secretary)
    data = {"unit": district.pk, "name": "Quỹ Khuyến học", "is_active": "on", "opening_year": "2020"}
    response = client_for(province_secretary).post(reverse("funds:fund_create"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert Fund.objects.get(unit=district).opening.year == 2020


def test_back_vouchers_of_a_closed_unit_import_for_dates_when_it_was_open(province_secretary, district, tree, upload):
    fund_services.fund_create(unit=district, opening_year=2024)
    rows = [
        VOUCHERS,
        ["Q-CU", "", "PT-2024-0001", "Thu", "05/03/2024", "1.500.000", "Ông Nguyễn Văn Đức", "Cá nhân", "Ủng hộ"],
        ["Q-CU", "", "PT-2025-0001", "Thu", "30/06/2025", "200.000", "Bà Lê Thị Hoa", "Cá nhân", "Ủng hộ"],
    ]
    job = upload("transactions", rows, user=province_secretary, unit=tree.province)
    assert job.status == ImportJob.Status.VALID, job.errors
    jobs.job_commit(job, user=province_secretary)
    assert Transaction.objects.filter(fund__unit=district).count() == 2

    late = [VOUCHERS, ["Q-CU", "", "PT-2025-0002", "Thu", "01/07/2025", "100.000", "Ông Trần Văn Ba", "Cá nhân", ""]]
    job = upload("transactions", late, user=province_secretary, unit=tree.province, name="muon.xlsx")
    assert job.status == ImportJob.Status.INVALID
    [(row, column, message)] = job.errors
    assert (row, column) == (2, "Ngày")
    assert "Quận Cũ" in message and "01/07/2025" in message
    assert Transaction.objects.filter(fund__unit=district).count() == 2


def test_a_fact_dated_after_the_closing_is_refused_on_its_field(district):
    fine = BaselineFigure(unit=district, year=2025, population=120_000)
    record_save(fine)
    late = BaselineFigure(unit=district, year=2026, population=120_000)
    with pytest.raises(ValidationError) as caught:
        record_save(late)
    message = caught.value.message_dict["year"][0]
    assert message.startswith("«Năm» 2026 sau ngày") and "(30/06/2025)" in message and "ngừng hoạt động" in message
    assert list(BaselineFigure.objects.filter(unit=district).values_list("year", flat=True)) == [2025]


def test_the_voucher_form_refuses_a_date_after_the_closing_naming_the_field(client_for, province_secretary, district):
    fund = fund_services.fund_create(unit=district, opening_year=2024)
    data = {
        "date": "02/07/2025",
        "amount": "1.000.000",
        "counterparty_type": "person",
        "counterparty_name": "Ông Nguyễn Văn Đức",
        "purpose": "donation",
        "reason": "Ủng hộ",
    }
    response = client_for(province_secretary).post(reverse("funds:transaction_create", args=[fund.pk, "thu"]), data)
    assert response.status_code in (200, 400)
    errors = response.context["form"].errors
    assert "30/06/2025" in " ".join(errors.get("date", [])), errors
    assert not fund.transactions.exists()


def test_the_import_page_offers_closed_units_and_a_successor_covers_its_predecessors(merged, district, upload):
    old, new, secretary, _officer = merged
    form = UploadForm(user=secretary)
    assert old in form.fields["unit"].queryset
    job = upload("baseline", [["Mã đơn vị", "Năm", "Dân số"], ["OLD-A", 2024, "8.000"]], user=secretary, unit=new)
    assert job.status == ImportJob.Status.VALID, job.errors
    jobs.job_commit(job, user=secretary)
    assert BaselineFigure.objects.get(unit=old, year=2024).population == 8000


def test_an_imported_row_dated_after_the_closing_is_refused_naming_its_column(merged, upload):
    _old, new, secretary, _officer = merged
    rows = [["Mã đơn vị", "Năm", "Dân số"], ["OLD-A", 2025, "8.000"], ["OLD-A", 2026, "8.100"]]
    job = upload("baseline", rows, user=secretary, unit=new)
    assert job.status == ImportJob.Status.INVALID
    [(row, column, message)] = job.errors
    assert (row, column) == (3, "Năm")
    assert message.startswith("«Năm» 2026 sau ngày Hội Khuyến học xã Cũ ngừng hoạt động (30/06/2025)")
    assert not BaselineFigure.objects.filter(unit__code="OLD-A").exists()
