"""The persona matrix over every endpoint: anonymous → 401, outsider → 404, read-only → 403 on writes, the
secretary of the chapter → works; an officer and an administrator read, and write only what their role allows
(the same scoping function as the screens)."""

import pytest

from funds.models import Transaction
from learning_models.models import LearningClass, TitleRecord
from members.models import Due, Member, PersonalDataAccess

from .conftest import YEAR

PROBLEM = "application/problem+json"


def read_urls(tree, world):
    """Every read endpoint, pointed at data of the secretary's chapter."""
    record = TitleRecord.objects.get(household=world.household)
    voucher = Transaction.objects.get(fund=world.fund)
    unit = tree.chapter.pk
    return [
        f"/api/v1/units/{tree.chapter.pk}/",
        f"/api/v1/units/{tree.chapter.pk}/tree/",
        f"/api/v1/units/{tree.chapter.pk}/history/",
        f"/api/v1/units/{tree.chapter.pk}/figures/?year={YEAR}",
        f"/api/v1/units/?unit={unit}",
        f"/api/v1/members/?unit={unit}",
        f"/api/v1/members/{world.member.pk}/",
        f"/api/v1/dues/?unit={unit}",
        f"/api/v1/households/?unit={unit}",
        f"/api/v1/clans/?unit={unit}",
        f"/api/v1/funds/?unit={unit}",
        f"/api/v1/funds/{world.fund.pk}/cash-book/",
        f"/api/v1/vouchers/?unit={unit}",
        f"/api/v1/vouchers/{voucher.pk}/",
        f"/api/v1/award-decisions/?unit={unit}",
        f"/api/v1/award-recipients/?unit={unit}",
        f"/api/v1/title-records/?unit={unit}",
        f"/api/v1/title-records/{record.pk}/",
        f"/api/v1/title-decisions/?unit={unit}",
        f"/api/v1/classes/?unit={unit}",
        f"/api/v1/classes/{world.learning_class.pk}/",
        f"/api/v1/reports/?unit={unit}",
    ]


def writes(tree, world):
    """(method, url, body, needs If-Match of this object, model whose rows must not change when refused)."""
    record = TitleRecord.objects.get(household=world.household)
    member, lc = world.member, world.learning_class
    return [
        (
            "post",
            "/api/v1/members/",
            {
                "unit": tree.chapter.pk,
                "full_name": "Lê Thị Hoa",
                "joined_on": f"{YEAR}-05-01",
                "gender": "F",
                "birth_year": 1970,
            },
            None,
        ),
        ("patch", f"/api/v1/members/{member.pk}/", {"phone": "0912345678"}, member),
        (
            "post",
            f"/api/v1/members/{member.pk}/move/",
            {"to_unit": tree.other_chapter.pk, "on": f"{YEAR}-06-01"},
            member,
        ),
        ("post", f"/api/v1/members/{member.pk}/leave/", {"on": f"{YEAR}-06-01", "reason": "left"}, member),
        (
            "post",
            "/api/v1/dues/",
            {"members": [member.pk], "year": YEAR, "amount": 24000, "paid_on": f"{YEAR}-04-01"},
            None,
        ),
        (
            "post",
            "/api/v1/vouchers/",
            {
                "fund": world.fund.pk,
                "kind": "receipt",
                "date": f"{YEAR}-04-02",
                "amount": 100000,
                "purpose": "donation",
                "counterparty_name": "Bà B",
            },
            None,
        ),
        (
            "post",
            "/api/v1/title-records/",
            {"title_type": "gdht", "year": YEAR, "household": world.household.pk + 2},
            None,
        ),
        ("put", f"/api/v1/title-records/{record.pk}/scores/", {"scores": {"1.1": "8"}}, record),
        (
            "post",
            "/api/v1/classes/",
            {"unit": tree.chapter.pk, "topic": "Nuôi ong", "starts_on": f"{YEAR}-07-01"},
            None,
        ),
        ("patch", f"/api/v1/classes/{lc.pk}/", {"attendances": 30}, lc),
        (
            "post",
            "/api/v1/members/bulk/",
            {
                "unit": tree.chapter.pk,
                "rows": [
                    {
                        "unit_code": tree.chapter.code,
                        "full_name": "Phạm Văn Công",
                        "joined_on": f"{YEAR}-02-01",
                        "gender": "Nam",
                        "birth_year": 1955,
                    }
                ],
            },
            None,
        ),
        (
            "post",
            "/api/v1/title-records/bulk/",
            {
                "unit": tree.chapter.pk,
                "rows": [
                    {
                        "unit_code": tree.chapter.code,
                        "title": "gdht",
                        "year": YEAR,
                        "household_code": "H03",
                        "registered_on": f"{YEAR}-01-15",
                    }
                ],
            },
            None,
        ),
    ]


def state():
    """Everything the writes could change, to compare before and after a refused write."""
    return (
        list(Member.objects.order_by("pk").values_list("pk", "version", "unit_id", "left_on", "phone")),
        Due.objects.count(),
        Transaction.objects.count(),
        list(TitleRecord.objects.order_by("pk").values_list("pk", "version")),
        list(LearningClass.objects.order_by("pk").values_list("pk", "version")),
    )


def send(client, method, url, body, obj):
    headers = {"If-Match": f'"{obj.version}"'} if obj is not None else {}
    return getattr(client, method)(url, body, **headers)


def test_anonymous_gets_401_problem(api, tree, world):
    client = api()
    for url in read_urls(tree, world):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["Content-Type"] == PROBLEM
        assert "token" in response.json()["detail"]
    before = state()
    for method, url, body, obj in writes(tree, world):
        assert send(client, method, url, body, obj).status_code == 401, url
    assert state() == before


def test_outsider_gets_404_and_changes_nothing(api, tree, world, outsider):
    client = api(outsider)
    for url in read_urls(tree, world):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == PROBLEM
        assert response.json()["detail"] == "Không tìm thấy, hoặc nằm ngoài phạm vi của bạn."
    before = state()
    for method, url, body, obj in writes(tree, world):
        assert send(client, method, url, body, obj).status_code == 404, url
    assert state() == before
    # Unfiltered lists simply leave out what is not theirs.
    ids = [row["id"] for row in client.get("/api/v1/members/").json()["results"]]
    assert ids == [world.outside_member.pk]


@pytest.mark.parametrize("persona", ["viewer", "officer", "administrator"])
def test_read_only_roles_read_everything_and_get_403_on_data_entry(api, tree, world, persona, request):
    client = api(request.getfixturevalue(persona))
    for url in read_urls(tree, world):
        assert client.get(url).status_code == 200, url
    before = state()
    for method, url, body, obj in writes(tree, world):
        response = send(client, method, url, body, obj)
        assert response.status_code == 403, (url, response.content)
        assert response["Content-Type"] == PROBLEM
        assert response.json()["detail"]
    assert state() == before


def test_secretary_reads_and_writes_everything(api, tree, world, secretary):
    client = api(secretary)
    for url in read_urls(tree, world):
        assert client.get(url).status_code == 200, url
    before = state()
    for method, url, body, obj in writes(tree, world):
        obj and obj.refresh_from_db()
        response = send(client, method, url, body, obj)
        assert response.status_code in (200, 201), (url, response.content)
    after = state()
    assert after != before
    assert Member.objects.filter(full_name__in=["Lê Thị Hoa", "Phạm Văn Công"]).count() == 2
    assert Due.objects.filter(member=world.member, year=YEAR).exists()
    assert TitleRecord.objects.filter(household__code="H03").exists()


def test_token_acts_as_its_user_in_history(api, tree, world, secretary):
    client = api(secretary)
    response = client.patch(
        f"/api/v1/members/{world.member.pk}/", {"phone": "0987654321"}, **{"If-Match": f'"{world.member.version}"'}
    )
    assert response.status_code == 200
    latest = world.member.history.latest()
    assert latest.history_user == secretary
    assert latest.phone == "0987654321"


def test_citizen_id_masked_and_reads_logged_like_the_screens(api, tree, world, secretary, officer):
    own = api(secretary).get(f"/api/v1/members/{world.member.pk}/").json()
    assert own["citizen_id"] == "001204012345"  # the secretary of her own chapter sees it
    other = api(officer).get(f"/api/v1/members/{world.member.pk}/").json()
    assert other["citizen_id"] == "•••••••••345"
    listed = api(officer).get("/api/v1/members/", {"unit": tree.chapter.pk}).json()["results"]
    assert {row["citizen_id"] for row in listed if row["id"] == world.member.pk} == {"•••••••••345"}
    log = PersonalDataAccess.objects.filter(member=world.member)
    assert log.filter(user=secretary, action=PersonalDataAccess.Action.VIEW).count() == 1
    assert log.filter(user=officer, action=PersonalDataAccess.Action.VIEW).count() == 1
    assert log.filter(user=officer, action=PersonalDataAccess.Action.EXPORT).count() == 1
