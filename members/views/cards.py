"""Membership cards as a PDF: the members ticked in the list, one member, or the filtered list."""

from django.contrib import messages
from django.shortcuts import redirect

from chapters import scoping
from core.views import pdf_response
from members.filters import MemberFilterForm
from members.forms import parse_ids
from members.models import Member, PersonalDataAccess
from members.pdf import MAX_CARDS, render_cards
from members.privacy import access_log


def member_cards(request):
    user = request.user
    qs = scoping.restrict(Member.objects.all(), user).filter(erased_at__isnull=True)
    ids = parse_ids(request.GET.get("ids", ""))
    if ids:
        qs = qs.filter(pk__in=ids)
    else:
        qs = MemberFilterForm(request.GET or None, user=user, units=scoping.units_for(user)).apply(qs)
    members = list(qs.select_related("unit", "unit__parent").ordered()[: MAX_CARDS + 1])
    if not members:
        messages.error(request, "Không có hội viên nào để in thẻ.")
        return redirect("members:member_list")
    if len(members) > MAX_CARDS:
        messages.error(request, f"Mỗi lần in tối đa {MAX_CARDS} thẻ; hãy lọc theo chi hội hoặc đánh dấu từng người.")
        return redirect("members:member_list")
    pdf = render_cards(members)
    access_log(user, members, PersonalDataAccess.Action.EXPORT, f"In thẻ hội viên ({len(members)} thẻ)")
    return pdf_response(pdf, "the-hoi-vien.pdf")
