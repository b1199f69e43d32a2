"""An association's terms (nhiệm kỳ) and leadership: chair, vice-chairs, standing members…"""

from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from chapters import scoping
from chapters.forms import LeaderForm, TermForm
from chapters.leadership import holders_on
from chapters.models import LeadershipPosition, Term
from chapters.views.units import RecordCreateView, RecordUpdateView, record_delete_view, unit_for


def leader_list(request, pk):
    """Every term with its leaders, the people in office today, and those who held office before."""
    unit = unit_for(request, pk)
    today = timezone.localdate()
    leaders = LeadershipPosition.objects.filter(unit=unit).select_related("term")
    context = {
        "unit": unit,
        "today": today,
        "current": holders_on(unit, today),
        "former": leaders.filter(until__lt=today).order_by("-until", "rank"),
        "upcoming": leaders.filter(since__gt=today).order_by("since", "rank"),
        "terms": unit.terms.prefetch_related(Prefetch("leaders", queryset=LeadershipPosition.objects.order_by("rank"))),
        "can_edit": scoping.can_edit_unit(request.user, unit),
    }
    return render(request, "chapters/leader_list.html", context)


class LeadershipSuccessMixin:
    def get_success_url(self):
        return reverse("chapters:leader_list", args=[self.unit.pk])


class TermCreateView(LeadershipSuccessMixin, RecordCreateView):
    model = Term
    form_class = TermForm
    title = "Thêm nhiệm kỳ"
    success_message = "Đã lưu nhiệm kỳ."


class TermUpdateView(LeadershipSuccessMixin, RecordUpdateView):
    model = Term
    form_class = TermForm
    title = "Sửa nhiệm kỳ"
    delete_url_name = "chapters:term_delete"
    success_message = "Đã lưu nhiệm kỳ."


class LeaderCreateView(LeadershipSuccessMixin, RecordCreateView):
    model = LeadershipPosition
    form_class = LeaderForm
    title = "Thêm người lãnh đạo"
    success_message = "Đã lưu thông tin lãnh đạo."


class LeaderUpdateView(LeadershipSuccessMixin, RecordUpdateView):
    model = LeadershipPosition
    form_class = LeaderForm
    title = "Sửa thông tin lãnh đạo"
    delete_url_name = "chapters:leader_delete"
    success_message = "Đã lưu thông tin lãnh đạo."


def _term_in_use(term: Term) -> str | None:
    count = term.leaders.count()
    if count:
        return f"{term} còn {count} người lãnh đạo gắn với nó: hãy sửa hoặc xóa thông tin của họ trước."
    return None


@require_POST
def term_delete(request, pk):
    unit, _deleted = record_delete_view(request, Term.objects.all(), pk, refuse=_term_in_use)
    return redirect("chapters:leader_list", pk=unit.pk)


@require_POST
def leader_delete(request, pk):
    unit, _deleted = record_delete_view(request, LeadershipPosition.objects.all(), pk)
    return redirect("chapters:leader_list", pk=unit.pk)
