"""Issue 16: e-mail reaches a real SMTP server (aiosmtpd, started by the test) with the right recipients and
nothing out of scope; a mail server that is down does not block the approval; sends are idempotent."""

import datetime
import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from chapters.models import Role
from reports import approval
from reports.models import Notification, NotificationSettings
from reports.notifications import notifications_retry
from reports.reminders import submitted_digest
from tests.factories import CommuneFactory, ProvinceFactory, RoleFactory, UserFactory

from .conftest import sent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """What the SMTP server received: (recipients, subject, text) per message."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((sorted(envelope.rcpt_tos), str(message["subject"]), message.get_body().get_content()))
        return "250 OK"

    def to(self, address: str) -> list[tuple]:
        return [m for m in self.messages if address in m[0]]


def _start(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def smtp_port(settings):
    port = _free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.SITE_URL = "https://khuyenhoc.example.gov.vn"
    return port


@pytest.fixture
def smtp(smtp_port):
    controller, inbox = _start(smtp_port)
    yield inbox
    controller.stop()


@pytest.fixture
def commune_people(officer, commune_secretary):
    officer.email, commune_secretary.email = "minh@phuong.example", "hoa@phuong.example"
    officer.save()
    commune_secretary.save()
    return officer, commune_secretary


def test_a_returned_report_is_mailed_to_the_communes_people_with_the_reason_and_a_link(
    smtp, tree, commune_people, province_officer, viewer, django_capture_on_commit_callbacks
):
    officer, secretary = commune_people
    viewer.email = "kiemtra@phuong.example"
    viewer.save()
    report = sent(tree.commune, officer)
    with django_capture_on_commit_callbacks(execute=True):
        approval.report_return(report=report, actor=province_officer, reason="Thiếu bản ký của chủ tịch hội.")
    assert sorted(m[0][0] for m in smtp.messages) == ["hoa@phuong.example", "minh@phuong.example"]
    recipients, subject, text = smtp.to("hoa@phuong.example")[0]
    assert recipients == ["hoa@phuong.example"]  # one message each: nobody sees who else was told
    assert "bị trả lại" in subject
    assert "Lý do: Thiếu bản ký của chủ tịch hội." in text
    assert f"https://khuyenhoc.example.gov.vn/bao-cao/{report.pk}/" in text
    assert not smtp.to("kiemtra@phuong.example")  # a viewer writes nothing and is not asked to correct anything
    assert not smtp.to(province_officer.email)


def test_the_daily_digest_lists_only_units_in_the_recipients_scope(
    smtp, tree, officer, province_officer, django_capture_on_commit_callbacks
):
    """Two provinces: each province's officer hears of her own communes only; a commune officer of nothing."""
    other_province = ProvinceFactory(name="Tỉnh Bên Cạnh", code="T02")
    far_commune = CommuneFactory(parent=other_province, name="Xã Xa Xôi", code="20001", division_type="xã")
    far_officer = UserFactory(username="canbo_xa", email="xa@tinh2.example")
    RoleFactory(user=far_officer, unit=other_province, kind=Role.Kind.OFFICER)
    officer.email = "minh@phuong.example"
    officer.save()
    author = UserFactory(username="tonghop", is_superuser=True)
    for unit in (tree.commune, tree.other_commune, far_commune):
        sent(unit, author)

    now = timezone.now() + datetime.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert submitted_digest(now) == 2
        assert submitted_digest(now) == 0  # the same day again: nothing twice
    mine = smtp.to(province_officer.email)
    theirs = smtp.to("xa@tinh2.example")
    assert len(mine) == len(theirs) == 1 and len(smtp.messages) == 2
    assert "phường Bạch Đằng" in mine[0][2] and "xã Hòa Bình" in mine[0][2] and "Xa Xôi" not in mine[0][2]
    assert "Xa Xôi" in theirs[0][2] and "Bạch Đằng" not in theirs[0][2] and "Hòa Bình" not in theirs[0][2]
    assert not smtp.to("minh@phuong.example")


def test_a_mail_server_that_is_down_does_not_block_the_approval(
    smtp_port, tree, commune_people, province_officer, client_for, django_capture_on_commit_callbacks
):
    officer, _secretary = commune_people
    report = sent(tree.commune, officer)
    with django_capture_on_commit_callbacks(execute=True):  # nothing listens on the port
        approval.report_return(report=report, actor=province_officer, reason="Sai số hội viên")
    report.refresh_from_db()
    assert report.status == "returned"
    pending = Notification.objects.filter(kind=Notification.Kind.RETURNED)
    assert pending.count() == 2 and all(n.email == Notification.Email.PENDING for n in pending)
    assert all(n.email_attempts == 1 and "Connection" in n.email_error for n in pending)
    page = client_for(officer).get("/bao-cao/thong-bao/").content.decode()
    assert "Đang chờ gửi e-mail" in page and "thư đang chờ gửi" in page

    controller, inbox = _start(smtp_port)  # the mail server is back; the periodic retry sends them
    try:
        assert notifications_retry() == 2
        assert notifications_retry() == 0  # sent once, never again
    finally:
        controller.stop()
    assert sorted(m[0][0] for m in inbox.messages) == ["hoa@phuong.example", "minh@phuong.example"]
    assert all(n.email == Notification.Email.SENT for n in Notification.objects.filter(kind="returned"))


def test_a_user_who_turned_email_off_is_told_in_the_app_only(
    smtp, tree, commune_people, province_officer, client_for, django_capture_on_commit_callbacks
):
    officer, secretary = commune_people
    response = client_for(secretary).post("/bao-cao/thong-bao/e-mail/", {})  # the box unticked
    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=secretary).email is False
    report = sent(tree.commune, officer)
    with django_capture_on_commit_callbacks(execute=True):
        approval.report_return(report=report, actor=province_officer, reason="Thiếu số liệu")
    assert [m[0] for m in smtp.messages] == [["minh@phuong.example"]]
    note = Notification.objects.get(user=secretary)
    assert note.email == Notification.Email.NONE and note.read_at is None
