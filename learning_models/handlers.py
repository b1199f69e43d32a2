"""What the titles app does when another app tells it something (docs/architecture.md, "Seams between apps")."""


def erase_member_records(sender, member_id: int, erased_name: str, **kwargs) -> None:
    """A learning citizen's record keeps the person's name: erasing the member blanks it here too, in the
    records and their history (the counts stay: the record, its title and year are kept)."""
    from learning_models.models import TitleRecord

    TitleRecord.history.filter(member_id=member_id).update(subject_name=erased_name, evidence="")
    TitleRecord.objects.filter(member_id=member_id).update(
        subject_name=erased_name, search_key="", sort_key="", evidence=""
    )
