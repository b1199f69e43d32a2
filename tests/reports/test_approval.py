"""Issue 16: the level above accepts, returns (with a reason), waives and re-opens; accepted locks the child's
year through the one closed-period mechanism; the parent submits only when every child is settled; two officers
at once: one wins, the other is told."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from chapters.models import ClosedPeriod, Role
from chapters.services.periods import closure_for, period_reopen
from reports import approval
from reports.models import Notification, Report
from reports.services import report_finalise, report_submit, report_update_text
from tests.factories import RoleFactory, UserFactory

from .conftest import YEAR, ready, scan, sent


@pytest.fixture
def commune_people(officer, commune_secretary):
    officer.email, commune_secretary.email = "minh@phuong.example", "hoa@phuong.example"
    officer.save()
    commune_secretary.save()
    return officer, commune_secretary


def test_full_round_submit_return_correct_resubmit_accept(
    tree, commune_people, province_officer, django_capture_on_commit_callbacks
):
    officer, secretary = commune_people
    report = sent(tree.commune, officer)
    assert report.status == Report.Status.SUBMITTED
    assert closure_for(tree.commune, YEAR) is not None  # the data sent is frozen while the province reads it
    number = report.number

    with django_capture_on_commit_callbacks(execute=True):
        approval.report_return(
            report=report, actor=province_officer, reason="Thiếu số liệu quỹ tháng 12.", expected_version=report.version
        )
    report.refresh_from_db()
    assert (report.status, report.decision_reason) == (Report.Status.RETURNED, "Thiếu số liệu quỹ tháng 12.")
    assert closure_for(tree.commune, YEAR) is None  # re-opened so that the commune can correct its data
    # The commune's officer and secretary are told at once, in the app and by e-mail, with the reason and a link.
    notes = Notification.objects.filter(kind=Notification.Kind.RETURNED)
    assert {n.user for n in notes} == {officer, secretary}
    assert {tuple(m.to) for m in mail.outbox} == {("minh@phuong.example",), ("hoa@phuong.example",)}
    body = mail.outbox[0].body
    assert "Thiếu số liệu quỹ tháng 12." in body and reverse("reports:report_detail", args=[report.pk]) in body
    assert all(n.email == Notification.Email.SENT for n in notes)

    report_update_text(report=report, actor=officer, expected_version=report.version, assessment="Đã bổ sung quỹ.")
    ready(tree.commune, actor=officer)  # a new render
    report = report_finalise(report=Report.objects.get(pk=report.pk), actor=officer)
    assert report.number == number  # the corrected report keeps its document number
    report = report_submit(report=report, scan=scan("lan-2.pdf"), actor=officer)
    assert closure_for(tree.commune, YEAR) is not None

    report = approval.report_accept(report=report, actor=province_officer)
    assert report.status == Report.Status.ACCEPTED
    closure = closure_for(tree.commune, YEAR)
    assert closure is not None and closure.unit == tree.commune
    # Each round is kept: who, what, why, which render and which scan.
    events = list(report.events.values_list("action", "actor_name", "reason"))
    assert [e[0] for e in events] == ["finalise", "submit", "return", "finalise", "submit", "accept"]
    assert events[2][2] == "Thiếu số liệu quỹ tháng 12."
    submits = report.events.filter(action="submit")
    assert all(e.scan and e.run for e in submits) and submits[0].scan.name != submits[1].scan.name


def test_accepted_year_reopens_only_through_the_level_above(tree, officer, province_officer):
    report = approval.report_accept(report=sent(tree.commune, officer), actor=province_officer)
    commune_admin = UserFactory(username="quantri_phuong")
    RoleFactory(user=commune_admin, unit=tree.commune, kind=Role.Kind.ADMINISTRATOR)
    # The commune's own administrator may re-open its years on the periods page, but not an accepted one.
    with pytest.raises(ValidationError, match="đã được cấp trên chấp nhận"):
        period_reopen(unit=tree.commune, year=YEAR, actor=commune_admin, reason="Sửa lại")
    assert closure_for(tree.commune, YEAR) is not None
    # The commune's officer cannot re-open it either (the machine: reviewer or administrator above only).
    with pytest.raises(ValidationError, match="Chỉ cán bộ của hội cấp trên hoặc quản trị của hội cấp trên"):
        approval.report_reopen(report=report, actor=officer, reason="Chúng tôi muốn sửa")
    report = approval.report_reopen(report=report, actor=province_officer, reason="Phát hiện sai số hội viên")
    assert report.status == Report.Status.RETURNED and closure_for(tree.commune, YEAR) is None
    reopened = ClosedPeriod.objects.get(unit=tree.commune, year=YEAR, reopened_at__isnull=False)
    assert "Phát hiện sai số hội viên" in reopened.reopen_reason


def test_an_officer_cannot_accept_her_own_report_and_nothing_changes(tree, officer, province_officer):
    report = sent(tree.commune, officer)
    before = (report.status, report.version, report.events.count())
    with pytest.raises(ValidationError) as refused:
        approval.report_accept(report=report, actor=officer)
    assert "Chỉ cán bộ của hội cấp trên" in refused.value.messages[0]
    report.refresh_from_db()
    assert (report.status, report.version, report.events.count()) == before
    # Nor can the level above accept what was never sent.
    draft = ready(tree.other_commune)
    with pytest.raises(ValidationError, match="Không thể chấp nhận báo cáo đang ở trạng thái «Đang soạn»"):
        approval.report_accept(report=draft, actor=province_officer)


def test_a_stale_page_is_told_who_acted_first(tree, officer, province_officer):
    report = sent(tree.commune, officer)
    shown = report.version
    other = UserFactory(username="canbo_tinh_2", first_name="Tùng", last_name="Lê Văn")
    RoleFactory(user=other, unit=tree.province, kind=Role.Kind.OFFICER)
    approval.report_accept(report=report, actor=other, expected_version=shown)
    with pytest.raises(ValidationError) as refused:
        approval.report_return(report=report, actor=province_officer, reason="Sai số liệu", expected_version=shown)
    message = refused.value.messages[0]
    assert "vừa được Lê Văn Tùng chấp nhận" in message and "chưa được thực hiện" in message
    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED and not report.events.filter(action="return").exists()


@pytest.mark.django_db(transaction=True)
def test_two_officers_at_once_one_wins_the_other_is_told(tree, officer, province_officer):
    report = sent(tree.commune, officer)
    other = UserFactory(username="canbo_tinh_2", first_name="Tùng", last_name="Lê Văn")
    RoleFactory(user=other, unit=tree.province, kind=Role.Kind.OFFICER)
    shown = report.version
    start = threading.Barrier(2)
    outcomes = {}

    def act(name, call):
        start.wait()
        try:
            call()
            outcomes[name] = "ok"
        except ValidationError as error:
            outcomes[name] = error.messages[0]
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=act,
            args=("accept", lambda: approval.report_accept(report=report, actor=other, expected_version=shown)),
        ),
        threading.Thread(
            target=act,
            args=(
                "return",
                lambda: approval.report_return(
                    report=report, actor=province_officer, reason="Thiếu chữ ký", expected_version=shown
                ),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(v == "ok" for v in outcomes.values()) == [False, True]
    winner = next(name for name, v in outcomes.items() if v == "ok")
    loser_message = next(v for v in outcomes.values() if v != "ok")
    report.refresh_from_db()
    assert report.status == {"accept": Report.Status.ACCEPTED, "return": Report.Status.RETURNED}[winner]
    assert "vừa được" in loser_message and "chưa được thực hiện" in loser_message
    assert report.events.filter(action__in=["accept", "return"]).count() == 1


def test_the_parent_submits_only_when_every_child_is_accepted_or_waived(tree, officer, province_officer):
    province_report = report_finalise(report=ready(tree.province, actor=province_officer), actor=province_officer)
    # The province officer is the province report's author (no level above it in this tree).
    with pytest.raises(ValidationError, match="còn 2 đơn vị trực thuộc") as refused:
        report_submit(report=province_report, scan=scan(), actor=province_officer)
    assert "phường Bạch Đằng" in refused.value.messages[0]
    province_report.refresh_from_db()
    assert province_report.status == Report.Status.FINAL and not province_report.scan

    approval.report_accept(report=sent(tree.commune, officer), actor=province_officer)
    with pytest.raises(ValidationError, match="còn 1 đơn vị trực thuộc"):
        report_submit(report=province_report, scan=scan(), actor=province_officer)
    with pytest.raises(ValidationError, match="Hãy ghi lý do miễn"):
        approval.report_waive(unit=tree.other_commune, year=YEAR, period="Y", actor=province_officer, reason=" ")
    approval.report_waive(
        unit=tree.other_commune, year=YEAR, period="Y", actor=province_officer, reason="Xã mới sáp nhập, chưa có hội"
    )
    report = report_submit(report=province_report, scan=scan(), actor=province_officer)
    assert report.status == Report.Status.SUBMITTED


# The views ----------------------------------------------------------------------------------------------------


def test_decision_view_permissions(client, client_for, tree, officer, viewer, outsider, province_officer):
    report = sent(tree.commune, officer)
    url = reverse("reports:report_decide", args=[report.pk])
    data = {"action": "accept", "version": report.version}
    response = client.post(url, data)
    assert response.status_code == 302 and "/dang-nhap/" in response.url
    assert client_for(outsider).post(url, data).status_code == 404
    assert client_for(viewer).post(url, data).status_code == 403
    # The commune's own officer: a clear message, nothing changed.
    response = client_for(officer).post(url, data, follow=True)
    assert "Chỉ cán bộ của hội cấp trên" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    # Return without a reason: refused with a message.
    response = client_for(province_officer).post(url, {"action": "return", "version": report.version}, follow=True)
    assert "Hãy ghi lý do trả lại" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    children = reverse("reports:children", args=[tree.province.pk])
    response = client_for(province_officer).post(url, {**data, "next": children})
    assert response.status_code == 302 and response.url == children
    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED


def test_the_province_page_shows_each_child_and_links_to_its_report_and_figures(
    client_for, tree, officer, province_officer, viewer
):
    report = sent(tree.commune, officer)
    page = client_for(province_officer).get(reverse("reports:children", args=[tree.province.pk]), {"year": YEAR})
    assert page.status_code == 200
    rows = {row["unit"]: row for row in page.context["rows"]}
    assert rows[tree.commune]["status"] == Report.Status.SUBMITTED
    assert rows[tree.other_commune]["status"] is None and rows[tree.other_commune]["late"]  # 15/12/2025 has passed
    html = page.content.decode()
    assert reverse("reports:report_detail", args=[report.pk]) in html
    assert reverse("reports:unit_dashboard", args=[tree.commune.pk]) in html
    assert reverse("reports:report_decide", args=[report.pk]) in html
    # A viewer of the commune is out of the province's sight.
    assert client_for(viewer).get(reverse("reports:children", args=[tree.province.pk])).status_code == 404
    waive = client_for(officer).post(
        reverse("reports:report_waive", args=[tree.other_commune.pk]), {"year": YEAR, "period": "Y", "reason": "x"}
    )
    assert waive.status_code == 404  # the commune's officer does not see the other commune
    response = client_for(province_officer).post(
        reverse("reports:report_waive", args=[tree.other_commune.pk]),
        {"year": YEAR, "period": "Y", "reason": "Hội mới thành lập"},
    )
    assert response.status_code == 302
    waived = Report.objects.get(unit=tree.other_commune, year=YEAR)
    assert (waived.status, waived.decision_reason) == (Report.Status.WAIVED, "Hội mới thành lập")


def test_the_level_above_reads_but_does_not_rewrite_a_returned_report(client_for, tree, officer, province_officer):
    report = approval.report_return(report=sent(tree.commune, officer), actor=province_officer, reason="Sửa phần II")
    url = reverse("reports:report_text", args=[report.pk])
    response = client_for(province_officer).post(url, {"assessment": "Cấp trên viết hộ", "version": report.version})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.assessment == ""
    response = client_for(officer).post(url, {"assessment": "Đã sửa phần II", "version": report.version})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.assessment == "Đã sửa phần II"


def test_the_province_page_query_count_does_not_grow_with_the_communes(
    client_for, tree, officer, province_officer, django_assert_max_num_queries
):
    from tests.factories import CommuneFactory

    sent(tree.commune, officer)
    client = client_for(province_officer)
    url = reverse("reports:children", args=[tree.province.pk])
    client.get(url, {"year": YEAR})  # warm the session and the user's roles
    with django_assert_max_num_queries(16) as few:
        client.get(url, {"year": YEAR})
    few = len(few.captured_queries)  # read now: the next request empties the connection's log
    for number in range(5):
        CommuneFactory(parent=tree.province, name=f"Xã Thêm {number}", code=f"1009{number}", division_type="xã")
    client.get(url, {"year": YEAR})  # the tree changed: the user's scope is read again, once
    with django_assert_max_num_queries(few):
        assert len(client.get(url, {"year": YEAR}).context["rows"]) == 7


def test_the_counts_of_the_reports_below_read_the_children_with_their_reports_in_one_query(
    tree, officer, django_assert_num_queries
):
    """Issue 19's mixed load: every association's dashboard read its children, then their reports, then the
    deadlines. The children come with the report of the period in one query; reports of other periods and years
    are not counted."""
    sent(tree.commune, officer)
    sent(tree.commune, officer, year=YEAR - 1)
    Report.objects.create(unit=tree.other_commune, year=YEAR, period=Report.Period.H1)
    today = datetime.date(YEAR, 12, 1)
    with django_assert_num_queries(2):  # the children with their reports; the deadlines
        counts = approval.children_report_counts(unit=tree.province, year=YEAR, today=today)
    assert counts == {"total": 2, "sent": 1, "late": 1, "waiting": 1}  # sent now, after its deadline of 2025


def test_the_counts_of_the_reports_below_agree_with_the_rows_and_build_no_unit_or_report(
    tree, officer, province_officer
):
    from django.db.models.signals import post_init

    from chapters.models import Unit
    from tests.factories import CommuneFactory

    accepted, returned, waived = (
        CommuneFactory(parent=tree.province, name=f"Xã {name}", code=code, division_type="xã")
        for name, code in (("Chấp Nhận", "10003"), ("Trả Lại", "10004"), ("Miễn", "10005"))
    )
    gone = CommuneFactory(parent=tree.province, name="Xã Đã Sáp Nhập", code="10006", division_type="xã")
    Unit.objects.filter(pk=gone.pk).update(active_until=datetime.date(YEAR, 6, 30))
    for commune in (accepted, returned):
        RoleFactory(user=officer, unit=commune, kind=Role.Kind.OFFICER)
    sent(tree.commune, officer)  # waiting for the province, sent late (now, December 2026)
    approval.report_accept(report=sent(accepted, officer), actor=province_officer)
    approval.report_return(report=sent(returned, officer), actor=province_officer, reason="Thiếu số liệu quỹ.")
    approval.report_waive(unit=waived, year=YEAR, period="Y", actor=province_officer, reason="Mới thành lập")
    # tree.other_commune has no report at all.

    built = []

    def count(sender, instance, **kwargs):
        if sender in (Unit, Report):
            built.append(instance)

    for today in (datetime.date(YEAR, 12, 1), datetime.date(2026, 12, 7)):  # before the deadline, long after
        rows = approval.children_status(unit=tree.province, year=YEAR, today=today)
        built.clear()
        post_init.connect(count, weak=False)
        try:
            counts = approval.children_report_counts(unit=tree.province, year=YEAR, today=today)
        finally:
            post_init.disconnect(count)
        assert built == []
        assert counts == {
            "total": len(rows),
            "sent": sum(row["sent"] or row["settled"] for row in rows),
            "late": sum(row["late"] and not row["settled"] for row in rows),
            "waiting": sum(row["status"] == Report.Status.SUBMITTED for row in rows),
        }
        assert {row["unit"] for row in rows} == {tree.commune, tree.other_commune, accepted, returned, waived}
    # Before the deadline only the reports sent after it (in 2026) are late; long after, the unsent one too.
    assert approval.children_report_counts(unit=tree.province, year=YEAR, today=datetime.date(YEAR, 12, 1)) == {
        "total": 5,
        "sent": 3,
        "late": 2,
        "waiting": 1,
    }
    assert approval.children_report_counts(unit=tree.province, year=YEAR, today=datetime.date(2026, 12, 7)) == {
        "total": 5,
        "sent": 3,
        "late": 3,
        "waiting": 1,
    }
    assert approval.children_report_counts(unit=tree.chapter, year=YEAR) == {
        "total": 0,
        "sent": 0,
        "late": 0,
        "waiting": 0,
    }
