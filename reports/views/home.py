from django.shortcuts import render

from chapters.views.home import home_context
from reports.due import what_is_due


def home(request):
    """The landing page: the user's units and tasks (chapters), and what is still due this year (summaries)."""
    context = home_context(request)
    return render(request, "home.html", {**context, "due": what_is_due(request.user, roles=context["roles"])})
