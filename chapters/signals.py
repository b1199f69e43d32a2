"""Signals the apps send one another through the ground floor (design.md §13: no domain app imports a sibling)."""

from django.dispatch import Signal

# Sent by members.services.member_erase, inside its transaction, when a member's personal data is erased on request
# (Law 91/2025). Arguments: member_id (int), erased_name (str: what the name becomes). An app that copied the
# member's name or other personal data into its own rows blanks it there too, history included; the rows themselves
# (and so every count) stay.
member_erased = Signal()

# Sent by chapters.services.tree.unit_move, inside its transaction, once the moved subtree has its new paths.
# Arguments: unit (the moved Unit, refreshed), old_path, new_path (str). An app whose rows derive something from
# where a unit stands (members: the province that makes card numbers unique) rewrites it here, or raises
# ValidationError with a Vietnamese message to refuse the move: the transaction rolls back and nothing changes.
unit_moved = Signal()
