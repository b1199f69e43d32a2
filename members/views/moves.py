"""The move-requests inbox: requests to receive members (for the receiving secretary) and requests sent."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chapters import scoping
from members import services
from members.models import MoveRequest


def moverequest_list(request):
    user = request.user
    base = MoveRequest.objects.select_related("member", "from_unit", "to_unit", "requested_by", "decided_by")
    incoming = scoping.restrict(base, user, scoping.VIEW, unit_field="to_unit")
    outgoing = scoping.restrict(base, user, scoping.VIEW, unit_field="from_unit")
    show_all = bool(request.GET.get("all"))
    if not show_all:
        incoming = incoming.filter(status=MoveRequest.Status.PENDING)
        outgoing = outgoing.filter(status=MoveRequest.Status.PENDING)
    change_paths = scoping.role_paths(user, scoping.CHANGE)
    incoming = list(incoming[:200])
    for move in incoming:
        move.can_decide = move.status == MoveRequest.Status.PENDING and (
            change_paths is None or any(move.to_unit.path.startswith(p) for p in change_paths)
        )
    outgoing = list(outgoing[:200])
    for move in outgoing:
        move.can_cancel = move.status == MoveRequest.Status.PENDING and (
            change_paths is None or any(move.from_unit.path.startswith(p) for p in change_paths)
        )
    return render(
        request, "members/moverequest_list.html", {"incoming": incoming, "outgoing": outgoing, "show_all": show_all}
    )


def _decide(request, pk, unit_field, service, done):
    move = scoping.get_scoped_object(
        MoveRequest.objects.select_related("member", "from_unit", "to_unit"),
        request.user,
        scoping.CHANGE,
        unit_field=unit_field,
        pk=pk,
    )
    try:
        if service is services.move_request_decline:
            service(move, actor=request.user, reason=request.POST.get("reason", ""))
        else:
            service(move, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(name=move.member.full_name, to=move.to_unit, frm=move.from_unit))
    return redirect("members:moverequest_list")


@require_POST
def moverequest_accept(request, pk):
    return _decide(request, pk, "to_unit", services.move_request_accept, "Đã nhận {name} về {to}.")


@require_POST
def moverequest_decline(request, pk):
    return _decide(request, pk, "to_unit", services.move_request_decline, "Đã từ chối nhận {name}.")


@require_POST
def moverequest_cancel(request, pk):
    return _decide(request, pk, "from_unit", services.move_request_cancel, "Đã hủy đề nghị chuyển {name}.")
