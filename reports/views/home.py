from django.shortcuts import render

from chapters.views.home import home_context
from reports.due import what_is_due


def home(request):
    """The landing page: the user's units and tasks (chapters), and what is still due this year (summaries)."""
    return render(request, "home.html", {**home_context(request), "due": what_is_due(request.user)})
