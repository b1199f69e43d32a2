from django.apps import AppConfig


class LearningModelsConfig(AppConfig):
    name = "learning_models"
    verbose_name = "Mô hình học tập"

    def ready(self):
        from chapters.signals import member_erased
        from learning_models import imports, providers

        providers.register_all()
        imports.register_all()
        member_erased.connect(erase_member_records, dispatch_uid="learning_models.erase_member_records")


def erase_member_records(sender, member_id: int, erased_name: str, **kwargs) -> None:
    """A learning citizen's record keeps the person's name: erasing the member blanks it here too, in the
    records and their history (the counts stay: the record, its title and year are kept)."""
    from learning_models.models import TitleRecord

    TitleRecord.history.filter(member_id=member_id).update(subject_name=erased_name, evidence="")
    TitleRecord.objects.filter(member_id=member_id).update(
        subject_name=erased_name, search_key="", sort_key="", evidence=""
    )
