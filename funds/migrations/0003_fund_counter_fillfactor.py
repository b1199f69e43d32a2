"""Room on the pages of funds and voucher counters for the next version of a balance or a counter (fill factor 75,
PostgreSQL): every voucher rewrites its fund's balance and its counter (docs/decisions.md, "Imports: exact keys,
arrays, room on the page")."""

from django.db import migrations

from core.migration_operations import SetFillFactor


class Migration(migrations.Migration):
    dependencies = [("funds", "0002_drop_redundant_indexes"), ("chapters", "0013_summary_fillfactor")]

    operations = [SetFillFactor("funds_fund", 75), SetFillFactor("funds_vouchercounter", 75)]
