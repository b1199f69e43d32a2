"""Users and roles for administrators (design.md §4): the users of their subtree, never above it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView

from chapters import scoping
from chapters.forms import RoleGrantForm, UserCreateForm, add_errors
from chapters.models import Role, Unit
from chapters.services import users as user_services
from chapters.views.units import PageQuerystringMixin, unit_for
from core.text import person_name


def _target(request, pk):
    """The user in the address: 403 for somebody who administers nothing, 404 outside their subtree."""
    user_services.ensure_manages_somewhere(request.user)
    try:
        return user_services.visible_users(request.user).get(pk=pk)
    except (user_services.User.DoesNotExist, ValueError):
        raise Http404 from None


def _preset_unit(request) -> Unit | None:
    pk = request.GET.get("unit")
    return unit_for(request, pk, (scoping.MANAGE,)) if pk else None


def _password_page(request, target, password: str, *, created: bool):
    """The new password, shown once: never stored in the session, never cached."""
    context = {"target": target, "name": person_name(target), "password": password, "created": created}
    response = render(request, "chapters/user_password.html", context)
    add_never_cache_headers(response)
    return response


class UserListView(PageQuerystringMixin, ListView):
    template_name = "chapters/user_list.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        user_services.ensure_manages_somewhere(request.user)
        self.unit = _preset_unit(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        actor = self.request.user
        roles = scoping.restrict(Role.objects.all(), actor, scoping.MANAGE).select_related("unit")
        qs = user_services.visible_users(actor)
        if self.unit is not None:
            qs = qs.filter(unit_roles__unit__path__startswith=self.unit.path).distinct()
        query = self.request.GET.get("q", "").strip()
        if query:
            qs = qs.filter(
                Q(username__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
            )
        return qs.prefetch_related(Prefetch("unit_roles", queryset=roles)).order_by(
            "first_name", "last_name", "username"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for target in context["object_list"]:
            target.display = person_name(target)
        context.update({"unit": self.unit, "q": self.request.GET.get("q", "")})
        return context


class UserCreateView(FormView):
    form_class = UserCreateForm
    template_name = "chapters/user_form.html"

    def dispatch(self, request, *args, **kwargs):
        user_services.ensure_manages_somewhere(request.user)
        self.preset = _preset_unit(request)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "preset": self.preset}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            target, password = user_services.user_create(actor=self.request.user, **data)
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        if not data["password"]:
            return _password_page(self.request, target, password, created=True)
        messages.success(self.request, f"Đã tạo tài khoản {target.username}.")
        return redirect("chapters:user_detail", pk=target.pk)


def _detail(request, target, *, grant_form=None, status=200):
    actor = request.user
    roles = list(Role.objects.filter(user=target).select_related("unit", "granted_by").order_by("unit__path"))
    mine = [role for role in roles if scoping.can(actor, scoping.MANAGE, role.unit)]
    preset = _preset_unit(request)
    context = {
        "target": target,
        "name": person_name(target),
        "roles": mine,
        "hidden_roles": len(roles) - len(mine),
        "can_manage_user": user_services.can_manage_user(actor, target),
        "lockouts": user_services.user_lockouts(target),
        "grant_form": grant_form or RoleGrantForm(user=actor, preset=preset),
    }
    return render(request, "chapters/user_detail.html", context, status=status)


def user_detail(request, pk):
    return _detail(request, _target(request, pk))


@require_POST
def role_grant(request, pk):
    target = _target(request, pk)
    form = RoleGrantForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            role = user_services.role_grant(actor=request.user, user=target, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Đã giao vai trò {role.get_kind_display().lower()} ở {role.unit.display_name}.")
            return redirect("chapters:user_detail", pk=target.pk)
    return _detail(request, target, grant_form=form, status=400)


@require_POST
def role_revoke(request, pk):
    user_services.ensure_manages_somewhere(request.user)
    try:
        role = scoping.restrict(Role.objects.select_related("unit", "user"), request.user, scoping.MANAGE).get(pk=pk)
    except (Role.DoesNotExist, ValueError):
        raise Http404 from None
    try:
        user_services.role_revoke(actor=request.user, role=role)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Đã thu hồi vai trò {role.get_kind_display().lower()} ở {role.unit.display_name}.")
    return redirect("chapters:user_detail", pk=role.user_id)


@require_POST
def user_deactivate(request, pk):
    target = user_services.user_set_active(actor=request.user, user=_target(request, pk), active=False)
    messages.success(request, f"Đã khóa tài khoản {target.username}: người này không đăng nhập được nữa.")
    return redirect("chapters:user_detail", pk=target.pk)


@require_POST
def user_activate(request, pk):
    target = user_services.user_set_active(actor=request.user, user=_target(request, pk), active=True)
    messages.success(request, f"Đã mở lại tài khoản {target.username}.")
    return redirect("chapters:user_detail", pk=target.pk)


@require_POST
def user_password_reset(request, pk):
    target = _target(request, pk)
    password = user_services.user_password_reset(actor=request.user, user=target)
    return _password_page(request, target, password, created=False)


@require_POST
def user_unlock(request, pk):
    target = _target(request, pk)
    count = user_services.user_unlock(actor=request.user, user=target)
    if count:
        messages.success(request, f"Đã mở khóa đăng nhập cho {target.username}.")
    else:
        messages.info(request, f"{target.username} không bị khóa đăng nhập.")
    return redirect("chapters:user_detail", pk=target.pk)
