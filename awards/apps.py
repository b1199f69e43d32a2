from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = "Khen thưởng, học bổng"

    def ready(self):
        from awards import imports, providers
        from chapters.imports import kinds
        from funds import sources as funds_sources

        providers.register_all()
        kinds.register(imports.awards_kind)
        funds_sources.register(voucher_links)


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
