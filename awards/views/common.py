"""Helpers shared by the awards screens."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from chapters import scoping
from chapters.forms import add_errors
from chapters.services.records import EditConflict


def can_enter_somewhere(user) -> bool:
    paths = scoping.role_paths(user, scoping.CHANGE)
    return paths is None or bool(paths)


def ensure_can_enter_somewhere(user) -> None:
    """For "add" screens without an object yet: 404 for a user who sees nothing, 403 for a read-only one."""
    if can_enter_somewhere(user):
        return
    if scoping.units_for(user).exists():
        raise PermissionDenied("Bạn chỉ có quyền xem; không thể nhập khen thưởng.")
    raise Http404


def save_through(form, service, obj, **kwargs):
    """Call a save service with the form's version; put its refusal on the form. Returns the object or None."""
    try:
        return service(obj, expected_version=form.cleaned_data.get("version"), **kwargs)
    except EditConflict as conflict:
        form.add_error(None, conflict)
        form.data = form.data.copy()
        form.data["version"] = conflict.current.version
    except ValidationError as error:
        add_errors(form, error)
    return None


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)
