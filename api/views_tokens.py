"""Screens for personal API tokens, on the user's password page: create (the secret shown once) and revoke."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .models import ApiToken
from .services import DEFAULT_DAYS, MAX_DAYS
from .services import token_create as create_token
from .services import token_revoke as revoke_token


class TokenForm(forms.Form):
    name = forms.CharField(label="Tên token", max_length=100, help_text="Ví dụ: «Phần mềm chấm điểm của tỉnh».")
    days = forms.IntegerField(label="Thời hạn (ngày)", min_value=1, max_value=MAX_DAYS, initial=DEFAULT_DAYS)


@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, secret = create_token(
                user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("password_change")
        # Shown on this page only: the secret is not stored and cannot be shown again.
        return render(request, "api/token_created.html", {"token": token, "secret": secret})
    messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    return redirect("password_change")


@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    revoke_token(user=request.user, token_id=token.pk)
    messages.success(request, f"Đã thu hồi token «{token.name}»: hệ thống dùng token này sẽ không truy cập được nữa.")
    return redirect("password_change")
