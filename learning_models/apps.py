from django.apps import AppConfig


class LearningModelsConfig(AppConfig):
    name = "learning_models"
    verbose_name = "Mô hình học tập"

    def ready(self):
        from learning_models import imports, providers
        from members.services import register_erasure_hook

        providers.register_all()
        imports.register_all()
        register_erasure_hook(erase_member_records)


def erase_member_records(member) -> None:
    """A learning citizen's record keeps the person's name: erasing the member blanks it here too, in the
    records and their history (the counts stay: the record, its title and year are kept)."""
    from learning_models.models import TitleRecord
    from members.services import ERASED_NAME

    records = TitleRecord.objects.filter(member=member)
    TitleRecord.history.filter(member_id=member.pk).update(subject_name=ERASED_NAME, evidence="")
    records.update(subject_name=ERASED_NAME, search_key="", sort_key="", evidence="")
