"""Classes of the community learning centres: saving a class with its participants, deleting one."""

from django.db import transaction

from chapters.services.records import record_delete, record_save
from chapters.summaries import summaries_refresh
from core.text import nfc
from learning_models.models import ClassParticipant, LearningClass


def parse_participants(text: str) -> list[str]:
    """One name per line (pasted from Excel); blank lines and surrounding spaces ignored."""
    return [name for name in (nfc(line) for line in (text or "").splitlines()) if name]


def _refresh(unit_years: set[tuple[int, int]]) -> None:
    for unit_id, year in unit_years:
        summaries_refresh(unit_ids=[unit_id], years=[year], providers=["classes"])


@transaction.atomic
def class_save(
    learning_class: LearningClass,
    *,
    participants: list[str] | None = None,
    actor=None,
    expected_version: int | None = None,
) -> LearningClass:
    """Create or edit a class. With a list of participants, it replaces the old list; attendances left at 0 are
    taken from the list's length."""
    before = None
    if learning_class.pk:
        before = LearningClass.objects.filter(pk=learning_class.pk).values_list("unit_id", "starts_on").first()
    if participants is not None and not learning_class.attendances:
        learning_class.attendances = len(participants)
    record_save(learning_class, actor=actor, expected_version=expected_version)
    if participants is not None:
        old = {p.name: p for p in learning_class.participants.all()}
        for name, participant in old.items():
            if name not in participants:
                participant.delete()
        for name in participants:
            if name not in old:
                ClassParticipant.objects.create(learning_class=learning_class, name=name)
                old[name] = True
    touched = {(learning_class.unit_id, learning_class.starts_on.year)}
    if before:
        touched.add((before[0], before[1].year))
    _refresh(touched)
    return learning_class


@transaction.atomic
def class_delete(learning_class: LearningClass, *, actor=None, reason: str = "") -> None:
    key = (learning_class.unit_id, learning_class.starts_on.year)
    record_delete(learning_class, actor=actor, reason=reason)
    _refresh({key})
