"""The rules the forms keep, kept by the API too: versions (If-Match), Idempotency-Key, closed periods,
validation messages per field, tokens (hashed, expiring, revocable), rate limits, ETags."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from api.models import ApiToken, token_digest
from chapters.models import ClosedPeriod
from members.models import Member

from .conftest import YEAR


def test_stale_if_match_is_refused_with_412_and_changes_nothing(api, world, secretary):
    client = api(secretary)
    url = f"/api/v1/members/{world.member.pk}/"
    etag = client.get(url)["ETag"]
    assert client.patch(url, {"phone": "0911111111"}, **{"If-Match": etag}).status_code == 200
    stale = client.patch(url, {"phone": "0922222222"}, **{"If-Match": etag})
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert "If-Match" in stale.json()["detail"]
    world.member.refresh_from_db()
    assert world.member.phone == "0911111111"


def test_write_without_if_match_is_refused_with_428(api, world, secretary):
    response = api(secretary).patch(f"/api/v1/members/{world.member.pk}/", {"phone": "0933333333"})
    assert response.status_code == 428
    world.member.refresh_from_db()
    assert world.member.phone == ""


def test_same_idempotency_key_twice_creates_one_record(api, tree, secretary):
    client = api(secretary)
    body = {
        "unit": tree.chapter.pk,
        "full_name": "Lê Thị Hoa",
        "joined_on": f"{YEAR}-05-01",
        "gender": "F",
        "birth_year": 1970,
    }
    first = client.post("/api/v1/members/", body, **{"Idempotency-Key": "push-0001"})
    again = client.post("/api/v1/members/", body, **{"Idempotency-Key": "push-0001"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Member.objects.filter(full_name="Lê Thị Hoa").count() == 1
    other = client.post("/api/v1/members/", {**body, "full_name": "Lê Thị Huệ"}, **{"Idempotency-Key": "push-0001"})
    assert other.status_code == 409
    assert not Member.objects.filter(full_name="Lê Thị Huệ").exists()


def test_a_refused_post_does_not_use_up_its_idempotency_key(api, tree, secretary):
    client = api(secretary)
    body = {"unit": tree.chapter.pk, "full_name": "Lê Thị Hoa", "joined_on": f"{YEAR}-05-01", "gender": "F"}
    refused = client.post("/api/v1/members/", body, **{"Idempotency-Key": "k2"})
    assert refused.status_code == 400
    assert refused.json()["errors"]["birth_year"]  # the model's own Vietnamese message, on its field
    fixed = client.post("/api/v1/members/", {**body, "birth_year": 1970}, **{"Idempotency-Key": "k2"})
    assert fixed.status_code == 201


def test_validation_errors_are_vietnamese_and_per_field(api, tree, secretary):
    response = api(secretary).post("/api/v1/members/", {"unit": tree.chapter.pk, "joined_on": "31/12/2025"})
    assert response.status_code == 400
    problem = response.json()
    assert problem["status"] == 400 and problem["title"] == "Dữ liệu không hợp lệ"
    assert set(problem["errors"]) >= {"full_name", "joined_on"}
    assert "bắt buộc" in problem["errors"]["full_name"][0]


def test_closed_year_is_refused_with_409(api, tree, world, secretary, officer):
    ClosedPeriod.objects.create(unit=tree.commune, year=YEAR, closed_by=officer, closed_by_name="Lê Văn Minh")
    before = Member.objects.count()
    response = api(secretary).post(
        "/api/v1/members/",
        {
            "unit": tree.chapter.pk,
            "full_name": "Lê Thị Hoa",
            "joined_on": f"{YEAR}-05-01",
            "gender": "F",
            "birth_year": 1970,
        },
    )
    assert response.status_code == 409
    assert str(YEAR) in response.json()["detail"]
    assert Member.objects.count() == before


def test_token_is_hashed_at_rest_and_stops_working_when_revoked_or_expired(api, world, secretary):
    client = api(secretary)
    secret = client.headers["Authorization"].split()[1]
    token = ApiToken.objects.get(user=secretary)
    assert token.digest == token_digest(secret) and secret not in (token.digest, token.prefix)
    assert client.get("/api/v1/me/").status_code == 200
    token.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    token.save()
    assert client.get("/api/v1/me/").status_code == 401
    token.expires_at = timezone.now() + datetime.timedelta(days=1)
    token.revoked_at = timezone.now()
    token.save()
    response = client.get("/api/v1/me/")
    assert response.status_code == 401 and "thu hồi" in response.json()["detail"]


def test_tokens_are_created_once_and_revoked_on_the_password_page(client_for, secretary):
    client = client_for(secretary)
    page = client.get("/doi-mat-khau/")
    assert "Token API" in page.content.decode()
    created = client.post("/tai-khoan/token-api/tao/", {"name": "Phần mềm tỉnh", "days": 30})
    secret = created.context["secret"]
    token = ApiToken.objects.get(user=secretary)
    assert token.name == "Phần mềm tỉnh" and token.is_active
    assert secret not in client.get("/doi-mat-khau/").content.decode()  # shown once only
    assert client.post(f"/tai-khoan/token-api/{token.pk}/thu-hoi/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_nobody_revokes_another_users_token(client_for, secretary, outsider, api):
    api(secretary)
    token = ApiToken.objects.get(user=secretary)
    assert client_for(outsider).post(f"/tai-khoan/token-api/{token.pk}/thu-hoi/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_rate_limit_per_token(api, world, secretary, officer):
    with override_settings(API_RATE_LIMIT="3/minute"):
        client = api(secretary)
        codes = [client.get("/api/v1/me/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get("/api/v1/me/")
        assert limited["Content-Type"] == "application/problem+json" and limited["Retry-After"]
        assert api(officer).get("/api/v1/me/").status_code == 200  # another token has its own count


def test_etag_gives_304_when_unchanged(api, world, secretary):
    client = api(secretary)
    url = f"/api/v1/members/{world.member.pk}/"
    etag = client.get(url)["ETag"]
    assert client.get(url, **{"If-None-Match": etag}).status_code == 304


def test_cursor_pages_are_stable_and_complete(api, tree, world, secretary):
    client = api(secretary)
    seen, url = [], f"/api/v1/members/?unit={tree.chapter.pk}&page_size=1"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted(Member.objects.filter(unit=tree.chapter).values_list("pk", flat=True))


def test_updated_since_lists_only_changed_members(api, world, secretary):
    client = api(secretary)
    since = timezone.now()
    client.patch(
        f"/api/v1/members/{world.member.pk}/", {"phone": "0944444444"}, **{"If-Match": f'"{world.member.version}"'}
    )
    rows = client.get("/api/v1/members/", {"updated_since": since.isoformat()}).json()["results"]
    assert [row["id"] for row in rows] == [world.member.pk]


@pytest.mark.parametrize("url", ["/api/v1/openapi.json", "/api/v1/docs/"])
def test_schema_and_docs_are_public_and_self_hosted(client, url):
    response = client.get(url)
    assert response.status_code == 200
    if url.endswith("docs/"):
        assert "cdn" not in response.content.decode().lower()
    else:
        assert response.json()["openapi"].startswith("3.")


def test_schema_generates_without_warnings_and_validates(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")
