"""Closed-period keys for records whose dated facts can be followed by later events (design.md §4).

A closed year freezes the facts dated in it, not the whole record: a member who joined in a closed 2023 can
still change her phone or leave in 2026. So `period_keys()` names the facts that change in this save (old and
new value), and every fact of a record that is new. `all_period_keys()` names every fact, for deletions.
"""

from chapters.models import Unit


class DatedFactsMixin:
    # People carry on when their chapter closes: a membership in a merged chapter ends (or its member leaves) on
    # the day she is moved out, which may come after the closing; the closed-unit guard leaves these facts alone.
    unit_closing_guard = False

    def fact_values(self) -> dict[str, tuple[int | None, object]]:
        """{fact name: (unit id, date)} of this record; subclasses say which fields are dated facts."""
        raise NotImplementedError

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        if not instance.get_deferred_fields():
            instance._loaded_facts = instance.fact_values()
        return instance

    def remember_facts(self) -> None:
        self._loaded_facts = self.fact_values()

    def _unit(self, unit_id):
        if unit_id is None:
            return None
        if unit_id == getattr(self, "unit_id", None):
            return self.unit
        return Unit.objects.get(pk=unit_id)

    def all_period_keys(self):
        return [(self._unit(unit_id), day) for unit_id, day in self.fact_values().values() if day is not None]

    def period_keys(self):
        loaded = getattr(self, "_loaded_facts", None)
        if self._state.adding or loaded is None:
            return self.all_period_keys()
        keys = []
        for name, (unit_id, day) in self.fact_values().items():
            old = loaded.get(name)
            if old != (unit_id, day):
                if old and old[1] is not None:
                    keys.append((self._unit(old[0]), old[1]))
                if day is not None:
                    keys.append((self._unit(unit_id), day))
        return keys
