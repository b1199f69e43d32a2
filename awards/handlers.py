"""What awards does when another app tells it something (docs/architecture.md, "Seams between apps")."""


def erase_recipient_names(sender, member_id: int, erased_name: str, **kwargs) -> None:
    """An award recipient linked to an erased member: her name, school and class are blanked in the recipient
    lists and their history. The recipient, the amount and the achievement stay, so the counts and the fund's
    books still add up; the signed decision's scan is the archived document and is not touched."""
    from awards.models import Recipient

    Recipient.history.filter(member_id=member_id).update(name=erased_name, school="", grade="")
    Recipient.objects.filter(member_id=member_id).update(
        name=erased_name, search_key="", sort_key="", school="", grade=""
    )


def voucher_links(voucher) -> list[tuple[str, str]]:
    """The award decisions a fund voucher pays, for the voucher's page (funds never imports awards)."""
    from django.urls import reverse

    from awards.models import Decision

    decisions = Decision.objects.filter(recipients__payouts__voucher=voucher).distinct()
    return [
        (
            f"Quyết định số {decision.number} ngày {decision.date:%d/%m/%Y}",
            reverse("awards:decision_detail", args=[decision.pk]),
        )
        for decision in decisions
    ]
