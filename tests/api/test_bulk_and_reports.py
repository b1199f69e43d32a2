"""Bulk pushes through the import machinery (sync, async with a status URL, row errors, the same rows twice),
report runs and their files, the session for the browser, and Vietnamese messages for malformed requests."""

from django.test import Client, override_settings

from core.models import ImportJob
from learning_models.models import TitleRecord
from members.models import Member
from reports.services import report_get_or_create, report_request_run

from .conftest import YEAR


def member_rows(tree, names):
    return [
        {
            "unit_code": tree.chapter.code,
            "full_name": name,
            "gender": "Nữ",
            "birth_year": 1980,
            "joined_on": f"{YEAR}-02-01",
        }
        for name in names
    ]


def test_bulk_members_all_or_nothing_with_row_errors(api, tree, world, secretary):
    rows = member_rows(tree, ["Hà Thị Lan", "Hà Thị Mai"])
    rows[1]["joined_on"] = "ngày mai"
    before = Member.objects.count()
    response = api(secretary).post("/api/v1/members/bulk/", {"unit": tree.chapter.pk, "rows": rows})
    assert response.status_code == 422
    problem = response.json()
    assert problem["rows"] == [{"index": 1, "column": "Ngày vào hội", "message": problem["rows"][0]["message"]}]
    assert "ngày" in problem["rows"][0]["message"]
    assert Member.objects.count() == before
    assert not ImportJob.objects.exists()


def test_bulk_members_written_with_history_and_the_same_rows_twice_change_nothing(api, tree, world, secretary):
    client = api(secretary)
    rows = member_rows(tree, ["Hà Thị Lan", "Hà Thị Mai"])
    first = client.post("/api/v1/members/bulk/", {"unit": tree.chapter.pk, "rows": rows})
    assert first.status_code == 200 and first.json()["status"] == "done"
    assert first.json()["counts"]["new"] == 2
    lan = Member.objects.get(full_name="Hà Thị Lan")
    assert lan.history.get().history_user == secretary
    again = client.post("/api/v1/members/bulk/", {"unit": tree.chapter.pk, "rows": rows})
    assert again.status_code == 200 and "không có gì thay đổi" in again.json()["message"]
    assert Member.objects.filter(full_name__startswith="Hà Thị").count() == 2


@override_settings(IMPORT_SYNC_MAX_ROWS=1)
def test_big_bulk_push_runs_in_the_background_with_a_status_url(
    api, tree, world, secretary, outsider, django_capture_on_commit_callbacks
):
    client = api(secretary)
    rows = [
        {
            "unit_code": tree.chapter.code,
            "title": "gdht",
            "year": YEAR,
            "household_code": code,
            "registered_on": f"{YEAR}-01-15",
            "scores": {"1.1": 8},
        }
        for code in ("H03", "H04")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/title-records/bulk/", {"unit": tree.chapter.pk, "rows": rows})
    assert response.status_code == 202
    assert response["Location"] == response.json()["url"]
    status = client.get(response.json()["url"])
    assert status.status_code == 200 and status.json()["status"] == "done"
    assert TitleRecord.objects.filter(household__code__in=["H03", "H04"], scores__has_key="1.1").count() == 2
    assert api(outsider).get(response.json()["url"]).status_code == 404


def test_report_runs_and_files_follow_the_report_scope(
    api, tree, world, officer, outsider, django_capture_on_commit_callbacks
):
    report = report_get_or_create(unit=tree.commune, year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        run = report_request_run(report=report)
    client = api(officer)
    detail = client.get(f"/api/v1/reports/{report.pk}/").json()
    assert detail["runs"][0]["id"] == run.pk
    pdf_url = detail["runs"][0]["files"]["pdf"]
    assert client.get(f"/api/v1/report-runs/{run.pk}/").json()["status"] == "done"
    download = client.get(pdf_url.replace("http://testserver", ""))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    # The .docx and .xlsx are offered at once and made on their first download.
    files = detail["runs"][0]["files"]
    assert set(files) == {"pdf", "docx", "xlsx"}
    word = client.get(files["docx"].replace("http://testserver", ""))
    assert word.status_code == 200 and b"".join(word.streaming_content).startswith(b"PK")
    stranger = api(outsider)
    assert stranger.get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert stranger.get(f"/api/v1/report-runs/{run.pk}/").status_code == 404
    assert stranger.get(f"/api/v1/report-runs/{run.pk}/files/pdf/").status_code == 404
    assert stranger.get(f"/api/v1/report-runs/{run.pk}/files/xlsx/").status_code == 404
    assert api().get(f"/api/v1/report-runs/{run.pk}/files/pdf/").status_code == 401


def test_browser_session_works_and_its_writes_need_the_csrf_token(tree, world, secretary):
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretary, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/api/v1/me/").json()["username"] == secretary.username
    response = client.post(
        "/api/v1/members/",
        {"unit": tree.chapter.pk, "full_name": "Lê Thị Hoa", "joined_on": f"{YEAR}-05-01"},
        content_type="application/json",
    )
    assert response.status_code == 403 and "mã CSRF" in response.json()["detail"]
    assert not Member.objects.filter(full_name="Lê Thị Hoa").exists()


def test_malformed_requests_get_vietnamese_problems(api, world, secretary):
    client = api(secretary)
    broken = client.client.post(
        "/api/v1/members/", "{not json", content_type="application/json", headers=client.headers
    )
    assert broken.status_code == 400 and broken["Content-Type"] == "application/problem+json"
    assert broken.json()["detail"].startswith("Nội dung gửi lên không phải JSON hợp lệ")
    form = client.client.post(
        "/api/v1/members/", "a=b", content_type="application/x-www-form-urlencoded", headers=client.headers
    )
    assert form.status_code == 415 and "JSON" in form.json()["detail"]
    assert client.client.delete("/api/v1/members/", headers=client.headers).status_code == 405
    assert client.get("/api/v1/members/", {"unit": "abc"}).json()["errors"]["unit"]
    assert client.get("/api/v1/nothing-here/").status_code == 404


def test_bulk_score_update_queries_do_not_grow_with_the_rows(api, tree, secretary):
    """Updating records already registered must not check each row's title and household one query at a time
    (the bulk push goes at the import machinery's rate: ~100 rows/s before, when it did)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from learning_models.models import TitleType
    from learning_models.services.records import registration_create
    from members.models import Household

    gdht = TitleType.objects.get(code="gdht")
    codes = [f"H{n:02d}" for n in range(1, 9)]
    for code in codes:
        registration_create(
            title_type=gdht, year=YEAR, household=Household.objects.create(unit=tree.chapter, head_name=code, code=code)
        )
    client = api(secretary)

    def push(some, score):
        rows = [
            {
                "unit_code": tree.chapter.code,
                "title": "gdht",
                "year": YEAR,
                "household_code": code,
                "scores": {"1.1": score},
            }
            for code in some
        ]
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/api/v1/title-records/bulk/", {"unit": tree.chapter.pk, "rows": rows})
        assert response.status_code == 200 and response.json()["counts"]["changed"] == len(some), response.json()
        # The job's progress bar is updated a few times whatever the size: not a query per row.
        return len(
            [q for q in queries.captured_queries if 'UPDATE "chapters_importjob" SET "progress"' not in q["sql"]]
        )

    # Six more rows, fewer than six more queries (before: two more per row).
    assert push(codes, 7) - push(codes[:2], 8) < 6
