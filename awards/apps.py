from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = "Khen thưởng, học bổng"

    def ready(self):
        from awards import imports, providers
        from chapters.imports import kinds
        from chapters.signals import member_erased
        from funds import sources as funds_sources

        providers.register_all()
        kinds.register(imports.awards_kind)
        funds_sources.register(voucher_links)
        member_erased.connect(erase_recipient_names, dispatch_uid="awards.erase_recipient_names")


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
