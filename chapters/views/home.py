from django.urls import reverse

from chapters import scoping
from chapters.models import Role


def _tasks(user, roles: list[Role]) -> list[dict]:
    """Short cuts to what the user's roles let them do, on the unit of each role."""
    tasks = []
    for role in roles[:5]:
        unit = role.unit
        name = unit.display_name
        if role.kind == Role.Kind.SECRETARY:
            tasks += [
                {"label": f"Cập nhật thông tin {name}", "url": reverse("chapters:unit_update", args=[unit.pk])},
                {"label": f"Nhập số liệu nền của {name}", "url": reverse("chapters:baseline_list", args=[unit.pk])},
                {
                    "label": f"Cập nhật lãnh đạo, nhiệm kỳ của {name}",
                    "url": reverse("chapters:leader_list", args=[unit.pk]),
                },
            ]
        elif role.kind == Role.Kind.OFFICER:
            url = reverse("chapters:unit_detail", args=[unit.pk])
            tasks.append({"label": f"Xem các đơn vị thuộc {name}, khóa sổ năm của từng đơn vị", "url": url})
        elif role.kind == Role.Kind.ADMINISTRATOR:
            tasks.append(
                {"label": f"Quản lý người dùng của {name}", "url": reverse("chapters:user_list") + f"?unit={unit.pk}"}
            )
    return tasks


def home_context(request) -> dict:
    """The landing page's context: the units the user holds roles on, with links into their work, and her roles
    with their units (`roles`, read once for the page). The page itself is served by reports.views.home, which
    adds what is still due (read from every app's summaries)."""
    user = request.user
    roles = list(Role.objects.filter(user=user).select_related("unit").order_by("unit__path", "kind"))
    if user.is_superuser:
        units = list(scoping.top_units(user)[:20])
    else:  # `top_units`, from the roles in memory
        units = sorted({role.unit_id: role.unit for role in roles}.values(), key=lambda unit: unit.order_key)[:20]
    return {"units": units, "tasks": _tasks(user, roles), "roles": roles}
