from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse

from core.text import CONTROL_CHARACTERS, strip_controls

MUST_CHANGE_PASSWORD = "must_change_password"


class ControlCharactersMiddleware:
    """Text enters through forms and query strings: C0/C1 control characters are taken out of every submitted
    value before any form sees it (issue 15: a stored \\x07 made whole exports fail). Files are left alone; the
    import pipeline cleans their cells itself."""

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _cleaned(data):
        if not any(CONTROL_CHARACTERS.search(value) for values in data.lists() for value in values[1]):
            return data
        cleaned = data.copy()
        for key, values in data.lists():
            cleaned.setlist(key, [strip_controls(value) for value in values])
        cleaned._mutable = False
        return cleaned

    def __call__(self, request):
        request.GET = self._cleaned(request.GET)
        if request.method == "POST" and request.content_type in self.FORM_TYPES:
            request.POST = self._cleaned(request.POST)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """A strict Content-Security-Policy: every asset is served by the application itself (design.md §8)."""

    POLICY = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not settings.DEBUG or not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", self.POLICY)
        return response


@receiver(user_logged_in)
def _remember_temporary_password(sender, request, user, **kwargs):
    """Read once at login (not on every request): did an administrator set this password?"""
    from chapters.models import TemporaryPassword

    if request is not None and hasattr(request, "session"):
        if TemporaryPassword.objects.filter(user=user).exists():
            request.session[MUST_CHANGE_PASSWORD] = True
        else:
            request.session.pop(MUST_CHANGE_PASSWORD, None)


class TemporaryPasswordMiddleware:
    """A user logged in with a password an administrator set (and so knows) is sent to choose their own before
    anything else; only changing the password and logging out are open to them meanwhile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(MUST_CHANGE_PASSWORD) and request.user.is_authenticated:
            allowed = (reverse("password_change"), reverse("logout"), reverse("health"))
            if request.path not in allowed:
                messages.warning(
                    request, "Mật khẩu của bạn do quản trị đặt. Hãy đặt mật khẩu của riêng bạn trước khi tiếp tục."
                )
                response = redirect("password_change")
                if getattr(request, "htmx", False):
                    response["HX-Redirect"] = response["Location"]
                return response
        return self.get_response(request)
