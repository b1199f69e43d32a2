import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Clan, Due, Household, Member, MoveRequest, PersonalDataAccess
from members.models.members import ERASED_NAME
from tests.pdf import assert_shipped_fonts

D = datetime.date
TODAY = timezone.localdate()
LIST = reverse("members:member_list")


@pytest.fixture
def people(tree, make_member):
    """Two members in the secretary's chapter, one in the other chapter of the commune, one outside."""
    return {
        "duc": make_member(
            full_name="Nguyễn Văn Đức",
            gender="M",
            phone="0912 345 678",
            card_number="BD-001",
            citizen_id="001204012345",
            party_member=True,
        ),
        "lan": make_member(full_name="Trần Thị Lan", gender="F", birth_year=1958),
        "hoa": make_member(unit=tree.other_chapter, full_name="Lê Thị Hoa", gender="F"),
        "tam": make_member(unit=tree.outside_chapter, full_name="Vũ Văn Tám", gender="M"),
    }


def names(response):
    return [m.full_name for m in response.context["object_list"]]


# The list ---------------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, people):
    response = client.get(LIST)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_secretary_sees_only_her_chapter_in_vietnamese_order(client_for, secretary, people):
    response = client_for(secretary).get(LIST)
    assert response.status_code == 200
    assert names(response) == ["Nguyễn Văn Đức", "Trần Thị Lan"]  # Đức before Lan (given name first)
    assert response.context["totals"] == {"count": 2, "party": 1, "female": 1}


def test_officer_sees_the_commune_and_outsider_sees_none_of_it(client_for, officer, outsider, people):
    assert sorted(names(client_for(officer).get(LIST))) == ["Lê Thị Hoa", "Nguyễn Văn Đức", "Trần Thị Lan"]
    assert names(client_for(outsider).get(LIST)) == ["Vũ Văn Tám"]


@pytest.mark.parametrize("query", ["nguyen van duc", "NGUYEN VAN ĐUC", "van duc", "0912 345", "0912345678", "bd-001"])
def test_search_finds_her_without_accents_by_phone_or_card(client_for, officer, people, query):
    assert names(client_for(officer).get(LIST, {"q": query})) == ["Nguyễn Văn Đức"]


def test_filters_party_year_status_and_chapter(client_for, officer, people, tree):
    client = client_for(officer)
    assert names(client.get(LIST, {"party": "yes"})) == ["Nguyễn Văn Đức"]
    assert names(client.get(LIST, {"unit": tree.other_chapter.pk})) == ["Lê Thị Hoa"]
    assert names(client.get(LIST, {"joined_year": 2019})) == []
    assert len(names(client.get(LIST, {"joined_year": 2020}))) == 3
    Member.objects.filter(pk=people["lan"].pk).update(left_on=D(2024, 1, 1), left_reason="deceased")
    assert "Trần Thị Lan" not in names(client.get(LIST))
    assert names(client.get(LIST, {"status": "deceased"})) == ["Trần Thị Lan"]


# The rows as the list's template wrote them before they were built in Python (members.views.member_rows_html).
TEMPLATE_ROWS = (Path(__file__).parent / "before" / "member_rows.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("select_all", [False, True])
def test_the_rows_built_in_python_are_the_html_the_template_wrote(
    request, client_for, secretary, viewer, people, make_member, select_all
):
    """Issue 19: the list's rows are built in one pass in Python (two thirds of the page's time was the template
    loop); every cell, escape and state is what the template gave, for an editor and for a read-only viewer."""
    from django.template import engines

    from members import services

    make_member(full_name='Đỗ "Tí" <b>Em</b> & Co', gender="M", phone="+84 912.345", card_number="A&B", birth_year=1999)
    services.member_leave(people["lan"], on=D(TODAY.year, 1, 15), reason=Member.Status.DECEASED)
    services.dues_mark_paid(members=[people["duc"]], year=TODAY.year, amount=20_000, paid_on=TODAY)
    for user in (secretary, viewer):
        response = client_for(user).get(LIST, {"status": "all", **({"select": "page"} if select_all else {})})
        context = response.context
        assert {m.full_name for m in context["object_list"]} >= {"Trần Thị Lan", 'Đỗ "Tí" <b>Em</b> & Co'}
        expected = (
            engines["django"]
            .from_string(TEMPLATE_ROWS)
            .render(
                {
                    "object_list": context["object_list"],
                    "can_change": context["can_change"],
                    "select_all": select_all,
                    "year": TODAY.year,
                }
            )
        )
        # The template's line breaks and indentation between tags are the only difference.
        assert re.sub(r">\n\s*<", "><", expected.strip()) == str(context["rows_html"])
        assert str(context["rows_html"]) in response.content.decode()
    assert "&quot;Tí&quot; &lt;b&gt;Em&lt;/b&gt; &amp; Co" in str(context["rows_html"])


def test_list_query_count_is_pinned(client_for, officer, make_member, tree, django_assert_max_num_queries):
    client = client_for(officer)
    for i in range(30):
        make_member(full_name=f"Hội Viên Số {i}", unit=tree.chapter if i % 2 else tree.other_chapter)
    client.get(LIST)  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(LIST, {"q": "hoi vien"})
    assert response.context["totals"]["count"] == 30


def test_the_list_reads_only_what_its_rows_show(client_for, secretary, tree, make_member):
    """Issue 19's mixed load: a page of the list read every column of its 50 members and of their chapters
    (addresses, notes, citizen IDs, search keys) to show ten. It reads what the rows show: personal data the list
    does not show is not read at all, and no row goes back for a column it needs (as many queries for 2 rows as
    for 7, with the search too)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(secretary)

    def page(params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, params)
        assert response.status_code == 200
        return response, [q["sql"] for q in queries]

    for i in range(2):
        make_member(
            full_name=f"Hội Viên Số {i}",
            phone="0912 345 678",
            citizen_id=f"00123456789{i}",
            address="Số 5 Lê Lợi",
            notes="Ghi chú riêng",
            card_number=f"TH-{i}",
            party_member=i == 0,
        )
    client.get(LIST)  # warm the session
    few, few_queries = page({"status": "all"})
    for i in range(2, 7):
        make_member(full_name=f"Hội Viên Số {i}", left_on=D(2024, 5, 1), left_reason=Member.LeftReason.DECEASED)
    many, many_queries = page({"status": "all"})
    assert len(many_queries) == len(few_queries)
    members = [sql for sql in many_queries if sql.startswith('SELECT "members_member"."id"')]
    assert len(members) == 1
    for column in ("citizen_id", "address", "notes", "search_key", "birth_date", "occupation"):
        assert f'"members_member"."{column}"' not in members[0]
    html = str(many.context["rows_html"])
    shown = ["Hội Viên Số 0", "0912 345 678", "TH-1", "đảng viên", "Đã từ trần 01/05/2024", "Chi hội tổ dân phố số 1"]
    assert all(text in html for text in shown), html
    assert len(page({"q": "hoi vien"})[1]) == len(page({"q": "hoi vien so 1"})[1])


def test_a_search_reads_the_members_once_for_its_page_and_its_totals(
    client_for, officer, make_member, tree, django_capture_on_commit_callbacks
):
    """Issue 19: a province-wide name search scanned the trigram index twice (the totals, then the page). The page's
    rows now carry the totals of the whole list (window aggregates): one query on the members, exact totals,
    pages that still add up, a page past the end still 404."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(officer)
    for i in range(57):
        make_member(
            full_name=f"Hội Viên Số {i:02d}",
            unit=tree.chapter if i % 2 else tree.other_chapter,
            gender="F" if i % 3 == 0 else "M",
            party_member=i % 5 == 0,
        )
    make_member(full_name="Người Khác", unit=tree.chapter)
    client.get(LIST)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        first = client.get(LIST, {"q": "hoi vien"})
    searching = [q["sql"] for q in queries.captured_queries if '"members_member"."search_key"' in q["sql"]]
    assert len(searching) == 1, searching
    totals = {"count": 57, "party": 12, "female": 19}
    assert first.context["totals"] == totals
    assert first.context["paginator"].count == 57 and first.context["paginator"].num_pages == 2
    second = client.get(LIST, {"q": "hoi vien", "page": 2})
    assert second.context["totals"] == totals
    shown = names(first) + names(second)
    assert len(shown) == 57 and len(set(shown)) == 57 and "Người Khác" not in shown
    assert client.get(LIST, {"q": "hoi vien", "page": 3}).status_code == 404
    assert client.get(LIST, {"q": "hoi vien", "page": "last"}).context["page_obj"].number == 2
    nothing = client.get(LIST, {"q": "khong ai ten nay"})
    assert nothing.status_code == 200 and nothing.context["totals"] == {"count": 0, "party": 0, "female": 0}
    assert "Không tìm thấy hội viên nào." in nothing.content.decode()


def test_a_list_without_a_search_does_not_total_its_rows_in_the_page_query(client_for, officer, make_member, tree):
    """Issue 19 regression: the one-pass totals (window aggregates) made a commune's plain list (19,284 members, no
    search) compute the dues flag and sort every member before the first page: 9.1 s instead of 58 ms on the province
    dataset. Without a search the page is an ordered LIMIT query and the totals a count, as before."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(officer)
    for i in range(5):
        make_member(full_name=f"Hội Viên Số {i}", unit=tree.chapter, party_member=i == 0)
    client.get(LIST)  # warm the session
    for params in ({}, {"party": "yes"}, {"unit": tree.chapter.pk}):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, params)
        assert response.status_code == 200
        windowed = [q["sql"] for q in queries.captured_queries if "OVER ()" in q["sql"]]
        assert windowed == [], (params, windowed)
    assert response.context["totals"]["count"] == 5 and response.context["totals"]["party"] == 1


# Member page, masking and the access log ------------------------------------------------------------------


def test_outsider_gets_404_on_a_member_page(client_for, outsider, people):
    response = client_for(outsider).get(reverse("members:member_detail", args=[people["duc"].pk]))
    assert response.status_code == 404
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize(
    ("persona", "full"),
    [("secretary", True), ("administrator", True), ("commune_secretary", False), ("officer", False), ("viewer", False)],
)
def test_citizen_id_is_masked_unless_the_role_allows(request, client_for, people, persona, full):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(reverse("members:member_detail", args=[people["duc"].pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert ("001204012345" in content) is full
    assert ("•••••••••345" in content) is not full
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.member, log.action) == (user, people["duc"], "view")


def test_history_does_not_reveal_a_masked_citizen_id(client_for, secretary, officer, people):
    from members import services

    services.member_update(people["duc"], actor=secretary, citizen_id="001204099999")
    content = client_for(officer).get(reverse("members:member_detail", args=[people["duc"].pk])).content.decode()
    assert "001204099999" not in content and "001204012345" not in content


def test_access_log_is_for_administrators(client_for, administrator, secretary, people):
    client_for(secretary).get(reverse("members:member_detail", args=[people["duc"].pk]))
    assert client_for(secretary).get(reverse("members:access_log")).status_code == 403
    response = client_for(administrator).get(reverse("members:access_log"))
    assert response.status_code == 200
    assert [a.user for a in response.context["object_list"]] == [secretary]


# Add, quick add, edit -------------------------------------------------------------------------------------


def test_viewer_cannot_add(client_for, viewer, tree):
    client = client_for(viewer)
    assert client.get(reverse("members:member_quick_add")).status_code == 403
    assert client.get(reverse("members:member_create")).status_code == 403
    assert Member.objects.count() == 0


def quick(unit, **overrides):
    data = {
        "full_name": "Phạm Thị Mới",
        "birth_year": "1962",
        "gender": "F",
        "phone": "0987 654 321",
        "unit": unit.pk,
        "joined_on": TODAY.strftime("%d/%m/%Y"),
    }
    data.update(overrides)
    return data


def test_quick_add_preselects_her_chapter_and_saves(client_for, secretary, tree):
    client = client_for(secretary)
    form = client.get(reverse("members:member_quick_add")).context["form"]
    assert form.initial["unit"] == tree.chapter
    response = client.post(reverse("members:member_quick_add"), quick(tree.chapter))
    assert response.status_code == 302
    member = Member.objects.get()
    assert (member.full_name, member.unit, member.joined_on, member.birth_year) == (
        "Phạm Thị Mới",
        tree.chapter,
        TODAY,
        1962,
    )
    assert member.history.get().history_user == secretary


def _unit_reads(queries) -> list[str]:
    """The queries that read units themselves (not a join from members or summaries), and any server-side cursor."""
    return [
        q["sql"] for q in queries if 'FROM "chapters_unit"' in q["sql"].split(" WHERE ")[0] or "DECLARE" in q["sql"]
    ]


def test_the_quick_add_page_and_the_member_list_read_her_chapters_once_each(client_for, secretary, tree, make_member):
    """Issue 19's mixed load: the quick add page asked whether she has a chapter, which one, how many (twice) and
    then read them again through a server-side cursor to list them; the member list counted the scope for its
    filter, counted and listed her chapters for the bulk move and the dues rate, and read the filter's units through
    a cursor. Each page now reads the units it lists once, in one plain query, and shows the same choices."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_member(full_name="Hội Viên Một", unit=tree.chapter)
    client = client_for(secretary)
    client.get(reverse("members:member_quick_add"))  # warm the session and the scope
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("members:member_quick_add"))
    assert len(_unit_reads(queries)) == 1, _unit_reads(queries)
    form = response.context["form"]
    assert form.initial["unit"] == tree.chapter
    options = re.findall(r'<option value="(\d+)"', str(form["unit"]))
    assert options == [str(tree.chapter.pk)]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("members:member_quick_add"), {"unit": tree.other_chapter.pk})
    assert len(_unit_reads(queries)) == 1 and response.context["form"].initial["unit"] == tree.chapter

    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    # The filter's units (her scope), and her chapters for the bulk move and the dues rate.
    assert len(_unit_reads(queries)) == 2, _unit_reads(queries)
    filter_options = re.findall(r'<option value="(\d+)"', str(response.context["filter_form"]["unit"]))
    assert filter_options == [str(tree.chapter.pk)]
    assert "to_unit" not in response.context["move_form"].fields  # one chapter is no choice
    assert response.context["totals"]["count"] == 1


def test_quick_adds_in_a_row_remember_the_chapter_without_saving_the_session_each_time(client_for, secretary, tree):
    """The chapter last added to is remembered for the next form; a second member in the same chapter does not
    write the session again (issue 19: every quick add also updated the session row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(secretary)
    client.post(reverse("members:member_quick_add"), quick(tree.chapter))
    assert client.session["members_last_unit"] == tree.chapter.pk
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("members:member_quick_add"), {**quick(tree.chapter), "full_name": "Lò Văn Hai"})
    assert response.status_code == 302 and Member.objects.count() == 2
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]
    assert client.get(reverse("members:member_quick_add")).context["form"].initial["unit"] == tree.chapter


def test_quick_add_cannot_target_another_chapter(client_for, secretary, tree):
    response = client_for(secretary).post(reverse("members:member_quick_add"), quick(tree.other_chapter))
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    assert Member.objects.count() == 0


def test_quick_add_warns_about_a_likely_duplicate_before_saving(client_for, secretary, tree, make_member):
    make_member(unit=tree.other_chapter, full_name="Phạm Thị Mới", birth_year=1962)
    client = client_for(secretary)
    response = client.post(reverse("members:member_quick_add"), quick(tree.chapter, full_name="pham thi MOI"))
    assert response.status_code == 200 and "Có thể đã có người này" in response.content.decode()
    assert Member.objects.count() == 1
    response = client.post(
        reverse("members:member_quick_add"), quick(tree.chapter, full_name="Phạm Thị Mới", confirm_duplicate="True")
    )
    assert response.status_code == 302 and Member.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"full_name": ""}, "full_name", "họ và tên"),
        ({"birth_year": "1850"}, "birth_year", "Năm sinh"),
        ({"birth_year": lambda: str(timezone.localdate().year + 1)}, "birth_year", "Năm sinh"),
        ({"birth_year": "1990", "joined_on": "01/01/1985"}, "joined_on", "trước ngày sinh"),
        ({"phone": "09l2 345 678"}, "phone", "Số điện thoại"),
        ({"joined_on": "31/02/2024"}, "joined_on", "Ngày không hợp lệ"),
    ],
)
def test_quick_add_bad_input_shows_a_vietnamese_message_and_saves_nothing(
    client_for, secretary, tree, overrides, field, text
):
    # This year as the test runs, not as the suite was collected (a run past midnight on 31 December).
    overrides = {name: value() if callable(value) else value for name, value in overrides.items()}
    response = client_for(secretary).post(reverse("members:member_quick_add"), quick(tree.chapter, **overrides))
    assert response.status_code == 200
    assert text in " ".join(response.context["form"].errors[field])
    assert Member.objects.count() == 0


def test_full_add_rejects_a_card_number_used_in_the_province(client_for, secretary, tree, people):
    data = {**quick(tree.chapter), "card_number": "bd-001", "ethnicity": "Kinh"}
    response = client_for(secretary).post(reverse("members:member_create"), data)
    assert response.status_code == 200
    assert "BD-001" in response.context["form"].errors["card_number"][0]
    assert Member.objects.count() == 4


def test_edit_saves_and_stale_edit_is_refused(client_for, secretary, people):
    member = people["lan"]
    url = reverse("members:member_update", args=[member.pk])
    client = client_for(secretary)
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "household"}
    data.update({"full_name": "Trần Thị Lan Anh", "joined_on": "01/03/2020", "version": member.version})
    data.pop("birth_date", None)
    response = client.post(url, data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.full_name == "Trần Thị Lan Anh" and member.version == 2
    data["full_name"] = "Trần Lan"
    response = client.post(url, data)  # still version 1: somebody saved in between
    assert response.status_code == 200 and "vừa được" in response.content.decode()
    member.refresh_from_db()
    assert member.full_name == "Trần Thị Lan Anh"


def test_viewer_gets_403_and_outsider_404_on_edit(client_for, viewer, outsider, people):
    url = reverse("members:member_update", args=[people["lan"].pk])
    assert client_for(viewer).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404


# Bulk actions -------------------------------------------------------------------------------------------------


def bulk(action, members, **fields):
    data = {"action": action, "ids": [m.pk for m in members]}
    data.update(fields)
    return data


def test_bulk_dues_marks_the_ticked_members_paid(client_for, secretary, people):
    client = client_for(secretary)
    data = bulk(
        "dues",
        [people["duc"], people["lan"]],
        **{
            "dues-year": "2025",
            "dues-amount": "60.000",
            "dues-paid_on": "15/03/2025",
        },
    )
    response = client.post(reverse("members:member_bulk"), data)
    assert response.status_code == 302
    assert sorted(Due.objects.values_list("member__full_name", "amount")) == [
        ("Nguyễn Văn Đức", 60000),
        ("Trần Thị Lan", 60000),
    ]


def test_bulk_dues_with_a_bad_amount_saves_nothing(client_for, secretary, people):
    data = bulk(
        "dues", [people["duc"]], **{"dues-year": "2025", "dues-amount": "sáu mươi", "dues-paid_on": "15/03/2025"}
    )
    response = client_for(secretary).post(reverse("members:member_bulk"), data, follow=True)
    assert "Số tiền" in response.content.decode()
    assert Due.objects.count() == 0


def test_bulk_on_members_out_of_scope_is_refused(client_for, secretary, viewer, people):
    data = bulk(
        "dues",
        [people["duc"], people["tam"]],
        **{
            "dues-year": "2025",
            "dues-amount": "60000",
            "dues-paid_on": "15/03/2025",
        },
    )
    assert client_for(secretary).post(reverse("members:member_bulk"), data).status_code == 404
    data["ids"] = [people["duc"].pk]
    assert client_for(viewer).post(reverse("members:member_bulk"), data).status_code == 403
    assert Due.objects.count() == 0


def test_bulk_move_inside_scope_and_leave(client_for, commune_secretary, people, tree):
    client = client_for(commune_secretary)
    response = client.post(
        reverse("members:member_bulk"),
        bulk(
            "move", [people["duc"], people["lan"]], **{"move-to_unit": tree.other_chapter.pk, "move-on": "01/06/2025"}
        ),
    )
    assert response.status_code == 302
    assert set(Member.objects.filter(unit=tree.other_chapter).values_list("full_name", flat=True)) == {
        "Nguyễn Văn Đức",
        "Trần Thị Lan",
        "Lê Thị Hoa",
    }
    client.post(
        reverse("members:member_bulk"),
        bulk("leave", [people["hoa"]], **{"leave-on": "01/07/2025", "leave-reason": "moved_away"}),
    )
    assert Member.objects.get(pk=people["hoa"].pk).status == "moved_away"


# Moves between communes ----------------------------------------------------------------------------------------


def test_move_to_another_commune_goes_through_the_receivers_inbox(client_for, secretary, outsider, people, tree):
    response = client_for(secretary).post(
        reverse("members:member_move", args=[people["lan"].pk]),
        {"to_code": tree.outside_chapter.code, "on": "01/02/2025"},
    )
    assert response.status_code == 302
    move = MoveRequest.objects.get()
    assert Member.objects.get(pk=people["lan"].pk).unit == tree.chapter
    inbox = client_for(outsider).get(reverse("members:moverequest_list"))
    assert [m.pk for m in inbox.context["incoming"]] == [move.pk] and inbox.context["incoming"][0].can_decide
    # The sender cannot accept on the receiver's behalf.
    assert client_for(secretary).post(reverse("members:moverequest_accept", args=[move.pk])).status_code == 404
    client_for(outsider).post(reverse("members:moverequest_accept", args=[move.pk]))
    assert Member.objects.get(pk=people["lan"].pk).unit == tree.outside_chapter


def test_move_into_a_closed_year_shows_the_reason(client_for, commune_secretary, people, tree):
    from chapters.services.periods import period_close

    period_close(unit=tree.commune, year=2023)
    response = client_for(commune_secretary).post(
        reverse("members:member_move", args=[people["lan"].pk]),
        {"to_unit": tree.other_chapter.pk, "on": "01/06/2023"},
    )
    assert response.status_code == 200 and "khóa sổ" in response.content.decode()
    assert Member.objects.get(pk=people["lan"].pk).unit == tree.chapter


# Erasure ------------------------------------------------------------------------------------------------------


def test_only_an_administrator_erases(client_for, secretary, administrator, people):
    url = reverse("members:member_erase", args=[people["duc"].pk])
    assert client_for(secretary).get(url).status_code == 403
    response = client_for(administrator).post(
        url, {"requested_by": "Chính hội viên", "request_date": TODAY.strftime("%d/%m/%Y"), "confirm": "on"}
    )
    assert response.status_code == 302
    member = Member.objects.get(pk=people["duc"].pk)
    assert member.full_name == ERASED_NAME and member.citizen_id == "" and member.party_member


# Cards ----------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_cards_pdf_is_a_real_pdf_with_the_names(client_for, secretary, people, tmp_path):
    response = client_for(secretary).get(
        reverse("members:member_cards"), {"ids": f"{people['duc'].pk},{people['lan'].pk}"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert_shipped_fonts(response.content, "Sans")
    path = tmp_path / "cards.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "NGUYỄN VĂN ĐỨC" in text and "TRẦN THỊ LAN" in text and "THẺ HỘI VIÊN" in text
    assert PersonalDataAccess.objects.filter(action="export").count() == 2


def test_cards_ignore_members_out_of_scope(client_for, secretary, people):
    response = client_for(secretary).get(reverse("members:member_cards"), {"ids": str(people["tam"].pk)})
    assert response.status_code == 302
    assert not PersonalDataAccess.objects.exists()


# Households and clans ------------------------------------------------------------------------------------------


def test_household_and_clan_forms_lists_and_search(client_for, secretary, outsider, tree, people):
    client = client_for(secretary)
    response = client.post(
        reverse("members:clan_create"),
        {"unit": tree.chapter.pk, "name": "Dòng họ Nguyễn Đình", "representative": "Nguyễn Đình Thi"},
    )
    assert response.status_code == 302
    clan = Clan.objects.get()
    response = client.post(
        reverse("members:household_create"),
        {
            "unit": tree.chapter.pk,
            "head_name": "Nguyễn Đình Bảo",
            "address": "Số 5 ngõ Chùa",
            "people": "4",
            "clan": clan.pk,
        },
    )
    assert response.status_code == 302
    household = Household.objects.get()
    assert household.clan == clan and household.history.get().history_user == secretary
    found = client.get(reverse("members:household_list"), {"q": "dinh bao"}).context["object_list"]
    assert list(found) == [household]
    assert list(client.get(reverse("members:clan_list"), {"q": "nguyen dinh"}).context["object_list"]) == [clan]
    assert client_for(outsider).get(reverse("members:household_detail", args=[household.pk])).status_code == 404
    assert client_for(outsider).get(reverse("members:clan_detail", args=[clan.pk])).status_code == 404


def test_household_bad_input_saves_nothing(client_for, secretary, tree):
    response = client_for(secretary).post(
        reverse("members:household_create"), {"unit": tree.chapter.pk, "head_name": "", "people": "0"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "head_name" in errors and "people" in errors
    assert Household.objects.count() == 0


def test_viewer_cannot_add_households(client_for, viewer, tree):
    assert client_for(viewer).get(reverse("members:household_create")).status_code == 403


def test_big_unfiltered_list_takes_exact_totals_from_summaries(client_for, officer, people, monkeypatch):
    from members.views import members as member_views

    exact = client_for(officer).get(LIST).context["totals"]
    monkeypatch.setattr(member_views, "LARGE_SCOPE", 1)
    Member.objects.filter(pk=people["lan"].pk).update(gender="M")  # behind the summaries' back: shows which path
    from_summaries = client_for(officer).get(LIST).context["totals"]
    assert from_summaries == exact == {"count": 3, "party": 1, "female": 2}
    assert client_for(officer).get(LIST, {"q": "tran"}).context["totals"]["female"] == 0  # a search counts rows


def test_dues_from_her_page_and_undo(client_for, secretary, viewer, people):
    member = people["lan"]
    url = reverse("members:member_dues", args=[member.pk])
    data = {"dues-year": "2025", "dues-amount": "50.000", "dues-paid_on": "10/02/2025"}
    assert client_for(viewer).post(url, data).status_code == 403
    assert client_for(secretary).post(url, data).status_code == 302
    due = Due.objects.get(member=member)
    assert (due.year, due.amount) == (2025, 50000)
    page = client_for(secretary).get(reverse("members:member_detail", args=[member.pk]))
    assert page.context["dues_form"].initial["amount"] == "50.000"  # next year's form remembers the amount
    client_for(secretary).post(reverse("members:due_delete", args=[due.pk]))
    assert not Due.objects.exists() and Due.history.filter(history_type="-").count() == 1


def test_sender_can_cancel_a_pending_request_and_receiver_can_no_longer_accept(
    client_for, secretary, outsider, people, tree
):
    from members import services

    move = services.member_move(people["lan"], actor=secretary, to_unit=tree.outside_chapter, on=D(2025, 2, 1))
    assert client_for(outsider).post(reverse("members:moverequest_cancel", args=[move.pk])).status_code == 404
    client_for(secretary).post(reverse("members:moverequest_cancel", args=[move.pk]))
    move.refresh_from_db()
    assert move.status == "cancelled"
    client_for(outsider).post(reverse("members:moverequest_accept", args=[move.pk]))
    assert Member.objects.get(pk=people["lan"].pk).unit == tree.chapter


def test_household_edit_keeps_history_and_refuses_a_stale_version(client_for, secretary, tree):
    from chapters.services.records import record_save

    household = record_save(Household(unit=tree.chapter, head_name="Trần Văn Bình", people=3), actor=secretary)
    url = reverse("members:household_update", args=[household.pk])
    data = {"unit": tree.chapter.pk, "head_name": "Trần Văn Bình", "people": "5", "version": "1"}
    assert client_for(secretary).post(url, data).status_code == 302
    household.refresh_from_db()
    assert household.people == 5 and household.history.count() == 2
    response = client_for(secretary).post(url, {**data, "people": "6"})
    assert response.status_code == 200 and "vừa được" in response.content.decode()
    household.refresh_from_db()
    assert household.people == 5


def test_clan_board_must_be_a_clan_unit_of_the_same_commune(client_for, commune_secretary, tree):
    data = {"unit": tree.commune.pk, "name": "Dòng họ Lê", "board": tree.other_chapter.pk}
    response = client_for(commune_secretary).post(reverse("members:clan_create"), data)
    assert response.status_code == 200 and "board" in response.context["form"].errors
    assert not Clan.objects.exists()


def test_bulk_panel_offers_the_chapters_usual_dues_and_only_to_who_may_change(
    client_for, secretary, viewer, tree, make_member
):
    """The dues amount offered is the one most members paid in the latest year anyone paid (a tie: the higher);
    a read-only user gets the list without the panel's forms."""
    members = [make_member(full_name=f"Hội Viên {n}") for n in range(5)]
    paid = [(0, 2024, 99_000), (1, 2025, 30_000), (2, 2025, 30_000), (3, 2025, 60_000), (4, 2025, 60_000)]
    for index, year, amount in paid:
        Due.objects.create(member=members[index], unit=tree.chapter, year=year, amount=amount, paid_on=D(year, 3, 1))
    page = client_for(secretary).get(LIST)
    assert page.context["dues_form"].initial["amount"] == "60.000"
    assert "Ghi đã nộp hội phí" in page.content.decode()
    page = client_for(viewer).get(LIST)
    assert page.status_code == 200 and "dues_form" not in page.context and "move_form" not in page.context
    assert "Ghi đã nộp hội phí" not in page.content.decode()
