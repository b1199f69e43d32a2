"""Issue 15, item 3: C0/C1 control characters never get in, and stored ones never break an export."""

import datetime

from django.urls import reverse
from openpyxl import load_workbook

from chapters.imports.kinds import ImportContext
from core.imports import pipeline
from core.spreadsheets.reading import read_file
from core.spreadsheets.writing import export_xlsx
from members.imports import member_kind
from members.models import Member

TODAY = datetime.date.today()


def test_control_characters_typed_in_a_form_are_not_stored(client_for, secretary, tree):
    data = {
        "full_name": "Phạm Thị\x07 Mới\x1b[31m",
        "birth_year": "1962",
        "gender": "F",
        "phone": "0987 654 321",
        "unit": tree.chapter.pk,
        "joined_on": TODAY.strftime("%d/%m/%Y"),
        "address": "Tổ 3\x85 phường\x9b Bạch Đằng",
    }
    response = client_for(secretary).post(reverse("members:member_create"), data)
    assert response.status_code == 302
    member = Member.objects.get()
    assert member.full_name == "Phạm Thị Mới[31m"
    assert member.address == "Tổ 3 phường Bạch Đằng"


def test_control_characters_in_an_imported_sheet_are_not_stored(tmp_path, tree, secretary):
    path = tmp_path / "ds.csv"
    path.write_bytes(
        "Họ và tên,Giới tính,Năm sinh,Mã chi hội,Ngày vào hội,Địa chỉ\n"
        f"Lê Văn\x1b Bình,Nam,1950,{tree.chapter.code},01/02/2020,Xóm\x07 Chợ\x9b\n".encode()
    )
    ctx = ImportContext(kind=member_kind, user=secretary, reason="thử")
    result = pipeline.validate(member_kind, ctx, read_file(path))
    assert result.ok, result.error_list(member_kind)
    pipeline.commit(member_kind, ctx, result)
    member = Member.objects.get()
    assert (member.full_name, member.address) == ("Lê Văn Bình", "Xóm Chợ")


def test_an_export_never_fails_on_stored_control_characters(client_for, officer, tree, make_member):
    member = make_member(full_name="Nguyễn Văn Đức")
    # Stored before the edge was guarded (or by a path that bypasses it): the export must still work.
    Member.objects.filter(pk=member.pk).update(full_name="Nguyễn\x07 Văn\x1b Đức", address="Số 1\x0b\x9b")
    response = client_for(officer).post(
        reverse("imports:export", args=["members"]), {"unit": tree.commune.pk, "purpose": "Rà soát"}
    )
    assert response.status_code == 200
    stream, count = export_xlsx(member_kind, officer, tree.province, purpose="Rà soát")
    rows = list(load_workbook(stream).active.values)
    assert count == 1 and "Nguyễn Văn Đức" in rows[1]


def test_control_characters_written_through_the_api_are_not_stored(tree, secretary):
    from tests.api.conftest import Api

    client = Api(secretary)
    body = {
        "unit": tree.chapter.pk,
        "full_name": "Đặng Thị\x07 Mai",
        "gender": "F",
        "birth_year": 1970,
        "joined_on": "2025-05-01",
        "address": "Tổ 3\x85 phường\x9b Bạch Đằng",
        "occupation": "Giáo\x1b[31m viên",
        "notes": "Dòng một\x00\nDòng\x7f hai",
    }
    created = client.post("/api/v1/members/", body)
    assert created.status_code == 201, created.content
    member = Member.objects.get()
    assert (member.full_name, member.address, member.occupation, member.notes) == (
        "Đặng Thị Mai",
        "Tổ 3 phường Bạch Đằng",
        "Giáo[31m viên",
        "Dòng một\nDòng hai",
    )
    url = f"/api/v1/members/{member.pk}/"
    changed = client.patch(url, {"address": "Xóm\x07 Chợ\x9b"}, **{"If-Match": client.get(url)["ETag"]})
    assert changed.status_code == 200, changed.content
    member.refresh_from_db()
    assert member.address == "Xóm Chợ"
