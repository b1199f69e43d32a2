"""Room on every page of the summary table for its rows' next versions (fill factor 75, PostgreSQL).

`summaries_add` and every refresh rewrite the values of stored rows: with full pages each new version lands on
another page with a new entry in all three indexes; with room on the page, and no indexed column changed, it is a
heap-only (HOT) update. A file of 10,000 vouchers over a province's funds updates ~170,000 summary rows: 2.6 s →
1.5 s (docs/decisions.md, "Imports: exact keys, arrays, room on the page").
"""

from django.db import migrations

from core.migration_operations import SetFillFactor


class Migration(migrations.Migration):
    dependencies = [("chapters", "0012_drop_redundant_indexes")]

    operations = [SetFillFactor("chapters_summary", 75)]
