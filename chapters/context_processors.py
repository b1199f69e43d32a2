from chapters import scoping


def roles(request):
    """The units the user holds roles on, for the navigation; evaluated lazily by the template."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {
        "home_units": scoping.top_units(user)[:5],
        "manages_users": user.is_superuser or bool(scoping.role_paths(user, scoping.MANAGE)),
        # Read-only users (viewers, officers) are not offered data-entry links that would end in a 403.
        "enters_data": user.is_superuser or bool(scoping.role_paths(user, scoping.CHANGE)),
    }
