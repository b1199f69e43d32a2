from django.shortcuts import render

from chapters import scoping


def home(request):
    """The landing page: the units the user holds roles on, with links into their work."""
    units = list(scoping.top_units(request.user)[:20])
    return render(request, "home.html", {"units": units})
