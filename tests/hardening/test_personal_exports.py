"""Issue 15, item 10: personal data is exported only by roles that may see it, for a stated purpose, logged with
its row count; the read-only role exports figures, not people."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from core.models import DataExport
from members.models import PersonalDataAccess


def test_a_viewer_cannot_export_people(client_for, viewer, tree, make_member):
    make_member(full_name="Nguyễn Văn Đức", phone="0912 345 678")
    client = client_for(viewer)
    url = reverse("imports:export", args=["members"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"purpose": "Xem thử"}).status_code == 403
    assert client.post(reverse("imports:export", args=["households"]), {"purpose": "x"}).status_code == 403
    assert not DataExport.objects.exists() and not PersonalDataAccess.objects.exists()


def test_a_viewer_still_exports_figures(client_for, viewer, tree):
    response = client_for(viewer).post(reverse("imports:export", args=["baseline"]))
    assert response.status_code == 200 and response.content.startswith(b"PK")
    log = DataExport.objects.get()
    assert (log.kind, log.user, log.rows) == ("baseline", viewer, 0)


def test_a_personal_export_needs_a_purpose_and_is_logged_with_its_row_count(client_for, secretary, tree, make_member):
    make_member(full_name="Nguyễn Văn Đức", citizen_id="001204012345")
    make_member(full_name="Trần Thị Lan")
    client = client_for(secretary)
    url = reverse("imports:export", args=["members"])
    form = client.get(url)
    assert form.status_code == 200 and "Mục đích" in form.content.decode()
    refused = client.post(url, {"purpose": "  "})
    assert refused.status_code == 200 and "mục đích" in refused.content.decode().lower()
    assert not DataExport.objects.exists()

    response = client.post(url, {"purpose": "Lập danh sách đóng hội phí 2026"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert len(rows) == 3
    log = DataExport.objects.get()
    assert (log.kind, log.user, log.rows, log.purpose) == ("members", secretary, 2, "Lập danh sách đóng hội phí 2026")
    assert PersonalDataAccess.objects.filter(action="export").count() == 2
    assert "Lập danh sách đóng hội phí 2026" in PersonalDataAccess.objects.first().detail


def test_an_officer_sees_citizen_ids_masked_in_the_export(client_for, officer, tree, make_member):
    make_member(full_name="Nguyễn Văn Đức", citizen_id="001204012345")
    response = client_for(officer).post(reverse("imports:export", args=["members"]), {"purpose": "Báo cáo"})
    values = [value for row in load_workbook(io.BytesIO(response.content)).active.values for value in row]
    assert "001204012345" not in values and "•••••••••345" in values
