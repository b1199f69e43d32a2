import datetime

from learning_models.models import TitleRecord, TitleType
from learning_models.services.records import registration_create
from members import services as member_services
from members.models.members import ERASED_NAME


def test_erasing_a_member_blanks_her_learning_citizen_record(tree, administrator):
    member = member_services.member_create(
        unit=tree.chapter, full_name="Phạm Thị Bí Mật", gender="F", birth_year=1960, joined_on=datetime.date(2020, 3, 1)
    )
    citizen = TitleType.objects.get(code="cdanht")
    record = registration_create(
        title_type=citizen,
        year=2025,
        member=member,
        unit=tree.chapter,
        registered_on=datetime.date(2025, 2, 1),
        evidence="Bà Bí Mật học tin học",
    )
    member_services.member_erase(
        member, actor=administrator, requested_by="Chính hội viên", request_date=datetime.date.today()
    )
    record.refresh_from_db()
    assert record.subject_name == ERASED_NAME and record.evidence == ""
    assert all(row.subject_name == ERASED_NAME for row in TitleRecord.history.filter(id=record.pk))
    # The record itself (and so the counts) stays.
    assert TitleRecord.objects.filter(pk=record.pk, year=2025).exists()
