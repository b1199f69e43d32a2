"""Member screens: the list with search, filters, totals and bulk actions; add, quick add, edit; a member's page;
leave, move, dues and erasure actions."""

from html import escape

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from chapters import scoping
from chapters.forms import add_errors
from chapters.mixins import ScopedQuerysetMixin, history_entries
from chapters.models import Summary
from chapters.pickers import PICKER_THRESHOLD, first_rows
from chapters.services.records import EditConflict
from core import formatting
from core.replicas import ReplicaReadsMixin
from core.views import querystring_without_page
from members import services
from members.filters import MemberFilterForm
from members.forms import (
    DuesForm,
    ErasureForm,
    LeaveForm,
    MemberForm,
    MoveForm,
    QuickMemberForm,
    grassroots_units,
    parse_ids,
)
from members.models import Due, Member, MoveRequest, PersonalDataAccess
from members.privacy import access_log, can_see_citizen_id, citizen_id_for, mask_citizen_id

from .common import CountedPaginator, OnePassPaginator, safe_next

LAST_UNIT_SESSION_KEY = "members_last_unit"
LARGE_SCOPE = 100_000  # members: above this, an unfiltered list takes its totals from the summaries


def member_rows_html(members, *, can_change: bool, select_all: bool, year: int) -> str:
    """The list's rows, built here in one pass with the standard library's escape (the same entities as Django's):
    a page of 50 members through the template loop (a dozen lookups, a reversed address and filters per row) was
    two thirds of the list's and the search's time (issue 19's mixed load). tests/members pins the row's HTML."""
    detail = reverse("members:member_detail", args=[0])[: -len("0/")]
    dues_label = escape(f"Hội phí {year}")
    rows = []
    for m in members:
        name = escape(m.full_name)
        check = (
            f'<td class="check-col" data-label="Chọn"><input type="checkbox" name="ids" value="{m.pk:d}" '
            f'aria-label="Chọn {name}"{" checked" if select_all else ""}></td>'
            if can_change
            else ""
        )
        phone = f'<a href="tel:{escape(m.phone)}">{escape(m.phone)}</a>' if m.phone else ""
        dues = '<span class="badge ok">đã nộp</span>' if m.dues_paid else '<span class="badge warn">chưa nộp</span>'
        if m.is_active:
            closed, status = "", "Đang sinh hoạt"
        else:
            closed = ' class="closed"'
            status = f"{escape(m.get_status_display())} {escape(formatting.date(m.left_on))}"
        party = ' <span class="badge">đảng viên</span>' if m.party_member else ""
        birth_year = "" if m.birth_year is None else f"{m.birth_year:d}"
        rows.append(
            f"<tr{closed}>{check}"
            f'<td class="c-name" data-label="Họ và tên"><a href="{escape(detail)}{m.pk:d}/">{name}</a>{party}</td>'
            f'<td class="c-meta" data-label="Năm sinh">{birth_year}</td>'
            f'<td class="c-extra" data-label="Giới tính">{escape(m.get_gender_display())}</td>'
            f'<td class="c-meta" data-label="Điện thoại">{phone}</td>'
            f'<td class="c-meta" data-label="Chi hội">{escape(m.unit.display_name)}</td>'
            f'<td class="c-extra" data-label="Số thẻ">{escape(m.card_number)}</td>'
            f'<td class="c-dues" data-label="{dues_label}">{dues}</td>'
            f'<td class="c-meta" data-label="Tình trạng">{status}</td></tr>'
        )
    return mark_safe("".join(rows))  # every value above is escaped


def summary_member_totals(paths: list[str] | None) -> dict[str, int]:
    """Members today (count, Party members, women) under the subtrees at `paths` (None: everywhere), from the
    summaries of the current year in one query."""
    figures = {"members.end": "count", "members.party": "party", "members.female": "female"}
    rows = Summary.objects.filter(year=timezone.localdate().year, period=Summary.Period.YEAR, figure__in=figures)
    if paths is not None:
        query = Q(pk__in=[])
        for path in paths:
            query |= Q(unit__path__startswith=path)
        rows = rows.filter(query)
    totals = dict.fromkeys(figures.values(), 0)
    for figure, value in rows.values_list("figure").annotate(total=Sum("value")):
        totals[figures[figure]] = value
    return totals


class MemberListView(ReplicaReadsMixin, ScopedQuerysetMixin, ListView):
    """Members in the user's scope: accent-insensitive search, filters, Vietnamese order, totals, bulk actions."""

    model = Member
    paginate_by = 50
    paginator_class = CountedPaginator
    template_name = "members/member_list.html"

    def get_queryset(self):
        self.filter_form = MemberFilterForm(self.request.GET or None, user=self.request.user)
        self.filtered = self.filter_form.apply(super().get_queryset())
        year = timezone.localdate().year
        return (
            self.filtered.select_related("unit")
            .only(*self.ROW_FIELDS)
            .annotate(dues_paid=Exists(Due.objects.filter(member=OuterRef("pk"), year=year)))
            .ordered()
        )

    # What a row of the list shows (`member_rows_html`), and nothing more: a member has fifteen other columns
    # (address, notes, citizen ID, search keys...), and her chapter a dozen, that a page of 50 read and built for
    # nothing. Personal data the list does not show is not read either.
    ROW_FIELDS = (
        "unit",
        "full_name",
        "gender",
        "birth_year",
        "phone",
        "left_on",
        "left_reason",
        "card_number",
        "party_member",
        "unit__name",
        "unit__kind",
        "unit__division_type",
    )

    TOTALS = {
        "count": Count("pk"),
        "party": Count("pk", filter=Q(party_member=True)),
        "female": Count("pk", filter=Q(gender=Member.Gender.FEMALE)),
    }

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        summary = self.summary_totals()
        if summary:
            self.totals = summary
            return CountedPaginator(queryset, per_page, orphans, allow_empty_first_page, known_count=summary["count"])
        if self.searching():
            # A search: the page and the totals in one pass over the trigram index (issue 19), which a count and
            # then a page would scan twice.
            return OnePassPaginator(queryset, per_page, orphans, allow_empty_first_page, totals=self.TOTALS)
        # No search: the page is an ordered LIMIT on the scope's index and the totals one count; totals as window
        # aggregates would flag and sort every member of the scope first (9.1 s for a commune's 19,284).
        self.totals = self.filtered.aggregate(**self.TOTALS)
        return CountedPaginator(queryset, per_page, orphans, allow_empty_first_page, known_count=self.totals["count"])

    def searching(self) -> bool:
        return bool(
            self.filter_form.is_bound and self.filter_form.is_valid() and self.filter_form.cleaned_data.get("q")
        )

    def summary_totals(self) -> dict | None:
        """Today's members of a big scope without a search or filter (a province administrator opening the list):
        read from this year's summaries instead of counting millions of rows. Exact, not an estimate: no date can
        lie in the future, so the stock at the end of this year is today's open memberships."""
        data = self.filter_form.cleaned_data if self.filter_form.is_bound and self.filter_form.is_valid() else {}
        if any(data.get(name) for name in ("q", "party", "joined_year", "dues")) or data.get("status") not in (
            None,
            "",
            "active",
        ):
            return None
        paths = [data["unit"].path] if data.get("unit") else scoping.role_paths(self.request.user, scoping.VIEW)
        totals = summary_member_totals(paths)
        return totals if totals["count"] >= LARGE_SCOPE else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = context["paginator"]
        if isinstance(paginator, OnePassPaginator):
            self.totals = paginator.totals
        user = self.request.user
        change_paths = scoping.role_paths(user, scoping.CHANGE)
        can_change = change_paths is None or bool(change_paths)
        select_all = self.request.GET.get("select") == "page"
        year = timezone.localdate().year
        # The bulk actions' forms are shown (and built: a few queries) only to those who may change the members.
        # Each action checks only its own fields: the dues amount must not block printing cards.
        move_form = MoveForm(prefix="move", user=user, use_required_attribute=False) if can_change else None
        context.update(
            {
                "filter_form": self.filter_form,
                "totals": self.totals,
                "querystring_without_page": querystring_without_page(self.request),
                "year": year,
                "can_change": can_change,
                "select_all": select_all,
                "rows_html": member_rows_html(
                    context["object_list"], can_change=can_change, select_all=select_all, year=year
                ),
                "advanced_filters": any(
                    self.request.GET.get(name) for name in ("unit", "status", "party", "joined_year", "dues")
                ),
                **(
                    {
                        "dues_form": DuesForm(
                            prefix="dues", initial=_usual_amount(move_form.units), use_required_attribute=False
                        ),
                        "move_form": move_form,
                        "leave_form": LeaveForm(prefix="leave", use_required_attribute=False),
                    }
                    if move_form is not None
                    else {}
                ),
                "here": self.request.get_full_path(),
                "export_unit": (self.filter_form.cleaned_data.get("unit") if self.filter_form.is_valid() else None),
            }
        )
        return context


@require_GET
def member_search(request):
    """The search behind the member picker (receipts, payments): name without accents, card number or phone."""
    text = request.GET.get("q", "").strip()[:100]
    if len(text) < 2:
        return JsonResponse({"results": []})
    members = (
        scoping.restrict(Member.objects.filter(erased_at__isnull=True), request.user, scoping.VIEW)
        .search(text)
        .select_related("unit")
        .ordered()[:20]
    )
    return JsonResponse(
        {
            "results": [
                {
                    "value": str(m.pk),
                    "label": m.full_name,
                    "detail": " · ".join(
                        part
                        for part in (
                            f"sinh {m.birth_year}",
                            m.card_number and f"thẻ {m.card_number}",
                            m.unit.display_name,
                        )
                        if part
                    ),
                }
                for m in members
            ]
        }
    )


def _duplicate_warning(form, members) -> None:
    names = ", ".join(f"{m.full_name} ({m.birth_year}, {m.unit})" for m in members[:5])
    form.add_error(
        None,
        f"Có thể đã có người này trong xã: {names}. Hãy kiểm tra; nếu đúng là người khác, bấm «Vẫn thêm».",
    )


def member_quick_add(request):
    """Add a member in under a minute on a phone: name, birth year, gender, phone; chapter and today preset."""
    user = request.user
    units = grassroots_units(user)
    first = first_rows(units, PICKER_THRESHOLD)  # the form's choices too, unless they need the picker
    if not first:
        if scoping.units_for(user).exists():
            raise PermissionDenied("Bạn chỉ có quyền xem; không thể thêm hội viên.")
        raise Http404
    duplicates = []
    if request.method == "POST":
        form = QuickMemberForm(request.POST, user=user, units=first)
        if form.is_valid():
            data = form.cleaned_data
            duplicates = list(
                services.likely_duplicates(
                    full_name=data["full_name"], birth_year=data["birth_year"], unit=data["unit"]
                ).select_related("unit")[:5]
            )
            if duplicates and not data["confirm_duplicate"]:
                _duplicate_warning(form, duplicates)
                form.data = form.data.copy()
                form.data["confirm_duplicate"] = "True"
            else:
                try:
                    member = services.member_create(
                        actor=user,
                        unit=data["unit"],
                        joined_on=data["joined_on"],
                        full_name=data["full_name"],
                        birth_year=data["birth_year"],
                        gender=data["gender"],
                        phone=data["phone"],
                        party_member=data["party_member"],
                    )
                except ValidationError as error:
                    add_errors(form, error)
                else:
                    if request.session.get(LAST_UNIT_SESSION_KEY) != member.unit_id:
                        # Written when it changes: rewriting it made every save also save the session.
                        request.session[LAST_UNIT_SESSION_KEY] = member.unit_id
                    messages.success(
                        request,
                        format_html(
                            'Đã thêm hội viên <a href="{}">{}</a> ({}) vào {}.',
                            reverse("members:member_detail", args=[member.pk]),
                            member.full_name,
                            member.birth_year,
                            member.unit,
                        ),
                    )
                    return redirect(reverse("members:member_quick_add") + f"?unit={member.unit_id}")
    else:
        wanted = request.GET.get("unit") or request.session.get(LAST_UNIT_SESSION_KEY)
        unit = None
        if str(wanted or "").isdigit():
            unit = next((row for row in first if row.pk == int(wanted)), None)
            if unit is None and len(first) > PICKER_THRESHOLD:  # not among the first: look for it in the rest
                unit = units.filter(pk=wanted).first()
        if unit is None and len(first) == 1:
            unit = first[0]
        form = QuickMemberForm(user=user, initial={"unit": unit}, units=first)
    return render(
        request,
        "members/member_quick_add.html",
        {"form": form, "duplicates": duplicates, "confirming": bool(duplicates)},
    )


class MemberCreateView(CreateView):
    model = Member
    form_class = MemberForm
    template_name = "members/member_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not grassroots_units(request.user).exists():
            if scoping.units_for(request.user).exists():
                raise PermissionDenied("Bạn chỉ có quyền xem; không thể thêm hội viên.")
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.request.method == "GET" and self.request.GET.get("unit", "").isdigit():
            kwargs.setdefault("initial", {})["unit"] = self.request.GET["unit"]
        return kwargs

    def form_valid(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k in services.EDITABLE_FIELDS}
        duplicates = services.likely_duplicates(
            full_name=data["full_name"], birth_year=data["birth_year"], unit=form.cleaned_data["unit"]
        ).select_related("unit")
        if duplicates and not self.request.POST.get("confirm_duplicate"):
            _duplicate_warning(form, list(duplicates))
            return self.render_to_response(self.get_context_data(form=form, confirming=True))
        try:
            member = services.member_create(
                actor=self.request.user, unit=form.cleaned_data["unit"], **{**data, "joined_on": data["joined_on"]}
            )
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Đã thêm hội viên {member.full_name}.")
        return redirect("members:member_detail", member.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="Thêm hội viên", **kwargs)


class MemberUpdateView(ScopedQuerysetMixin, UpdateView):
    model = Member
    form_class = MemberForm
    action = scoping.CHANGE
    template_name = "members/member_form.html"

    def get_object(self, queryset=None):
        member = super().get_object(queryset)
        if member.is_erased:
            raise PermissionDenied("Dữ liệu cá nhân của hội viên này đã bị xóa theo yêu cầu; không thể sửa.")
        return member

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k in services.EDITABLE_FIELDS}
        try:
            services.member_update(
                self.object, actor=self.request.user, expected_version=form.cleaned_data.get("version"), **data
            )
        except EditConflict as conflict:
            form.add_error(None, conflict)
            form.data = form.data.copy()
            form.data["version"] = conflict.current.version
            return self.form_invalid(form)
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Đã lưu thông tin hội viên {self.object.full_name}.")
        return redirect("members:member_detail", self.object.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"Sửa thông tin: {self.object.full_name}", **kwargs)


def _masked_history(member: Member, user) -> list[dict]:
    entries = history_entries(member)
    if not can_see_citizen_id(user, member):
        for entry in entries:
            for change in entry["changes"]:
                if change["name"] == "citizen_id":
                    change["old"], change["new"] = mask_citizen_id(change["old"]), mask_citizen_id(change["new"])
    return entries


class MemberDetailView(ScopedQuerysetMixin, DetailView):
    """A member's page: her details (citizen ID masked unless allowed), memberships, dues, history, actions.
    Opening it is written to the personal-data access log."""

    model = Member
    template_name = "members/member_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "household")

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        access_log(request.user, [self.object], PersonalDataAccess.Action.VIEW)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member, user = self.object, self.request.user
        year = timezone.localdate().year
        can_change = scoping.can(user, scoping.CHANGE, member.unit)
        can_manage = services.can_erase(user, member)
        context.update(
            {
                "citizen_id": citizen_id_for(user, member),
                "memberships": member.memberships.select_related("unit"),
                "dues": member.dues.select_related("unit").order_by("-year"),
                "paid_this_year": member.dues.filter(year=year).exists(),
                "year": year,
                "history": _masked_history(member, user),
                "can_change": can_change and not member.is_erased,
                "can_act": can_change,
                "can_erase": can_manage and not member.is_erased,
                "pending_move": member.move_requests.filter(status=MoveRequest.Status.PENDING)
                .select_related("to_unit")
                .first(),
                "dues_form": DuesForm(prefix="dues", initial=_last_amount(member)) if can_change else None,
                "accesses": member.accesses.select_related("user")[:20] if can_manage else None,
                "erasure": getattr(member, "erasure", None) if member.is_erased else None,
            }
        )
        return context


def _amount_initial(amount: int | None) -> dict:
    return {"amount": f"{amount:,}".replace(",", ".")} if amount else {}


def _last_amount(member: Member) -> dict:
    last = member.dues.order_by("-year").values_list("amount", flat=True).first()
    return _amount_initial(last) if last else _amount_initial(chapter_dues_rate([member.unit_id]))


def _usual_amount(units: list) -> dict:
    """The dues form's amount: the rate of the user's chapter when she has one (`units`: her first chapters)."""
    return _amount_initial(chapter_dues_rate([units[0].pk])) if len(units) == 1 else {}


def chapter_dues_rate(unit_ids: list[int]) -> int | None:
    """A chapter's dues rate: the amount most of its members paid in the latest year anyone paid."""
    usual = (
        Due.objects.filter(unit_id__in=unit_ids)
        .values("year", "amount")
        .annotate(n=Count("pk"))
        .order_by("-year", "-n", "-amount")
        .first()
    )
    return usual["amount"] if usual else None


def _changeable_member(request, pk) -> Member:
    return scoping.get_scoped_object(Member.objects.select_related("unit"), request.user, scoping.CHANGE, pk=pk)


def member_leave(request, pk):
    member = _changeable_member(request, pk)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_leave(
                member, actor=request.user, on=form.cleaned_data["on"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Đã ghi nhận {member.full_name} ra hội từ {form.cleaned_data['on']:%d/%m/%Y}.")
            return redirect("members:member_detail", member.pk)
    return render(
        request,
        "members/member_action.html",
        {
            "member": member,
            "form": form,
            "title": "Ra hội",
            "button": "Ghi nhận ra hội",
            "help": "Hồ sơ hội viên vẫn được giữ lại; từ ngày ra hội, hội viên không còn được tính trong số liệu.",
        },
    )


def member_move(request, pk):
    member = _changeable_member(request, pk)
    form = MoveForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.member_move(
                member, actor=request.user, to_unit=data["to_unit"], on=data["on"], note=data["note"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if isinstance(result, MoveRequest):
                messages.success(
                    request,
                    f"Đã gửi đề nghị chuyển {member.full_name} sang {data['to_unit']}; chi hội nhận sẽ xác nhận.",
                )
            else:
                messages.success(request, f"Đã chuyển {member.full_name} sang {data['to_unit']}.")
            return redirect("members:member_detail", member.pk)
    return render(
        request,
        "members/member_action.html",
        {
            "member": member,
            "form": form,
            "title": "Chuyển sinh hoạt",
            "button": "Chuyển",
            "help": "Chuyển trong phạm vi của bạn thì có hiệu lực ngay; chuyển sang chi hội khác thì chi hội nhận "
            "phải xác nhận.",
        },
    )


@require_POST
def member_dues(request, pk):
    """Mark one member's dues paid (from her page)."""
    member = _changeable_member(request, pk)
    form = DuesForm(request.POST, prefix="dues")
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect("members:member_detail", member.pk)
    _mark_paid(request, [member], form.cleaned_data)
    return redirect(safe_next(request, reverse("members:member_detail", args=[member.pk])))


def _mark_paid(request, members, data) -> None:
    try:
        result = services.dues_mark_paid(
            actor=request.user, members=members, year=data["year"], amount=data["amount"], paid_on=data["paid_on"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return
    if result["paid"]:
        messages.success(
            request,
            f"Đã ghi hội phí năm {data['year']} cho {len(result['paid'])} hội viên "
            f"({data['amount'] * len(result['paid']):,} đồng).".replace(",", "."),
        )
    if result["already"]:
        names = ", ".join(m.full_name for m in result["already"][:10])
        messages.warning(request, f"{len(result['already'])} hội viên đã nộp hội phí năm {data['year']}: {names}.")
    if result["not_member"]:
        names = ", ".join(m.full_name for m in result["not_member"][:10])
        messages.warning(request, f"Không ghi cho người chưa (hoặc không còn) là hội viên năm {data['year']}: {names}.")


@require_POST
def due_delete(request, pk):
    due = scoping.get_scoped_object(Due.objects.select_related("member", "unit"), request.user, scoping.CHANGE, pk=pk)
    try:
        services.due_delete(due, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Đã hủy hội phí năm {due.year} của {due.member.full_name}.")
    return redirect("members:member_detail", due.member_id)


def member_erase(request, pk):
    member = scoping.get_scoped_object(Member.objects.select_related("unit"), request.user, scoping.VIEW, pk=pk)
    if not services.can_erase(request.user, member):
        raise PermissionDenied("Chỉ quản trị của hội cấp trên mới được xóa dữ liệu cá nhân của hội viên.")
    if member.is_erased:
        messages.info(request, "Dữ liệu cá nhân của hội viên này đã được xóa trước đây.")
        return redirect("members:member_detail", member.pk)
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.member_erase(
                member,
                actor=request.user,
                requested_by=data["requested_by"],
                request_date=data["request_date"],
                reference=data["reference"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Đã xóa dữ liệu cá nhân của hội viên; số liệu thống kê vẫn được giữ đúng.")
            return redirect("members:member_detail", member.pk)
    return render(
        request,
        "members/member_action.html",
        {
            "member": member,
            "form": form,
            "title": "Xóa dữ liệu cá nhân",
            "button": "Xóa dữ liệu cá nhân",
            "danger": True,
            "help": "Theo Luật Bảo vệ dữ liệu cá nhân (số 91/2025/QH15). Giới tính, năm sinh, ngày vào và ra hội, "
            "đảng viên được giữ lại để các số liệu đã báo cáo không thay đổi. Tên trong hồ sơ công dân học tập và "
            "danh sách nhận khen thưởng cũng được xóa; các tệp Excel đã tải lên để nhập có dữ liệu của người này "
            "bị xóa khỏi máy chủ (lần nhập vẫn được ghi lại); phiếu thu, chi của quỹ là chứng từ kế toán nên "
            "giữ nguyên.",
        },
    )


@require_POST
def member_bulk(request):
    """An action on the members ticked in the list: dues paid, move, leave, print cards."""
    user = request.user
    ids = sorted(set(parse_ids(" ".join(request.POST.getlist("ids")))))
    back = safe_next(request, reverse("members:member_list"))
    action = request.POST.get("action")
    if not ids:
        messages.error(request, "Hãy đánh dấu ít nhất một hội viên trong danh sách.")
        return redirect(back)
    visible = scoping.restrict(Member.objects.filter(pk__in=ids), user, scoping.VIEW)
    if visible.count() != len(ids):
        raise Http404
    if action == "cards":
        return redirect(reverse("members:member_cards") + "?ids=" + ",".join(map(str, ids)))
    members = list(scoping.restrict(visible, user, scoping.CHANGE).select_related("unit").ordered())
    if len(members) != len(ids):
        raise PermissionDenied("Có hội viên ngoài phạm vi bạn được sửa.")
    forms_by_action = {"dues": (DuesForm, "dues"), "move": (MoveForm, "move"), "leave": (LeaveForm, "leave")}
    if action not in forms_by_action:
        messages.error(request, "Hãy chọn một thao tác.")
        return redirect(back)
    form_class, prefix = forms_by_action[action]
    extra = {"user": user} if action == "move" else {}
    form = form_class(request.POST, prefix=prefix, **extra)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(back)
    data = form.cleaned_data
    try:
        if action == "dues":
            _mark_paid(request, members, data)
        elif action == "move":
            result = services.member_move_bulk(actor=user, members=members, to_unit=data["to_unit"], on=data["on"])
            if result["moved"]:
                messages.success(request, f"Đã chuyển {result['moved']} hội viên sang {data['to_unit']}.")
            if result["requested"]:
                messages.success(
                    request,
                    f"Đã gửi {result['requested']} đề nghị chuyển sang {data['to_unit']}; chi hội nhận sẽ xác nhận.",
                )
        else:
            count = services.member_leave_bulk(actor=user, members=members, on=data["on"], reason=data["reason"])
            messages.success(request, f"Đã ghi nhận {count} hội viên ra hội từ {data['on']:%d/%m/%Y}.")
    except ValidationError as error:
        messages.error(request, "Không thực hiện được, chưa có gì thay đổi. " + " ".join(error.messages))
    return redirect(back)
