from reports.notifications import unread_count


def notifications(request):
    """The bell's unread count in the navigation (one small indexed count per page)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
