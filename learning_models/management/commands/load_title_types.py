"""Install the shipped title types and criteria sets that are missing (the data migration does it once)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from learning_models.catalogue import install, install_recognition_only, install_target_years
from learning_models.models import CriteriaSet, Criterion, TitleType


class Command(BaseCommand):
    help = "Thêm các danh hiệu và bộ tiêu chí toàn quốc còn thiếu; không sửa những gì đã có."

    def handle(self, *args, **options):
        with transaction.atomic():
            created = install(TitleType, CriteriaSet, Criterion)
            install_target_years(TitleType)
            created["criteria_sets"] += install_recognition_only(TitleType, CriteriaSet)
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã thêm {created['title_types']} danh hiệu và {created['criteria_sets']} bộ tiêu chí "
                f"(hiện có {TitleType.objects.count()} danh hiệu, {CriteriaSet.objects.count()} bộ tiêu chí)."
            )
        )
