"""Erasing a member (Law 91/2025) reaches her name in award recipient lists, through chapters.signals."""

import datetime

from awards.models import Recipient
from members import services as member_services
from members.models.members import ERASED_NAME

from .conftest import add_recipient


def test_erasing_a_member_blanks_her_name_in_award_lists_and_keeps_the_award(tree, administrator, decision):
    member = member_services.member_create(
        unit=tree.chapter, full_name="Phạm Thị Bí Mật", gender="F", birth_year=2010, joined_on=datetime.date(2024, 3, 1)
    )
    hers = add_recipient(
        decision,
        name="Phạm Thị Bí Mật",
        unit=tree.chapter,
        amount=500_000,
        member_id=member.pk,
        school="Trường THCS Bạch Đằng",
        grade="8A",
        achievement="Giải Nhì học sinh giỏi cấp quận",
    )
    other = add_recipient(decision, name="Lê Văn Khác", unit=tree.chapter, amount=300_000)
    assert Recipient.objects.search("bi mat").filter(pk=hers.pk).exists()

    member_services.member_erase(
        member, actor=administrator, requested_by="Chính hội viên", request_date=datetime.date.today()
    )

    hers.refresh_from_db()
    assert (hers.name, hers.school, hers.grade) == (ERASED_NAME, "", "")
    assert (hers.amount, hers.achievement, hers.unit) == (500_000, "Giải Nhì học sinh giỏi cấp quận", tree.chapter)
    assert all(
        (row.name, row.school, row.grade) == (ERASED_NAME, "", "") for row in Recipient.history.filter(id=hers.pk)
    )
    assert not Recipient.objects.search("bi mat").exists()
    other.refresh_from_db()
    assert other.name == "Lê Văn Khác"
    assert decision.recipients.count() == 2
